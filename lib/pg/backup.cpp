#include "pg/backup.hpp"

#include "pg/watch.hpp"

#include "util/file.hpp"
#include "util/process.hpp"

#include <omero/exit_codes.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>

namespace fs = std::filesystem;

namespace omero::pg {

namespace {

// How far pg_dump has got, from the server: the tables it has finished (by
// their heap size) and the share of the one it is copying, read by a Monitor.
class DumpWatch {
public:
    explicit DumpWatch(const ConnParams& p) : monitor_(p) {}
    void poll(const Progress& progress) {
        if (!progress || !monitor_.due()) return;
        if (!total_) {
            auto t = monitor_.query(
                "SELECT coalesce(sum(pg_relation_size(c.oid)), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' "
                "AND n.nspname NOT IN ('pg_catalog', 'information_schema')");
            if (!t || t->empty()) return;
            total_ = std::stoull(t->front()[0].value_or("0"));
        }
        auto rows = monitor_.query(
            "SELECT c.oid::text, c.relname, pg_relation_size(c.oid), "
            // Rows copied against the table's estimate; without one (never
            // analysed), the text copied against the heap's size.
            "least(1.0, CASE WHEN c.reltuples > 0 THEN x.tuples_processed / c.reltuples "
            "ELSE x.bytes_processed / greatest(pg_relation_size(c.oid), 1)::float8 END) "
            "FROM pg_stat_progress_copy x "
            "JOIN pg_stat_activity a ON a.pid = x.pid JOIN pg_class c ON c.oid = x.relid "
            "WHERE a.application_name = 'pg_dump' AND a.datname = current_database()");
        if (!rows) return;
        std::string label = "pg_dump";
        uint64_t current = 0;
        for (const Row& r : *rows) {
            seen_[*r[0]] = std::stoull(r[2].value_or("0"));
            current += static_cast<uint64_t>(std::stod(r[2].value_or("0")) * std::stod(r[3].value_or("0")));
            label += ": " + r[1].value_or("");
        }
        uint64_t finished = 0;
        for (const auto& [oid, size] : seen_) {
            bool running = std::any_of(rows->begin(), rows->end(), [&](const Row& r) { return *r[0] == oid; });
            if (!running) finished += size;
        }
        // Never "done" while pg_dump runs: its last table's share is an estimate.
        const uint64_t total = *total_;
        progress(total ? std::min(finished + current, total - 1) : 0, total, label);
    }

private:
    Monitor monitor_;
    std::map<std::string, uint64_t> seen_;  // tables pg_dump has copied or is copying: heap bytes
    std::optional<uint64_t> total_;         // heap bytes of the database's tables, once known
};

// A child reading a dump (pg_restore): its bytes read against the dump's size.
ChildResult run_reader(const std::vector<std::string>& argv, const std::vector<std::string>& env, const fs::path& dump,
                       const std::string& label, const std::function<bool()>& cancelled, const Progress& progress) {
    long pid = 0;
    const uint64_t total = path_size(dump);
    ChildOptions o;
    o.extra_env = env;
    o.started = [&](long p) { pid = p; };
    auto last = std::chrono::steady_clock::now();
    o.cancelled = [&] {
        auto now = std::chrono::steady_clock::now();
        if (progress && pid && now - last >= std::chrono::milliseconds(500)) {
            last = now;
            progress(std::min(process_bytes_read(pid), total), total, label);
        }
        return cancelled && cancelled();
    };
    return run_child(argv, o);
}

}  // namespace

static std::vector<std::string> conn_args(const ConnParams& p) {
    return {"-h", p.host, "-p", p.port, "-U", p.user, "--no-password"};
}

// Removes the .partial results of earlier runs that died (kill -9, power
// loss): a live run holds the flock on its .partial.lock.
static void remove_dead_partials(const fs::path& dir) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().string();
        if (!name.ends_with(".partial.lock")) continue;
        int fd = ::open(name.c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0) continue;
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
            std::error_code rm;
            fs::remove_all(name.substr(0, name.size() - 5), rm);  // X.partial
            fs::remove(name.substr(0, name.size() - 5) + ".toc", rm);
            ::unlink(name.c_str());
        }
        ::close(fd);
    }
}

