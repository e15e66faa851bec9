// watch.hpp - what a long statement on one connection is doing, read from a
// second connection in PostgreSQL's progress views (CREATE INDEX, CLUSTER and
// VACUUM FULL, COPY, VACUUM, ANALYZE), with the time left in its phase.
#pragma once

#include "pg/pg.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace omero::pg {

// A second connection that reads progress views for a long operation on
// others: opened on first use, asked at most once per `interval`, and
// dropped for good after a failure (progress is never a reason to fail).
class Monitor {
public:
    explicit Monitor(ConnParams params, std::chrono::milliseconds interval = std::chrono::seconds(1))
        : params_(std::move(params)), interval_(interval) {}
    // True when a query is due (`interval` since the last) and the monitor works.
    bool due();
    // The rows, or nullopt once the monitor has broken.
    std::optional<std::vector<Row>> query(const std::string& sql, const std::vector<std::string>& params = {});

private:
    ConnParams params_;
    std::chrono::milliseconds interval_;
    std::chrono::steady_clock::time_point last_{};
    std::optional<Pg> db_;
    bool broken_ = false;
};

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
    Monitor monitor_;
    int pid_;
    std::chrono::milliseconds after_;
    std::chrono::steady_clock::time_point start_, phase_start_;
    std::string phase_, detail_;
};

// "12 s", "3 min 05 s", "1 h 02 min".
std::string duration_text(double seconds);

}  // namespace omero::pg
