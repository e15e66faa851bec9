#include "migrate/statements.hpp"

#include "pg/watch.hpp"

#include <omero/exit_codes.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace omero::migrate {

size_t count_work(const std::vector<Statement>& s) {
    size_t n = 0;
    for (const Statement& st : s) n += st.transaction_control || !st.echo.empty() ? 0 : 1;
    return n;
}

void run_statements(Reporter& r, Pg& db, const std::vector<Statement>& statements, const std::string& name,
                    size_t& done, size_t total, std::string prefix) {
    const fs::path file(name);
    const std::string where = (file.parent_path().filename() / file.filename()).string();
    pg::StatementWatch watch(db);
    for (const Statement& s : statements) {
        if (s.transaction_control) continue;
        if (!s.echo.empty()) {
            r.info(s.echo);
            continue;
        }
        // "OMERO5.4__0/OMERO5.3__0.sql:42 ALTER TABLE ...": the hop's folder says where it goes.
        const std::string label = where + ":" + std::to_string(s.line) + " " + s.first_line();
        r.progress(++done, total, label);
        // A statement longer than two seconds: what PostgreSQL says it is
        // doing (an index build's phase and the time it has left), or how
        // long it has run.
        watch.start();
        auto tick = [&] {
            if (auto detail = watch.poll())
                r.progress(done, total,
                           where + ":" + std::to_string(s.line) + " " + (detail->empty() ? s.first_line() : *detail) +
                               " (" + pg::duration_text(watch.elapsed()) + ")");
            return r.cancelled();
        };
        try {
            db.exec(prefix.empty() ? s.sql : prefix + "\n" + s.sql, tick);
            prefix.clear();
        } catch (const Error& e) {
            if (e.code() == OMERO_EXIT_CANCELLED) throw;
            throw Error(OMERO_EXIT_DB_SCRIPT_FAILED,
                        name + ":" + std::to_string(s.line) + ": " + e.what() + "\nstatement: " + s.first_line());
        }
    }
    if (!prefix.empty()) db.exec(prefix);  // nothing was sent: still open the transaction
}

void rollback(Pg& db) { PQclear(PQexec(db.raw(), "ROLLBACK")); }

void run_in_transaction(Reporter& r, Pg& db, const std::vector<Statement>& statements, const std::string& name) {
    size_t done = 0, total = count_work(statements);
    db.exec("BEGIN");
    try {
        run_statements(r, db, statements, name, done, total);
        db.exec("COMMIT");
    } catch (...) {
        rollback(db);
        r.progress_done();
        throw;
    }
    r.progress_done();
}

}  // namespace omero::migrate