DumpResult dump_database(const ConnParams& p, const DumpOptions& o, const std::function<bool()>& cancelled) {
    auto start = std::chrono::steady_clock::now();
    const bool dir = o.format == "directory";
    if (!dir && o.format != "custom")
        throw Error(OMERO_EXIT_USAGE, "--format is custom or directory, not '" + o.format + "'");
    std::error_code ec;
    if (fs::exists(o.path, ec))
        throw Error(OMERO_EXIT_DB_BACKUP_FAILED, o.path.string() + " already exists; choose another -f PATH");
    const fs::path parent = o.path.parent_path().empty() ? fs::path(".") : o.path.parent_path();
    if (!fs::is_directory(parent, ec)) {
        if (!o.parents)
            throw Error(OMERO_EXIT_DB_BACKUP_FAILED,
                        "the directory " + parent.string() + " does not exist; create it, or give --parents");
        fs::create_directories(parent, ec);
        if (ec) throw Error(OMERO_EXIT_DB_BACKUP_FAILED, "cannot create " + parent.string() + ": " + ec.message());
    }
    remove_dead_partials(parent);
    const fs::path partial = o.path.string() + ".partial";
    const fs::path lock = partial.string() + ".lock";
    int lock_fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd < 0 || ::flock(lock_fd, LOCK_EX | LOCK_NB) != 0)
        throw Error(OMERO_EXIT_DB_BACKUP_FAILED,
                    "cannot lock " + lock.string() + ": another dump to " + o.path.string() + " is running");
    struct Unlock {
        int fd;
        fs::path lock;
        ~Unlock() {
            ::unlink(lock.c_str());
            ::close(fd);
        }
    } unlock{lock_fd, lock};
    fs::remove_all(partial, ec);
    PassFile pass(p);
    mode_t old = umask(077);  // the dump holds the whole database: 0600 / 0700
    std::vector<std::string> argv = {"pg_dump", dir ? "-Fd" : "-Fc", "-Z", std::to_string(o.compress),
                                     "-f",      partial.string()};
    if (dir && o.jobs > 1) argv.insert(argv.end(), {"-j", std::to_string(o.jobs)});
    for (auto& a : conn_args(p)) argv.push_back(a);
    argv.push_back(p.dbname);
    DumpWatch watch(p);
    ChildOptions co;
    co.extra_env = pass.env();
    co.cancelled = [&] {
        watch.poll(o.progress);
        return cancelled && cancelled();
    };
    ChildResult r = run_child(argv, co);
    umask(old);
    auto cleanup = [&](const std::string& why, int code = OMERO_EXIT_DB_BACKUP_FAILED) {
        fs::remove_all(partial, ec);
        fs::remove(partial.string() + ".toc", ec);
        throw Error(code, why);
    };
    auto stopped = [&](const ChildResult& c) {
        if (c.cancelled)
            cleanup("cancelled; the partial dump " + partial.string() + " was removed", OMERO_EXIT_CANCELLED);
    };
    stopped(r);
    if (r.status != 0)
        cleanup("pg_dump of " + p.describe() + " failed (exit " + std::to_string(r.status) + "): " + r.err);

    // Verify: the table of contents, then every byte of data read back.
    ChildResult toc = run_child({"pg_restore", "-l", "-f", partial.string() + ".toc", partial.string()}, {}, cancelled);
    stopped(toc);
    if (toc.status != 0) cleanup("the dump's table of contents cannot be read: " + toc.err);
    size_t entries = 0;
    {
        FILE* f = std::fopen((partial.string() + ".toc").c_str(), "r");
        char line[4096];
        while (f && std::fgets(line, sizeof line, f))
            if (line[0] != ';' && line[0] != '\n') ++entries;
        if (f) std::fclose(f);
        fs::remove(partial.string() + ".toc", ec);
    }
    ChildResult all = run_reader({"pg_restore", "-f", "/dev/null", partial.string()}, {}, partial,
                                 "verifying the dump (reading it back)", cancelled, o.progress);
    stopped(all);
    if (all.status != 0) cleanup("the dump cannot be read back: " + all.err);
    fs::rename(partial, o.path, ec);
    if (ec) cleanup("cannot rename " + partial.string() + ": " + ec.message());
    DumpResult res{o.path, path_size(o.path), entries,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()};
    return res;
}

void restore_database(const ConnParams& p, const fs::path& dump, const std::string& dbname, int jobs,
                      const std::function<bool()>& cancelled, const Progress& progress) {
    PassFile pass(p);
    std::vector<std::string> argv = {"pg_restore", "--no-owner", "--exit-on-error", "-d", dbname};
    if (jobs > 1) argv.insert(argv.end(), {"-j", std::to_string(jobs)});
    for (auto& a : conn_args(p)) argv.push_back(a);
    argv.push_back(dump.string());
    ChildResult r = run_reader(argv, pass.env(), dump, "pg_restore into " + dbname, cancelled, progress);
    if (r.cancelled)
        throw Error(OMERO_EXIT_CANCELLED, "cancelled; " + dbname +
                                              " holds a partial restore: drop it, or restore again "
                                              "with --force");
    if (r.status != 0)
        throw Error(OMERO_EXIT_FAILURE,
                    "pg_restore into " + dbname + " failed (exit " + std::to_string(r.status) + "): " + r.err);
}

}  // namespace omero::pg
