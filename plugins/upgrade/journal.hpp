// journal.hpp - the plan as the journal keeps it, the journal itself
// (var/upgrade/journal: one JSON object per line, each appended and fsync'd
// before the step it announces) and the upgrade lock.
#pragma once

#include "upgrade.hpp"

#include "dist/edits.hpp"
#include "dist/swap.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace omero::upgrade {

// Everything `run`, `resume` and `rollback` need, decided by the survey and
// written as the journal's first line. Where the distributions are and go
// (dist::Places) is what the swap reads.
struct Plan : Places {
    fs::path archive;  // --to archive, or empty
    std::string from_release, to_release, db_from, db_to, dbname;
    std::string backup;  // the dump: relative to the new distribution, or absolute
    // The rollback point: "clone" (a copy of the database on its cluster,
    // <db>_before_upgrade_<time>, taken while the server is down; the dump of
    // it is taken once OMERO.web answers again) or "dump" (pg_dump, verified,
    // while the server is down).
    std::string backup_kind = "dump";
    std::string clone;
    std::vector<std::string> fixes;
    bool admin = false, web = false;                  // plugins installed
    bool admin_running = false, web_running = false;  // before the run
    bool start = true;                                // start the server afterwards
    bool optimize = false;                            // REINDEX + VACUUM FULL ANALYZE while the server is down
    bool yes = false;                                 // write the web server files
    std::vector<FileEdit> edits;                      // carry and merge only
    std::vector<std::pair<std::string, std::string>> jvmcfg;
    // A 3.x distribution keeps its settings in etc/omero.properties and
    // etc/local.properties, not etc/grid/config.xml (`legacy`): the new
    // config.xml gets them (and every --set KEY=VALUE) at the config step.
    // omero.db.pass is never in the plan: it is read again from `pass_from`.
    bool legacy = false;
    std::vector<std::pair<std::string, std::string>> settings;
    std::string pass_from;
    struct WebFile {
        std::string path;     // as given or found (may be a symlink: sites-enabled/omero)
        std::string content;  // the re-pointed text
        std::string diff;
        std::string before;  // the text before the upgrade: rollback writes it back (no .bak is left)
    };
    std::vector<WebFile> webconf;
    std::string started;  // when the run began

    json to_json() const;
    static Plan from_json(const json& j);
};

// var/upgrade/journal of the distribution $OMERODIR is now: one JSON object
// per line, each appended with fsync. The first is the plan; then
// {"step": S, "state": "begin"|"done"}; the last "finished" or "rolled-back".
class Journal {
public:
    explicit Journal(fs::path omerodir) : omerodir_(std::move(omerodir)) {}
    fs::path path() const { return omerodir_ / "var/upgrade/journal"; }
    bool exists() const;
    std::vector<json> read() const;
    void append(const json& entry) const;
    // The entries of the newest run (from its plan on).
    std::vector<json> current() const;
    // The plan and the steps done, of the newest run in the journal.
    std::optional<Plan> plan() const;
    bool done(const std::string& step) const;
    bool begun(const std::string& step) const;
    std::string outcome() const;  // "", "finished", "rolled-back"
    // Copies the journal into another distribution (before a swap).
    void copy_to(const fs::path& dist) const;

private:
    fs::path omerodir_;
};

// Seconds since the epoch, to the millisecond (each journal line's "at").
double now_seconds();

// Holds the upgrade lock of $OMERODIR (a flock on its parent directory,
// which a swap does not move) for the life of the object; throws Error
// when another upgrade holds it.
class UpgradeLock {
public:
    explicit UpgradeLock(const fs::path& omerodir);
    ~UpgradeLock();
    UpgradeLock(const UpgradeLock&) = delete;
    UpgradeLock& operator=(const UpgradeLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace omero::upgrade
