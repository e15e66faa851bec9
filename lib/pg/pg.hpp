// pg.hpp - one libpq connection, used for everything a db command does.
#pragma once

#include "util/error.hpp"

#include <libpq-fe.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace omero::pg {

using omero::Error;

struct ConnParams {
    std::string host = "localhost", port = "5432", dbname = "omero", user = "omero";
    std::optional<std::string> password;  // unset: libpq's PGPASSWORD / ~/.pgpass, then a prompt on a TTY

    // "user omero on localhost:5432, database omero" (never the password)
    std::string describe() const;
};

using Row = std::vector<std::optional<std::string>>;

class Pg {
public:
    // Connects or throws Error(OMERO_EXIT_DB_CONNECT) naming what was tried.
    static Pg connect(ConnParams params, bool may_prompt);

    Pg(Pg&& o) noexcept
        : conn_(o.conn_), params_(std::move(o.params_)), session_objects_(std::move(o.session_objects_)) {
        o.conn_ = nullptr;
    }
    Pg(const Pg&) = delete;
    ~Pg();

    // Runs one statement; rows are discarded. With `cancelled`, polls it and
    // cancels the statement on the server when it turns true (Error 130).
    void exec(const std::string& sql, const std::function<bool()>& cancelled = {});
    // One statement with $1..$n bound (nullopt binds NULL), cancellable like exec; its rows.
    std::vector<Row> exec_params(const std::string& sql, const std::vector<std::optional<std::string>>& params,
                                 const std::function<bool()>& cancelled = {});
    std::vector<Row> query(const std::string& sql, const std::vector<std::string>& params = {});
    std::optional<std::string> scalar(const std::string& sql, const std::vector<std::string>& params = {});

    // A string literal escaped by libpq for this connection's settings.
    std::string literal(const std::string& s) const;

    PGconn* raw() const { return conn_; }
    // Session-scoped objects (temporary functions) already created on this connection.
    std::set<std::string>& session_objects() { return session_objects_; }
    const ConnParams& params() const { return params_; }

private:
    void wait_results(const std::function<bool()>& cancelled, std::vector<Row>* rows);
    Pg(PGconn* c, ConnParams p) : conn_(c), params_(std::move(p)) {}
    PGconn* conn_;
    ConnParams params_;
    std::set<std::string> session_objects_;
};

// The server's error as one readable message (primary, detail, hint, where).
std::string result_error(const PGresult* r);

// The password for pg_dump / pg_restore, as libpq's password file, held in
// an anonymous memory file (memfd) the children inherit: never in a
// child's argv or environment listing, and never on disk.
class PassFile {
public:
    explicit PassFile(const ConnParams& p);
    ~PassFile();
    PassFile(const PassFile&) = delete;
    // Environment entries to give the child (PGPASSFILE=/dev/fd/N, or nothing).
    std::vector<std::string> env() const;

private:
    int fd_ = -1;
};

// Quotes an identifier for SQL (literals: Pg::literal).
std::string quote_ident(const std::string& s);

}  // namespace omero::pg
