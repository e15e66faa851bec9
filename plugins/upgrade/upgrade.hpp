// upgrade.hpp - what the `omero upgrade` commands share. One file per
// command beside it (plan.cpp is `omero upgrade plan`, run.cpp `run`, ...);
// the plan they all act on and the survey that makes it (survey.cpp), the
// pre-flight checks (checks.cpp), the web server's site files (site.cpp),
// the journal (journal.cpp), the steps (steps.cpp) and their summary
// (summary.cpp), the distribution swap (swap.cpp), local edits (edits.cpp),
// archives (archive.cpp), and what a distribution is (dist.cpp).
//
// The other plugins are used only through the host's command service
// (Context::run): `db upgrade|dump|restore|clone|status`, `admin
// stop|start|status|check|diagnostics`, `web stop|start|status|check|
// syncmedia`, so each stays optional; a missing one is named with its package.
#pragma once

#include <omero/plugin.hpp>

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace omero::upgrade {

namespace fs = std::filesystem;
using nlohmann::json;
using omero::sdk::Command;
using omero::sdk::Context;
using omero::sdk::Option;

Command plan_command();
Command run_command();
Command resume_command();
Command rollback_command();
Command check_command();

// --- distributions (dist.cpp) -----------------------------------------------

// A file's identity: what a rename keeps and a copy does not.
struct Ident {
    dev_t dev = 0;
    ino_t ino = 0;
    bool operator==(const Ident&) const = default;
};
std::optional<Ident> ident_of(const fs::path& p);  // nullopt: no such file (a symlink is followed)
json ident_json(const Ident& i);                   // [dev, ino], as the journal keeps it
Ident ident_from(const json& j);

struct Dist {
    fs::path dir;            // as found (real path)
    std::string release;     // "5.4.10-ice36-b105", from etc/omero.properties or the directory name
    std::string db_version;  // the newest sql/psql/<VERSION> it ships ("OMERO5.4__0"), "" if none
    bool templates = false;  // etc/templates/grid/ (5.2+): etc/grid/*.xml are generated
    bool jvmcfg = false;     // its templates.xml takes MEMORY:<server> (omero.jvmcfg.*)
};
// Reads what a distribution directory says about itself; throws Error
// naming the directory when it is not one (no etc/ or no sql/psql).
Dist inspect_dist(const fs::path& dir);
// Free bytes on the file system holding p (or its nearest existing parent).
uintmax_t free_bytes(fs::path p);
std::string human_bytes(uintmax_t n);

// --- archives (archive.cpp) ---------------------------------------------------

// The single top-level directory of a distribution archive (.zip, .tar.gz,
// .tar.bz2, ...), read with libarchive; throws Error when there is none.
std::string archive_top(const fs::path& archive);
// Extracts the archive's top directory into `dest` (which must not exist),
// only entries whose path below the top passes `want` (all when empty).
// Absolute paths, "..", and links leaving the tree are refused. Written into
// "<dest>.partial" and renamed when complete: `dest` is whole or absent.
void extract_archive(const fs::path& archive, const fs::path& dest,
                     const std::function<bool(const std::string&)>& want = {},
                     const std::function<bool()>& cancelled = {});

// --- local edits (edits.cpp) ------------------------------------------------

struct FileEdit {
    std::string from;     // path in the old distribution ("etc/grid/default.xml")
    std::string to;       // where it goes in the new one ("etc/templates/grid/default.xml")
    std::string action;   // "carry" (new file = old), "merge" (clean three-way), "conflict", "review" (no pristine)
    std::string diff;     // what the sysadmin should see
    std::string content;  // for carry and merge: the new file's content
};
struct Edits {
    std::vector<FileEdit> files;
    std::vector<std::pair<std::string, std::string>> jvmcfg;  // omero.jvmcfg.* to set (from -Xmx edits)
    std::vector<std::string> notes;
    bool conflict() const;
};
// `diff -u` of two texts under the given labels ("" when equal).
std::string unified_diff(const std::string& a, const std::string& b, const std::string& la, const std::string& lb);
// The old distribution's local edits against its pristine copy (a directory
// unpacked from --from-archive, or empty: unknown), mapped onto the new one.
Edits find_edits(const Dist& old_dist, const Dist& new_dist, const std::optional<fs::path>& pristine);

// --- the plan, as the journal keeps it (survey.cpp) ----------------------------

struct Plan {
    fs::path omerodir;      // $OMERODIR as given
    bool symlink = false;   // $OMERODIR is a symlink (swapped by replacing the link)
    std::string link_text;  // its target as written
    fs::path old_dir;       // the old distribution's real path
    Ident old_id;
    fs::path new_dir;             // where the new distribution is before the swap
    std::optional<Ident> new_id;  // known once staged
    fs::path archive;             // --to archive, or empty
    fs::path aside;               // plain $OMERODIR: where the old distribution goes
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

// Everything the plan and run commands decide before changing anything,
// with what was found (for printing). Throws Error when the run cannot
// go ahead; `ready` false with reasons when a check refuses.
struct Survey {
    Plan plan;
    Dist old_dist, new_dist;
    Edits edits;
    json db_plan;   // `db upgrade --dry-run --json`'s plan event (or its result)
    int db_rc = 0;  // its exit status: 0 up to date, 2 ready, 24 refused
    uintmax_t db_bytes = 0, free = 0;
    std::vector<std::string> problems;  // why it is not ready
    std::vector<std::string> skipped;   // steps skipped, with the package to install
    std::vector<std::string> notes;     // what the checks found that is worth knowing, not a problem
    fs::path scratch;                   // temporary unpacked trees, removed with the survey
    ~Survey();
    bool ready() const { return problems.empty(); }
};
std::unique_ptr<Survey> survey(Context& c);
// The checks that find, read-only, whatever would make a later step fail
// (checks.cpp): each adds to s.problems with what to do, or to s.notes.
void preflight(Context& c, Survey& s);
// Removes the scratch trees (var/upgrade/scratch.<pid>) of surveys whose
// process is gone.
void clean_scratch(const fs::path& dist);
// --- web server site files (site.cpp) -----------------------------------------

// Site files of nginx and Apache (--web-conf, else those under /etc/nginx
// and /etc/apache2) that name the old distribution by its real path: after a
// symlink swap they must name $OMERODIR instead.
std::vector<Plan::WebFile> web_files(Context& c, const Plan& p);
// Writes a site file through its symlink and has every running nginx/Apache
// that loads it test its whole configuration and reload; when one refuses,
// `previous` is written back and Error names what the server said.
void apply_site_file(Context& c, const std::string& step, const std::string& path, const std::string& content,
                     const std::string& previous);
// The options plan and run share.
std::vector<Option> survey_options(std::vector<Option> extra);
// The survey as text.
std::string describe(const Survey& s);
json describe_json(const Survey& s);

// --- the journal (journal.cpp) ----------------------------------------------

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

// The end of `run` and `rollback` (summary.cpp): each step with how long it
// took, the downtime (the server stopped -> OMERO.web, else the server,
// answering again), the backup and its size, and what to do next; as text,
// and as the fields of the result event under --json.
struct Summary {
    std::vector<std::pair<std::string, double>> steps;  // step, seconds
    std::optional<double> downtime;
    std::string downtime_span;  // "server stopped -> OMERO.web answering"
    std::string backup;
    uintmax_t backup_bytes = 0;
    std::string clone;  // the rollback point on the cluster, when there is one
    bool rollback = false;
    std::vector<std::string> next;
    std::string text() const;
    json to_json() const;
};
Summary summarize(const Journal& j, const Plan& p, bool rollback);

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

// --- the swap (swap.cpp) ------------------------------------------------------

// Puts the new distribution at $OMERODIR (link replaced atomically, or
// the directories exchanged with renameat2(RENAME_EXCHANGE) and the old one
// renamed aside). Safe to call again after a crash at any point.
void swap_in(const Plan& p);
// The reverse: the old distribution back at $OMERODIR.
void swap_back(const Plan& p);
// Where the new distribution is now (its identity decides), or nullopt.
std::optional<fs::path> where_new(const Plan& p);
bool swapped(const Plan& p);

// --- the steps (steps.cpp) ----------------------------------------------------

// Runs one step (of `run` or `rollback`) between its "begin" and "done"
// lines, unless the journal says it is done. A failure is journaled and
// rethrown naming the step, then `next` (what to do about it): exit 29, or
// 130 when it was Ctrl-C.
void journaled(const Journal& j, const std::string& step, const std::function<void()>& fn, const std::string& next);
// `upgrade rollback` under the lock the caller holds (resume continues a
// begun rollback through it).
int rollback_locked(Context& c, const Journal& j);
// Runs the plan's steps not yet done, journaling each; returns the exit status.
int run_steps(Context& c, const Plan& p, const Journal& j);
// The backup's path now.
fs::path backup_path(const Plan& p);
// The last JSON object (holding `key`, when given) of a command's captured
// --json output: its result.
json last_object(const std::string& out, std::string_view key = {});
// A command of another plugin through the host; 126 with the package named
// when it is not installed.
int call(Context& c, const std::vector<std::string>& words, std::string* captured = nullptr,
         std::string* why = nullptr);
// "==> STEP: text" on stderr, or {"event": "step", ...} under --json.
void say(Context& c, const std::string& step, const std::string& text);
// Runs another plugin's command for a step, saying so. A failure throws
// Error with its exit status and reason; so does a plugin that is not
// installed, unless `optional` (then false, and the package is named).
bool invoke(Context& c, const std::string& step, const std::vector<std::string>& words, bool optional = false);
// Whether the server ("admin") or OMERO.web ("web") runs; false when the
// plugin is not installed.
bool running(Context& c, const std::string& plugin);
// Whether a database of that name can be connected to (db status --name).
bool database_exists(Context& c, const std::string& name);
// The connection options of `db` commands run while $OMERODIR is a 3.x
// distribution (no config.xml to read them from); empty otherwise. The
// password then comes from libpq's own sources (PGPASSWORD, ~/.pgpass).
std::vector<std::string> db_connection(const Plan& p);
// A 3.x distribution's setting (etc/local.properties over etc/omero.properties).
std::optional<std::string> legacy_setting(const fs::path& dist, const std::string& key, fs::path* from = nullptr);

}  // namespace omero::upgrade
