// The steps of `upgrade run` (and `resume`), in the guide's order, each
// journaled "begin" then "done" and each safe to run again after a crash
// at any point: a step re-runs from its start and finds what it did.
//
//   stage       unpack the archive; copy config.xml; write the carried edits
//   stop        web stop, admin stop (what was running)
//   backup      db clone (a copy on the cluster, seconds) or db dump, verified (the
//               server is down: nothing written after it)
//   swap        the new distribution at $OMERODIR
//   config      omero.jvmcfg.* from the old memory edits
//   database    db upgrade (each hop one transaction; it re-plans from the live version)
//   optimize    db optimize --full (--optimize), the server still down
//   start       admin start
//   syncmedia   web syncmedia (when OMERO.web was running)
//   webconf     the site's nginx/Apache file re-pointed (written with --yes), tested and reloaded
//   webstart    web start (when OMERO.web was running)
//   offsite     db dump of the clone, verified (OMERO.web answers already)
//   diagnostics admin diagnostics
#include "steps.hpp"
#include "calls.hpp"
#include "site.hpp"
#include "survey.hpp"
#include "summary.hpp"

#include "dist/archive.hpp"

#include "util/error.hpp"
#include "util/file.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <thread>

namespace omero::upgrade {

fs::path backup_path(const Plan& p) {
    fs::path b(p.backup);
    if (b.is_absolute()) return b;
    auto at = where_new(p);
    return (at ? *at : p.new_dir) / b;
}

namespace {

// config.xml into the new distribution with the old one's mode (it holds
// omero.db.pass: never wider than the sysadmin had it).
void copy_config(const fs::path& from, const fs::path& to) {
    fs::path src = from / "etc/grid/config.xml";
    struct stat st {};
    unsigned mode = ::stat(src.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0600;
    std::error_code ec;
    fs::create_directories(to / "etc/grid", ec);
    fs::remove(to / "etc/grid/config.xml", ec);  // a release's own (none ship one) or a crashed stage's
    write_file_atomic(to / "etc/grid/config.xml", read_file(src), false, mode);
}

// Starts what a crash may already have started.
void start(Context& c, const std::string& step, const std::string& plugin) {
    if (running(c, plugin))
        say(c, step, plugin == "admin" ? "the server runs already" : "OMERO.web runs already");
    else
        invoke(c, step, {plugin, "start"}, true);
}

void stage(Context& c, const Plan& p, const Journal& j) {
    if (!p.archive.empty()) {
        std::error_code ec;
        if (!fs::exists(p.new_dir, ec)) {
            say(c, "stage", "unpacking " + p.archive.string() + " into " + p.new_dir.string());
            extract_archive(p.archive, p.new_dir, {}, [&] { return c.cancelled(); });
        }
        auto id = ident_of(p.new_dir);
        if (!id) throw Error(OMERO_EXIT_FAILURE, "cannot read " + p.new_dir.string());
        // The identity decides where the distribution is from now on.
        j.append({{"update", {{"new_id", ident_json(*id)}}}});
        inspect_dist(p.new_dir);
    }
    if (p.legacy) {
        say(c, "stage", p.old_dir.string() + " has no etc/grid/config.xml (3.x): the config step writes the new one");
    } else {
        say(c, "stage", "copying etc/grid/config.xml into " + p.new_dir.string());
        copy_config(p.old_dir, p.new_dir);
    }
    for (const FileEdit& e : p.edits) {
        say(c, "stage", (e.action == "merge" ? "merging your edits of " : "carrying your ") + e.from + " into " + e.to);
        std::error_code ec;
        fs::create_directories((p.new_dir / e.to).parent_path(), ec);  // a file of yours in a folder of yours
        write_file_atomic(p.new_dir / e.to, e.content);
    }
}

void stop(Context& c, const Plan& p) {
    if (p.web && running(c, "web")) invoke(c, "stop", {"web", "stop"});
    if (p.admin && running(c, "admin")) invoke(c, "stop", {"admin", "stop"});
    if (!p.admin) say(c, "stop", "omero-plugin-admin is not installed: make sure the server is stopped");
    if (!p.web) say(c, "stop", "omero-plugin-web is not installed: make sure OMERO.web is stopped");
}

void dump(Context& c, const Plan& p, const std::string& step, const std::string& database) {
    fs::path b = backup_path(p);
    std::error_code ec;
    fs::remove_all(b, ec);  // a dump an interrupted step left: ours, by its name
    int jobs = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 4);
    std::vector<std::string> words = {
        "db", "dump", "--file", b.string(), "--format", "directory", "--jobs", std::to_string(jobs), "--parents"};
    if (!database.empty())
        words.insert(words.end(), {"--name", database});
    else
        for (const std::string& w : db_connection(p)) words.push_back(w);
    invoke(c, step, words);
}

// The rollback point, taken while nothing runs: a clone of the database on
// its cluster (seconds), else - or when the clone fails - the verified dump.
void backup(Context& c, const Plan& p, const Journal& j) {
    if (p.backup_kind == "clone") {
        std::string line = "omero db clone --to " + p.clone;
        say(c, "backup", line);
        std::string why;
        int rc = call(c, {"db", "clone", "--to", p.clone}, nullptr, &why);
        if (rc == 0) return;
        if (rc == OMERO_EXIT_CANCELLED) throw Error(rc, "interrupted");
        // Its name carries this run's time: one that exists when this step
        // was begun before is that attempt's, committed before a crash
        // (CREATE DATABASE is whole or absent).
        int attempts = 0;
        for (const json& e : j.current())
            attempts += e.value("step", "") == "backup" && e.value("state", "") == "begin";
        if (why.find("exists already") != std::string::npos && attempts > 1) {
            say(c, "backup", p.clone + " was taken before the interruption");
            return;
        }
        say(c, "backup", "the clone failed (" + why + "): taking a pg_dump instead");
        j.append({{"update", {{"backup_kind", "dump"}}}});
    }
    dump(c, p, "backup", "");
}

// Once OMERO.web answers again: the clone's verified dump, for keeping
// elsewhere. Not part of the downtime; a failure leaves the clone as the
// rollback point and says so.
void offsite(Context& c, const Plan& p) {
    try {
        dump(c, p, "offsite", p.clone);
    } catch (const Error& e) {
        if (e.code() == OMERO_EXIT_CANCELLED) throw;
        say(c, "offsite",
            std::string("the dump of ") + p.clone + " failed (" + e.what() +
                "); the clone is the rollback "
                "point: take one yourself with 'omero db dump --name " +
                p.clone + "'");
    }
}

void swap(Context& c, const Plan& p, const Journal& j) {
    if (!swapped(p)) {
        auto at = where_new(p);
        if (!at) throw Error(OMERO_EXIT_FAILURE, "the new distribution is not at " + p.new_dir.string());
        // config.xml changed since the stage (a `config set` meanwhile): carry it again.
        if (!p.legacy &&
            read_file_if_exists(*at / "etc/grid/config.xml", 64 << 20) != read_file(p.old_dir / "etc/grid/config.xml"))
            copy_config(p.old_dir, *at);
        j.copy_to(*at);
        say(c, "swap",
            p.symlink ? "pointing " + p.omerodir.string() + " at " + p.new_dir.string()
                      : "moving " + p.new_dir.string() + " to " + p.omerodir.string() + " and the old one to " +
                            p.aside.string());
    }
    swap_in(p);
}

void config(Context& c, const Plan& p) {
    for (auto& [k, v] : p.settings) {
        say(c, "config", k + "=" + v + (p.legacy ? " (from the 3.x distribution or --set)" : " (--set)"));
        c.set_config(k, v);
    }
    if (!p.pass_from.empty()) {
        // Read again now: the plan never holds it.
        // pass_from is relative to the old distribution, which the swap moved aside.
        fs::path old = p.symlink || ident_of(p.aside) != p.old_id ? p.old_dir : p.aside;
        fs::path file = old / p.pass_from;
        auto pass = properties_value(file, "omero.db.pass");
        if (!pass)
            throw Error(OMERO_EXIT_CONFIG_INVALID, file.string() +
                                                       " no longer has omero.db.pass: run 'omero config "
                                                       "set omero.db.pass' and 'omero upgrade resume'");
        say(c, "config", "omero.db.pass (from " + file.string() + ", not shown)");
        c.set_config("omero.db.pass", *pass);
    }
    for (auto& [k, v] : p.jvmcfg) {
        say(c, "config", k + "=" + v + " (your templates.xml memory setting)");
        c.set_config(k, v);
    }
}

void database(Context& c, const Plan& p) {
    std::vector<std::string> words = {"db", "upgrade", "--no-backup", "--to", p.db_to};
    for (const std::string& f : p.fixes) words.insert(words.end(), {"--fix", f});
    invoke(c, "database", words);
}

void webconf(Context& c, const Plan& p) {
    for (const Plan::WebFile& w : p.webconf) {
        auto now = read_file_if_exists(w.path, 16 << 20);
        if (now == w.content) continue;  // written before a crash
        if (!c.json()) c.err(w.diff);
        if (!p.yes) {
            say(c, "webconf",
                w.path + " names the old distribution; the diff above re-points it at " + p.omerodir.string() +
                    " (not written: run with --yes, or apply it yourself)");
            continue;
        }
        apply_site_file(c, "webconf", w.path, w.content, now.value_or(w.before));
    }
}

}  // namespace

void journaled(const Journal& j, const std::string& step, const std::function<void()>& fn, const std::string& next) {
    if (j.done(step)) return;
    j.append({{"step", step}, {"state", "begin"}});
    try {
        fn();
    } catch (const Error& e) {
        j.append({{"step", step}, {"state", "failed"}, {"error", e.what()}});
        throw Error(e.code() == OMERO_EXIT_CANCELLED ? e.code() : OMERO_EXIT_UPGRADE_STEP_FAILED,
                    "step " + step + " failed: " + e.what() + "\n" + next);
    }
    j.append({{"step", step}, {"state", "done"}});
}

int run_steps(Context& c, const Plan& p0, const Journal& j) {
    c.cancelled();              // Ctrl-C and SIGTERM now end the run between steps (exit 130), resumable
    clean_scratch(p0.old_dir);  // a survey killed before this run's
    struct Step {
        const char* name;
        std::function<void(const Plan&)> run;
        bool wanted;
    };
    auto plan = [&] { return j.plan().value_or(p0); };
    const std::vector<Step> steps = {
        {"stage", [&](const Plan& p) { stage(c, p, j); }, true},
        {"stop", [&](const Plan& p) { stop(c, p); }, true},
        {"backup", [&](const Plan& p) { backup(c, p, j); }, true},
        {"swap", [&](const Plan& p) { swap(c, p, j); }, true},
        {"config", [&](const Plan& p) { config(c, p); },
         !p0.jvmcfg.empty() || !p0.settings.empty() || !p0.pass_from.empty()},
        {"database", [&](const Plan& p) { database(c, p); }, true},
        {"optimize",
         [&](const Plan&) {
             invoke(c, "optimize", {"db", "optimize", "--full"});
         },
         p0.optimize},
        {"start", [&](const Plan&) { start(c, "start", "admin"); }, p0.admin && p0.start},
        {"syncmedia",
         [&](const Plan&) {
             invoke(c, "syncmedia", {"web", "syncmedia"});
         },
         p0.web && p0.web_running},
        {"webconf", [&](const Plan& p) { webconf(c, p); }, !p0.webconf.empty()},
        {"webstart", [&](const Plan&) { start(c, "webstart", "web"); }, p0.web && p0.web_running && p0.start},
        {"offsite",
         [&](const Plan& p) {
             if (p.backup_kind == "clone") offsite(c, p);
         },
         p0.backup_kind == "clone"},
        {"diagnostics",
         [&](const Plan&) {
             try {
                 invoke(c, "diagnostics", {"admin", "diagnostics", "--no-logs"}, true);
             } catch (const Error&) {
                 say(c, "diagnostics", "reported problems (above); the upgrade itself is complete");
             }
         },
         p0.admin && p0.start},
    };
    for (const Step& s : steps) {
        if (!s.wanted || j.done(s.name)) continue;
        if (c.cancelled()) throw Error(OMERO_EXIT_CANCELLED, "stopped before step " + std::string(s.name));
        journaled(
            j, s.name, [&] { s.run(plan()); },
            "fix the cause and run 'omero upgrade resume', or undo it all with 'omero upgrade rollback'");
    }
    Plan p = plan();
    j.append({{"event", "finished"}});
    Summary sum = summarize(j, p, false);
    std::string msg =
        "OMERO.server " + p.from_release + " -> " + p.to_release + ": upgraded; database " + p.dbname + " at " +
        p.db_to + ", " +
        (p.backup_kind == "clone" ? "rollback point " + p.clone + " (its dump: " + backup_path(p).string() + ")"
                                  : "backup " + backup_path(p).string());
    if (!p.symlink) msg += ", the old distribution kept at " + p.aside.string();
    if (c.json()) {
        json r = {{"event", "result"},
                  {"state", "upgraded"},
                  {"from", p.from_release},
                  {"to", p.to_release},
                  {"database", p.db_to}};
        r.update(sum.to_json());
        c.emit_json(r.dump());
    } else {
        c.out(sum.text() + msg + "\n");
    }
    return 0;
}

}  // namespace omero::upgrade
