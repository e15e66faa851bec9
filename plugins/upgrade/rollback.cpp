// `omero upgrade rollback`: undo the journaled upgrade, finished or not:
// stop what runs, put the old distribution back at $OMERODIR, restore the
// backup into a new database and point omero.db.name at it (the guide's
// recipe: the upgraded database is kept, untouched), give the site files
// their text from before the upgrade (tested and reloaded), start what ran.
#include "steps.hpp"
#include "calls.hpp"
#include "site.hpp"
#include "summary.hpp"
#include "survey.hpp"

#include "util/error.hpp"
#include "util/file.hpp"

#include <algorithm>
#include <thread>

namespace omero::upgrade {

namespace {

// The database the backup goes into: a new name each attempt (a restore
// a kill cut short stays, named, for the sysadmin to drop).
std::string restore_name(const Plan& p, const Journal& j) {
    int attempts = 0;
    for (const json& e : j.current())
        if (e.value("step", "") == "rollback-restore" && e.value("state", "") == "begin") ++attempts;
    std::string stamp = p.started;
    stamp.erase(std::remove(stamp.begin(), stamp.end(), '-'), stamp.end());
    return p.dbname + "_before_upgrade_" + stamp + (attempts > 1 ? "_" + std::to_string(attempts) : "");
}

// What the rollback needs, checked before its first change: the old
// distribution where the journal says, and (when the database was touched
// and is not restored yet) the backup.
void check_rollback(const Journal& j, const Plan& p, bool db_touched, bool clone_there) {
    std::vector<std::string> missing;
    bool old_found = p.symlink ? ident_of(p.old_dir) == p.old_id
                               : ident_of(p.omerodir) == p.old_id || ident_of(p.aside) == p.old_id ||
                                     ident_of(p.new_dir) == p.old_id;
    if (!old_found)
        missing.push_back("the old distribution (" + p.old_dir.string() +
                          (p.symlink ? "" : ", or " + p.aside.string()) + ") is gone: put it back");
    if (db_touched && !j.done("rollback-restore") && !clone_there) {
        fs::path b = backup_path(p);
        std::error_code ec;
        bool dump = fs::is_directory(b, ec) ? fs::exists(b / "toc.dat", ec) : fs::is_regular_file(b, ec);
        if (!dump)
            missing.push_back("the backup " + b.string() + " is " + (fs::exists(b, ec) ? "not a whole dump" : "gone") +
                              ": put it back there (or restore a backup yourself: omero db restore FILE --switch)");
    }
    if (missing.empty()) return;
    std::string msg = "nothing was changed: the rollback cannot be done whole:";
    for (const std::string& m : missing) msg += "\n  " + m;
    msg += "\nthen run 'omero upgrade rollback' again. Until then the server stays as the upgrade left it: " +
           std::string(j.outcome() == "finished" ? "on " + p.to_release
                                                 : "half way ('omero upgrade resume' finishes the upgrade instead)");
    throw Error(OMERO_EXIT_UPGRADE_NOT_READY, msg);
}

}  // namespace

int rollback_locked(Context& c, const Journal& j) {
    auto p0 = j.plan();
    if (!p0)
        throw Error(OMERO_EXIT_UPGRADE_NO_JOURNAL, "no upgrade to roll back: " + j.path().string() + " does not exist");
    if (j.outcome() == "rolled-back") {
        c.out("the upgrade to " + p0->to_release + " was already rolled back\n");
        return 0;
    }
    const Plan p = *p0;
    c.cancelled();
    bool db_touched = j.begun("database");
    // The clone taken as the rollback point, asked of the cluster once.
    const bool clone_there = p.backup_kind == "clone" && db_touched && database_exists(c, p.clone);
    check_rollback(j, p, db_touched, clone_there);
    auto step = [&](const std::string& name, const std::function<void()>& fn) {
        journaled(j, name, fn, "fix the cause and run 'omero upgrade rollback' again");
    };
    step("rollback-stop", [&] {
        if (p.web && running(c, "web")) invoke(c, "rollback", {"web", "stop"});
        if (p.admin && running(c, "admin")) invoke(c, "rollback", {"admin", "stop"});
    });
    step("rollback-swap", [&] {
        if (swapped(p) || (!p.symlink && !ident_of(p.omerodir))) {
            // The old distribution's journal learns what happened before it is back.
            fs::path old_at = p.symlink ? p.old_dir : (ident_of(p.aside) == p.old_id ? p.aside : p.new_dir);
            j.copy_to(old_at);
            say(c, "rollback", "putting " + p.old_dir.filename().string() + " back at " + p.omerodir.string());
        }
        swap_back(p);
    });
    std::string restored;
    step("rollback-restore", [&] {
        if (!db_touched) {
            say(c, "rollback", "the database was not upgraded: " + p.dbname + " is still at " + p.db_from);
            return;
        }
        if (clone_there) {
            // The copy taken while the server was down: pointing at it is the restore.
            say(c, "rollback", "omero.db.name -> " + p.clone + " (the database as it was before the upgrade)");
            c.set_config("omero.db.name", p.clone);
            restored = p.clone;
            j.append({{"update", {{"restored", restored}}}});
            return;
        }
        restored = restore_name(p, j);
        int jobs = std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 4);
        std::vector<std::string> words = {"db",     "restore", backup_path(p).string(), "--to",
                                          restored, "--jobs",  std::to_string(jobs)};
        // A 3.x server reads its database from its properties files: said below, not written.
        if (!p.legacy) words.push_back("--switch");
        std::vector<std::string> conn = db_connection(p);
        for (size_t i = 0; i + 1 < conn.size(); i += 2)  // its own --to names the database
            if (conn[i] != "--name") words.insert(words.end(), {conn[i], conn[i + 1]});
        invoke(c, "rollback", words);
        j.append({{"update", {{"restored", restored}}}});
    });
    step("rollback-webconf", [&] {
        if (!p.yes) return;
        for (const Plan::WebFile& w : p.webconf) {
            auto now = read_file_if_exists(w.path, 16 << 20);
            if (!now || *now == w.before) continue;
            if (*now != w.content) {
                say(c, "rollback",
                    w.path +
                        " was changed since the upgrade wrote it: left as it is (its text before "
                        "the upgrade is in the plan, " +
                        j.path().string() + ")");
                continue;
            }
            apply_site_file(c, "rollback", w.path, w.before, *now);
        }
    });
    step("rollback-start", [&] {
        if (p.admin && p.admin_running && !running(c, "admin")) invoke(c, "rollback", {"admin", "start"});
        if (p.web && p.web_running && !running(c, "web")) invoke(c, "rollback", {"web", "start"});
    });
    j.append({{"event", "rolled-back"}});
    for (const json& e : j.current())  // restored by an earlier attempt
        if (e.contains("update") && e["update"].contains("restored")) restored = e["update"]["restored"];
    std::string msg = "rolled back to OMERO.server " + p.from_release + " at " + p.omerodir.string();
    if (db_touched)
        msg += std::string("; ") +
               (restored == p.clone && !p.clone.empty()
                    ? "omero.db.name points at " + restored + ", the copy taken before the upgrade"
                    : "the backup is restored into " + (restored.empty() ? std::string("a new database") : restored) +
                          (p.legacy ? "" : " and omero.db.name points at it")) +
               " (" + p.dbname + ", upgraded to " + p.db_to + ", is kept)";
    if (db_touched && p.legacy && !restored.empty())
        msg += "; the 3.x server reads its database from etc/local.properties: set omero.db.name=" + restored +
               " there before starting it";
    Summary sum = summarize(j, p, true);
    if (c.json()) {
        json r = {{"event", "result"}, {"state", "rolled-back"}, {"database", restored}};
        r.update(sum.to_json());
        c.emit_json(r.dump());
    } else {
        c.out(sum.text() + msg + "\n");
    }
    return 0;
}

namespace {

int run(Context& c) {
    UpgradeLock lock(c.server_dir());
    return rollback_locked(c, Journal(fs::absolute(c.server_dir())));
}

}  // namespace

Command rollback_command() {
    return {.path = "upgrade rollback",
            .summary = "Undo an upgrade: the old distribution back, the backup restored into a new database",
            .help =
                "Works on a finished upgrade or one that stopped half way (after any step, or a kill).\n"
                "Checks first that the old distribution and the backup are there: exit 27, nothing changed.\n"
                "The upgraded database is never dropped: the backup goes into <db>_before_upgrade_<time>\n"
                "and omero.db.name points at it. Run again after a failure: done steps are skipped.",
            .options = {omero::sdk::json_option()},
            .flags = OMERO_CMD_NEEDS_SERVER_DIR,
            .run = run};
}

}  // namespace omero::upgrade
