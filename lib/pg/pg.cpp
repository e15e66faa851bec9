#include "pg/pg.hpp"

#include "util/file.hpp"

#include <omero/exit_codes.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <poll.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>

namespace omero::pg {

std::string ConnParams::describe() const {
    return "user " + user + " on " + host + ":" + port + ", database " + dbname;
}

std::string result_error(const PGresult* r) {
    auto field = [&](int f) {
        const char* v = PQresultErrorField(r, f);
        return std::string(v ? v : "");
    };
    std::string msg = field(PG_DIAG_MESSAGE_PRIMARY);
    if (msg.empty()) msg = PQresultErrorMessage(r);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    if (auto d = field(PG_DIAG_MESSAGE_DETAIL); !d.empty()) msg += "\nDETAIL: " + d;
    if (auto h = field(PG_DIAG_MESSAGE_HINT); !h.empty()) msg += "\nHINT: " + h;
    if (auto c = field(PG_DIAG_CONTEXT); !c.empty()) msg += "\nCONTEXT: " + c;
    return msg;
}

static std::string prompt_password(const ConnParams& p) {
    std::fprintf(stderr, "Password for %s: ", p.describe().c_str());
    std::fflush(stderr);
    termios old{};
    bool tty = tcgetattr(0, &old) == 0;
    if (tty) {
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(0, TCSANOW, &quiet);
    }
    std::string pw = read_stdin_line().value_or("");
    if (tty) tcsetattr(0, TCSANOW, &old);
    std::fprintf(stderr, "\n");
    return pw;
}

// "omero pid 123 on host": who holds a lock is then named by the process, not
// by its PostgreSQL backend (at most 63 bytes, as PostgreSQL keeps).
static std::string application_name() {
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    std::string s = "omero pid " + std::to_string(getpid()) + " on " + host;
    return s.substr(0, 63);
}

static PGconn* try_connect(const ConnParams& p) {
    static const std::string app = application_name();
    std::vector<const char*> keys = {"host", "port", "dbname", "user", "application_name", "connect_timeout"};
    std::vector<const char*> vals = {p.host.c_str(), p.port.c_str(), p.dbname.c_str(),
                                     p.user.c_str(), app.c_str(),    "10"};
    if (p.password) {
        keys.push_back("password");
        vals.push_back(p.password->c_str());
    }
    keys.push_back(nullptr);
    vals.push_back(nullptr);
    return PQconnectdbParams(keys.data(), vals.data(), 0);
}

Pg Pg::connect(ConnParams p, bool may_prompt) {
    PGconn* c = try_connect(p);
    if (PQstatus(c) != CONNECTION_OK && PQconnectionNeedsPassword(c) && !p.password && may_prompt && isatty(0)) {
        PQfinish(c);
        p.password = prompt_password(p);
        c = try_connect(p);
    }
    if (PQstatus(c) != CONNECTION_OK) {
        std::string why = PQerrorMessage(c);
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        bool auth = PQconnectionNeedsPassword(c) || why.find("password authentication failed") != std::string::npos;
        PQfinish(c);
        bool missing = why.find("database \"" + p.dbname + "\" does not exist") != std::string::npos;
        std::string hint = auth      ? "check omero.db.user and omero.db.pass (omero config get omero.db.user), "
                                       "PGPASSWORD or ~/.pgpass"
                           : missing ? "create it with 'omero db init' (or restore a dump with 'omero db restore "
                                       "PATH --to " +
                                           p.dbname + "'), or check omero.db.name"
                                     : "check that PostgreSQL runs there and accepts connections "
                                       "(omero.db.host, omero.db.port, omero.db.name; pg_hba.conf)";
        throw Error(OMERO_EXIT_DB_CONNECT, "cannot connect as " + p.describe() + ": " + why + "\nhint: " + hint);
    }
    // Notices (identifier truncation, "does not exist, skipping") are noise here.
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);
    return Pg(c, std::move(p));
}

Pg::~Pg() {
    if (conn_) PQfinish(conn_);
}

std::string Pg::literal(const std::string& s) const {
    char* e = PQescapeLiteral(conn_, s.data(), s.size());
    if (!e) throw Error(OMERO_EXIT_FAILURE, PQerrorMessage(conn_));
    std::string out(e);
    PQfreemem(e);
    return out;
}

void Pg::exec(const std::string& sql, const std::function<bool()>& cancelled) {
    if (!PQsendQuery(conn_, sql.c_str())) throw Error(OMERO_EXIT_FAILURE, PQerrorMessage(conn_));
    wait_results(cancelled, nullptr);
}

