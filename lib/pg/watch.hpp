// watch.hpp - what a long statement on one connection is doing, read from a
// second connection in PostgreSQL's progress views (CREATE INDEX, CLUSTER and
// VACUUM FULL, COPY, VACUUM, ANALYZE), with the time left in its phase.
#pragma once

#include "pg/pg.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace omero::pg {

class StatementWatch {
public:
    // Watches the backend of `db`; the monitor connection opens on the first
    // poll that needs it (never for statements shorter than `after`).
    explicit StatementWatch(const Pg& db, std::chrono::milliseconds after = std::chrono::seconds(2));
    StatementWatch(const StatementWatch&) = delete;

    // A new statement starts.
    void start();
    // Seconds since start().
    double elapsed() const;
    // Nothing before `after`; then at most one query a second. "" when the
    // statement is not in a progress view (an ALTER TABLE rewrite is not),
    // else e.g. "index on planeinfo: building index: loading tuples in tree
    // 45%, ~12 s left". A monitor that cannot connect or query is dropped:
    // progress is never a reason to fail.
    std::optional<std::string> poll();

private:
    ConnParams params_;
    int pid_;
    std::chrono::milliseconds after_;
    std::chrono::steady_clock::time_point start_, last_, phase_start_;
    std::string phase_, detail_;
    std::optional<Pg> monitor_;
    bool broken_ = false;
};

// "12 s", "3 min 05 s", "1 h 02 min".
std::string duration_text(double seconds);

}  // namespace omero::pg
