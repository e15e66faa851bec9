// The named checks of `upgrade plan` and `upgrade run` (checks.hpp): each
// reads the survey's facts (and, read-only, the machine) and adds a problem
// saying what to do, or a note. The table at the end is their order.
//
//   release        the new release is not the one running
//   swap           a plain $OMERODIR and the new release on one file system (the swap is a rename)
//   database       the database can be read and carried to the new release; its hop checks pass
//   backup         the rollback point asked for can be taken
//   backup-space   room for the dump (and the unpacked release beside it)
//   clients        nobody else on the database when nothing can stop the server
//   edits          the local edits merge into the new release
//   server         admin check --dist NEW: data dir writable by the servers'
//                  account, registry/client ports free or ours, icegridnode,
//                  glacier2router and the descriptor's ${JAVA}/${PYTHON} there
//   web            web check --dist NEW: OMERO.web's interpreter imports Django,
//                  gunicorn and the new release's omeroweb; its port
//   site-files     each site file to re-point: writable (with --yes), the new
//                  text accepted by the installed nginx/Apache, and every running
//                  server that loads it passing its own -t today
#include "checks.hpp"

#include "calls.hpp"

#include "frontend/servers.hpp"
#include "util/error.hpp"

#include <unistd.h>

namespace omero::upgrade {

using namespace omero::frontend;

namespace {

// Another plugin's `check --json`: its problems become ours.
void plugin_check(Context& c, Survey& s, const std::string& plugin, const std::string& what) {
    std::string out, why;
    std::vector<std::string> words = {plugin, "check", "--dist", s.new_dist.dir.string(), "--json"};
    if (plugin == "admin")  // the settings the config step will write (omero.db.pass is not one it reads)
        for (const auto& [k, v] : s.plan.settings) words.push_back("--set=" + k + "=" + v);
    int rc = call(c, words, &out, &why);
    if (rc == OMERO_EXIT_PLUGIN_UNAVAILABLE) return;  // the step is skipped, and said so
    json r = last_object(out, "checks");
    if (!r.is_object()) {
        if (rc == OMERO_EXIT_USAGE)
            s.notes.push_back(what + " not checked: this omero-plugin-" + plugin + " has no 'check'");
        else if (rc != 0)
            s.problems.push_back(what + " cannot be checked: " + why);
        return;
    }
    for (const json& i : r["checks"])
        if (i.value("status", "") != "ok") s.problems.push_back(what + ": " + i.value("message", ""));
}

void check_release(Context&, Survey& s) {
    const Plan& p = s.plan;
    if (p.to_release == p.from_release && p.to_release != "unknown")
        s.problems.push_back(p.new_dir.string() + " is release " + p.to_release +
                             ", the one running: there is nothing to upgrade to (--to names the new release)");
}

void check_swap(Context&, Survey& s) {
    const Plan& p = s.plan;
    if (p.symlink) return;
    auto here = ident_of(p.omerodir.parent_path()), there = ident_of(p.new_dir.parent_path());
    if (here && there && here->dev != there->dev)
        s.problems.push_back(p.new_dir.string() + " is on another file system than " + p.omerodir.string() +
                             ", and the swap is a rename: unpack it next to " + p.omerodir.string());
}

void check_database(Context&, Survey& s) {
    const Plan& p = s.plan;
    if (p.db_from.empty())
        s.problems.push_back("the database cannot be read: " +
                             (s.db_why.empty() ? s.db_status.value("state", "unknown state") : s.db_why));
    else if (s.db_rc == OMERO_EXIT_DB_PRECHECK_FAILED)
        s.problems.push_back("a database check refused (see the hops above): fix the data, or add the --fix named");
    else if (s.db_rc != 0 && s.db_rc != OMERO_EXIT_DB_UPGRADE_NEEDED)
        s.problems.push_back("the database cannot be carried to " + p.db_to + ": " + s.db_why);
}

void check_backup(Context&, Survey& s) {
    const Plan& p = s.plan;
    if (p.legacy && s.backup_how == "clone")
        s.problems.push_back(
            "--backup clone: a 3.x server reads omero.db.name from its properties files, which a "
            "rollback does not rewrite: use --backup dump");
    else if (!s.no_clone.empty() && s.backup_how == "clone")
        s.problems.push_back("--backup clone: a clone cannot be taken: " + s.no_clone);
    else if (!s.no_clone.empty())
        s.notes.push_back("the rollback point is a pg_dump taken while the server is down (no clone: " + s.no_clone +
                          ")");
}

void check_backup_space(Context&, Survey& s) {
    uintmax_t unpacked = s.backup_beside_new ? s.unpacked : 0;
    if (s.free < s.db_bytes + unpacked)
        s.problems.push_back("the backup may need up to " + human_bytes(s.db_bytes) +
                             (unpacked ? " and the unpacked release about " + human_bytes(unpacked) : "") + ", and " +
                             s.backup_dir.string() + " has " + human_bytes(s.free) +
                             " free: free space, or give --backup-dir");
}

// Without admin nothing can stop the server: a client on the database says it runs.
void check_clients(Context&, Survey& s) {
    uint64_t sessions = s.db_status.value("sessions", uint64_t(0));
    if (!s.plan.admin && sessions > 0)
        s.problems.push_back(std::to_string(sessions) + " other client(s) are connected to " + s.plan.dbname +
                             " (the server, or someone's psql): stop them first (without "
                             "omero-plugin-admin, omero cannot stop the server)");
}

void check_edits(Context&, Survey& s) {
    if (s.edits.conflict())
        s.problems.push_back(
            "a local edit conflicts with the new release (diff above): resolve it in the old "
            "distribution's file, or undo it there, and plan again");
}

void check_server(Context& c, Survey& s) {
    if (s.plan.admin && s.plan.start) plugin_check(c, s, "admin", "the new release's server would not start");
}

void check_web(Context& c, Survey& s) {
    if (s.plan.web && s.plan.web_running && s.plan.start)
        plugin_check(c, s, "web", "the new release's OMERO.web would not start");
}

void check_site_files(Context&, Survey& s) {
    const Plan& p = s.plan;
    if (p.webconf.empty()) return;
    // What each running nginx/Apache loads, asked once: -T (and Apache's
    // -t -D DUMP_INCLUDES) parses the whole configuration as -t does. One
    // that refuses its own configuration today matters only when it reads a
    // file we re-point (we would test and reload it); any other is not the
    // server's and is left alone.
    struct Seen {
        FrontServer srv;
        std::optional<LoadedFiles> loaded;
        std::string why;
        bool ours = false;
    };
    std::vector<Seen> servers;
    for (FrontServer& srv : front_servers()) {
        Seen seen{std::move(srv), std::nullopt, "", false};
        seen.loaded = loaded_files(seen.srv, &seen.why);
        servers.push_back(std::move(seen));
    }
    for (const Plan::WebFile& w : p.webconf) {
        std::error_code ec;
        fs::path target = fs::canonical(w.path, ec);
        if (ec) target = w.path;
        if (p.yes && (::access(target.c_str(), W_OK) != 0 || ::access(target.parent_path().c_str(), W_OK | X_OK) != 0))
            s.problems.push_back(target.string() +
                                 " (the site file to re-point) cannot be replaced by this user: run as "
                                 "the user who may, or leave out --yes and apply the diff yourself");
        std::string why;
        if (auto refused = check_site_text(w.content, site_kind(w.content), &why); !refused)
            s.notes.push_back("the re-pointed " + w.path + " was not tested: " + why);
        else if (!refused->empty())
            s.problems.push_back("the re-pointed " + w.path + " is refused by the installed web server:\n" + *refused);
        int loaders = 0;
        for (Seen& x : servers) {
            if (!x.loaded) {
                s.problems.push_back("cannot tell whether " + x.srv.name() + " loads " + w.path + ": " + x.why);
                continue;
            }
            if (!x.loaded->has(target)) continue;
            x.ours = true;
            ++loaders;
            if (!x.loaded->refused.empty())
                s.problems.push_back(x.srv.name() + ", which loads " + w.path +
                                     ", refuses its own configuration today:\n" + x.loaded->refused +
                                     "\nfix that first: the upgrade tests and reloads the servers that load its "
                                     "site files");
            else
                s.notes.push_back(w.path + " is loaded by " + x.srv.name() +
                                  ": tested (-t) and reloaded after it is written");
        }
        if (!loaders) s.notes.push_back("no running nginx or Apache loads " + w.path + ": nothing will be reloaded");
    }
    for (const Seen& x : servers)
        if (x.loaded && !x.loaded->refused.empty() && !x.ours)
            s.notes.push_back(x.srv.name() +
                              " refuses its own configuration today, but loads no file this upgrade "
                              "re-points: left alone");
}

}  // namespace

const std::vector<Check>& checks() {
    static const std::vector<Check> all = {
        {"release", "the new release is not the one running", check_release},
        {"swap", "the swap can be a rename", check_swap},
        {"database", "the database can be read and carried to the new release, its hop checks passing", check_database},
        {"backup", "the rollback point asked for can be taken", check_backup},
        {"backup-space", "room for the backup and the unpacked release", check_backup_space},
        {"clients", "nobody else on the database when nothing can stop the server", check_clients},
        {"edits", "the local edits merge into the new release", check_edits},
        {"server", "the new release's server would start (admin check)", check_server},
        {"web", "the new release's OMERO.web would start (web check)", check_web},
        {"site-files", "the re-pointed site files are accepted and their servers pass their own test",
         check_site_files},
    };
    return all;
}

void preflight(Context& c, Survey& s) {
    for (const Check& k : checks()) {
        size_t before = s.problems.size();
        k.run(c, s);
        json found = std::vector<std::string>(s.problems.begin() + static_cast<long>(before), s.problems.end());
        s.checks.push_back({{"name", k.name}, {"what", k.what}, {"ok", found.empty()}, {"problems", found}});
    }
}

}  // namespace omero::upgrade
