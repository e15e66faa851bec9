#include "pg/watch.hpp"

#include <cstdio>

namespace omero::pg {

namespace {

// One row for the watched backend: what, phase, done, total (the view's
// block counts where it has them, else tuples or bytes).
const char* const kProgressSql =
    "SELECT what, phase, done, total FROM ("
    " SELECT 1 AS o, 'index on ' || relid::regclass AS what, phase,"
    "  CASE WHEN blocks_total > 0 THEN blocks_done ELSE tuples_done END AS done,"
    "  CASE WHEN blocks_total > 0 THEN blocks_total ELSE tuples_total END AS total"
    "  FROM pg_stat_progress_create_index WHERE pid = $1"
    " UNION ALL SELECT 2, relid::regclass::text, phase, heap_blks_scanned, heap_blks_total"
    "  FROM pg_stat_progress_cluster WHERE pid = $1"
    " UNION ALL SELECT 3, coalesce(relid::regclass::text, 'copy'), 'copy', bytes_processed, nullif(bytes_total, 0)"
    "  FROM pg_stat_progress_copy WHERE pid = $1"
    " UNION ALL SELECT 4, relid::regclass::text, phase, heap_blks_scanned, heap_blks_total"
    "  FROM pg_stat_progress_vacuum WHERE pid = $1"
    " UNION ALL SELECT 5, relid::regclass::text, phase, sample_blks_scanned, sample_blks_total"
    "  FROM pg_stat_progress_analyze WHERE pid = $1) x ORDER BY o LIMIT 1";

}  // namespace

std::string duration_text(double s) {
    char buf[64];
    long n = static_cast<long>(s + 0.5);
    if (n < 60)
        std::snprintf(buf, sizeof buf, "%ld s", n);
    else if (n < 3600)
        std::snprintf(buf, sizeof buf, "%ld min %02ld s", n / 60, n % 60);
    else
        std::snprintf(buf, sizeof buf, "%ld h %02ld min", n / 3600, n % 3600 / 60);
    return buf;
}

bool Monitor::due() {
    auto now = std::chrono::steady_clock::now();
    if (broken_ || now - last_ < interval_) return false;
    last_ = now;
    return true;
}

std::optional<std::vector<Row>> Monitor::query(const std::string& sql, const std::vector<std::string>& params) {
    if (broken_) return std::nullopt;
    try {
        if (!db_) db_.emplace(Pg::connect(params_, false));
        return db_->query(sql, params);
    } catch (const Error&) {
        db_.reset();
        broken_ = true;
        return std::nullopt;
    }
}

StatementWatch::StatementWatch(const Pg& db, std::chrono::milliseconds after)
    : monitor_(db.params()), pid_(PQbackendPID(db.raw())), after_(after) {
    start();
}

void StatementWatch::start() {
    start_ = phase_start_ = std::chrono::steady_clock::now();
    phase_.clear();
    detail_.clear();
}

double StatementWatch::elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::optional<std::string> StatementWatch::poll() {
    auto now = std::chrono::steady_clock::now();
    if (now - start_ < after_) return std::nullopt;
    if (!monitor_.due()) return detail_;
    auto rows = monitor_.query(kProgressSql, {std::to_string(pid_)});
    if (!rows || rows->empty()) {
        detail_.clear();
        return detail_;
    }
    const Row& r = rows->front();
    std::string what = r[0].value_or("?"), phase = r[1].value_or("");
    if (what + phase != phase_) {
        phase_ = what + phase;
        phase_start_ = now;
    }
    detail_ = what + ": " + phase;
    double done = r[2] ? std::stod(*r[2]) : 0, total = r[3] ? std::stod(*r[3]) : 0;
    if (total > 0 && done > 0) {
        char pct[16];
        std::snprintf(pct, sizeof pct, " %.0f%%", 100.0 * done / total);
        detail_ += pct;
        double in_phase = std::chrono::duration<double>(now - phase_start_).count();
        // The phase's rate so far; only once it has run long enough to mean something.
        if (in_phase >= 2 && done < total) detail_ += ", ~" + duration_text(in_phase * (total - done) / done) + " left";
    }
    return detail_;
}

}  // namespace omero::pg
