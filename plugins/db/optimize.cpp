// `omero db optimize`: ANALYZE every table in parallel; --full: the upgrade
// guide's REINDEX + VACUUM FULL ANALYZE (VACUUM FULL rebuilds the indexes).
#include "db.hpp"

#include "pg/watch.hpp"

#include <atomic>
#include <mutex>
#include <thread>

namespace omero::db {

namespace {

int run(Context& c) {
    ConnParams p = conn_params(c);
    Pg db = Pg::connect(p, true);
    auto rows = db.query(
        "SELECT quote_ident(s.nspname) || '.' || quote_ident(c.relname) FROM pg_class c "
        "JOIN pg_namespace s ON s.oid = c.relnamespace WHERE c.relkind IN ('r', 'm') "
        "AND s.nspname NOT IN ('pg_catalog', 'information_schema') AND s.nspname NOT LIKE 'pg_toast%' "
        "ORDER BY pg_total_relation_size(c.oid) DESC");
    std::vector<std::string> tables;
    for (auto& r : rows) tables.push_back(*r[0]);
    // VACUUM FULL rewrites each table and rebuilds all of its indexes, so
    // it covers the upgrade guide's separate REINDEX.
    const std::string verb = c.flag("full") ? "VACUUM (FULL, ANALYZE) " : "ANALYZE ";
    int jobs = std::min<int>(static_cast<int>(*c.integer("jobs")), std::max<size_t>(1, tables.size()));
    std::atomic<size_t> next{0}, done{0};
    std::atomic<int> running{jobs};
    std::mutex err_mu;
    std::string error;
    auto work = [&] {
        try {
            Pg w = Pg::connect(p, false);
            for (size_t i; (i = next++) < tables.size() && !c.cancelled();) {
                w.exec(verb + tables[i]);
                ++done;
            }
        } catch (const Error& e) {
            std::lock_guard<std::mutex> g(err_mu);
            if (error.empty()) error = e.what();
            next = tables.size();
        }
        --running;
    };
    std::vector<std::thread> workers;
    for (int i = 0; i < jobs; ++i) workers.emplace_back(work);
    // Progress from this thread only (the host's services are not thread-safe),
    // with what the server reports for our workers' statements.
    Monitor monitor(p, std::chrono::milliseconds(0));
    const std::string progress_sql =
        "SELECT x.relid::regclass::text || ': ' || x.phase || coalesce(' ' || "
        "round(100.0 * x.done / nullif(x.total, 0)) || '%', '') FROM ("
        "SELECT pid, relid, phase, heap_blks_scanned AS done, heap_blks_total AS total FROM pg_stat_progress_cluster "
        "UNION ALL SELECT pid, relid, phase, sample_blks_scanned, sample_blks_total FROM pg_stat_progress_analyze) x "
        "JOIN pg_stat_activity a ON a.pid = x.pid WHERE a.application_name = current_setting('application_name') "
        "AND a.datname = current_database() ORDER BY x.total DESC NULLS LAST LIMIT 1";
    while (running > 0) {
        std::string what = verb + "(" + std::to_string(jobs) + " jobs)";
        if (monitor.due())
            if (auto rows = monitor.query(progress_sql); rows && !rows->empty() && rows->front()[0])
                what = verb + *rows->front()[0];
        c.progress(done, tables.size(), what);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    for (auto& t : workers) t.join();
    c.progress(done, tables.size(), verb);
    c.progress_done();
    if (!error.empty()) throw Error(OMERO_EXIT_FAILURE, error);
    if (c.cancelled()) throw Error(OMERO_EXIT_CANCELLED, "cancelled after " + std::to_string(done) + " tables");
    if (c.json())
        c.emit_json(nlohmann::json{
            {"event", "result"}, {"database", p.dbname}, {"tables", done.load()}, {"full", c.flag("full")}}
                        .dump());
    else
        c.out(std::string(c.flag("full") ? "vacuumed (full) and analysed " : "analysed ") + std::to_string(done) +
              " tables of " + p.dbname + "\n");
    return 0;
}

}  // namespace

Command optimize_command() {
    return {.path = "db optimize",
            .summary = "ANALYZE every table in parallel; --full: VACUUM FULL ANALYZE (rebuilds indexes)",
            .options = with_conn({
                {.name = "full", .help = "the upgrade guide's REINDEX + VACUUM FULL ANALYZE (locks each table)"},
                jobs_option("parallel connections", "1"),
                omero::sdk::json_option(),
            }),
            .flags = OMERO_CMD_NEEDS_SERVER_DIR,
            .run = run};
}

}  // namespace omero::db