std::vector<Row> Pg::exec_params(const std::string& sql, const std::vector<std::optional<std::string>>& params,
                                 const std::function<bool()>& cancelled) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    if (!PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                           nullptr, 0))
        throw Error(OMERO_EXIT_FAILURE, PQerrorMessage(conn_));
    std::vector<Row> rows;
    wait_results(cancelled, &rows);
    return rows;
}

// Reads every result of the statement(s) sent, polling `cancelled` and
// cancelling on the server when it turns true. COPY ... FROM STDIN cannot be
// fed here: it is ended with an error instead of waiting forever.
void Pg::wait_results(const std::function<bool()>& cancelled, std::vector<Row>* rows) {
    bool cancel_sent = false;
    std::string error;
    for (;;) {
        while (PQisBusy(conn_)) {
            pollfd pfd{PQsocket(conn_), POLLIN, 0};
            poll(&pfd, 1, 100);
            if (!PQconsumeInput(conn_)) throw Error(OMERO_EXIT_FAILURE, PQerrorMessage(conn_));
            if (cancelled && !cancel_sent && cancelled()) {
                if (PGcancel* pc = PQgetCancel(conn_)) {
                    char buf[256];
                    PQcancel(pc, buf, sizeof buf);
                    PQfreeCancel(pc);
                }
                cancel_sent = true;
            }
        }
        PGresult* r = PQgetResult(conn_);
        if (!r) break;
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_FATAL_ERROR && error.empty()) error = result_error(r);
        if (st == PGRES_COPY_IN) {
            PQputCopyEnd(conn_, "COPY FROM STDIN has no data source here");
        } else if (st == PGRES_COPY_OUT) {
            char* buf = nullptr;
            while (PQgetCopyData(conn_, &buf, 0) > 0) PQfreemem(buf);
        } else if (st == PGRES_TUPLES_OK && rows) {
            for (int i = 0; i < PQntuples(r); ++i) {
                Row row;
                for (int j = 0; j < PQnfields(r); ++j)
                    row.push_back(PQgetisnull(r, i, j) ? std::nullopt
                                                       : std::optional<std::string>(PQgetvalue(r, i, j)));
                rows->push_back(std::move(row));
            }
        }
        PQclear(r);
    }
    if (cancel_sent) throw Error(OMERO_EXIT_CANCELLED, "cancelled");
    if (!error.empty()) throw Error(OMERO_EXIT_FAILURE, error);
}

std::vector<Row> Pg::query(const std::string& sql, const std::vector<std::string>& params) {
    std::vector<const char*> values;
    for (const std::string& p : params) values.push_back(p.c_str());
    PGresult* r =
        PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        std::string e = result_error(r);
        PQclear(r);
        throw Error(OMERO_EXIT_FAILURE, e);
    }
    std::vector<Row> rows;
    for (int i = 0; i < PQntuples(r); ++i) {
        Row row;
        for (int j = 0; j < PQnfields(r); ++j)
            row.push_back(PQgetisnull(r, i, j) ? std::nullopt : std::optional<std::string>(PQgetvalue(r, i, j)));
        rows.push_back(std::move(row));
    }
    PQclear(r);
    return rows;
}

std::optional<std::string> Pg::scalar(const std::string& sql, const std::vector<std::string>& params) {
    auto rows = query(sql, params);
    if (rows.empty() || rows[0].empty()) return std::nullopt;
    return rows[0][0];
}

PassFile::PassFile(const ConnParams& p) {
    if (!p.password) return;
    // An anonymous in-memory file: nothing on disk to outlive us, whatever
    // kills us. Children inherit the descriptor and open it as /dev/fd/N.
    fd_ = memfd_create("omero-pgpass", 0);
    if (fd_ < 0)
        throw Error(OMERO_EXIT_FAILURE, std::string("cannot create the password file: ") + std::strerror(errno));
    std::string esc;
    for (char c : *p.password) {
        if (c == ':' || c == '\\') esc += '\\';
        esc += c;
    }
    std::string line = "*:*:*:*:" + esc + "\n";
    if (::fchmod(fd_, 0600) != 0 || ::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        ::close(fd_);
        fd_ = -1;
        throw Error(OMERO_EXIT_FAILURE, "cannot write the password file");
    }
}

PassFile::~PassFile() {
    if (fd_ >= 0) ::close(fd_);
}

std::vector<std::string> PassFile::env() const {
    if (fd_ < 0) return {};
    return {"PGPASSFILE=/dev/fd/" + std::to_string(fd_)};
}

std::string quote_ident(const std::string& s) {
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

}  // namespace omero::pg
