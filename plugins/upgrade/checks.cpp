// The pre-flight of `upgrade plan` and `upgrade run`: whatever would make a
// later step fail, found read-only before anything changes (as pg_upgrade's
// check.c does). Each check adds a problem saying what to do, or a note.
//
//   server     admin check --dist NEW: data dir writable by the servers'
//              account, registry/client ports free or ours, icegridnode,
//              glacier2router and the descriptor's ${JAVA}/${PYTHON} there
//   web        web check --dist NEW: OMERO.web's interpreter imports Django,
//              gunicorn and the new release's omeroweb; its port
//   site-files each site file to re-point: writable (with --yes), the new
//              text accepted by the installed nginx/Apache, and every running
//              server that loads it passing its own -t today
//
// The database checks (db upgrade --dry-run) and the space for the backup
// are taken in survey.cpp, where their facts are gathered.
#include "upgrade.hpp"

#include "util/error.hpp"
#include "util/frontserver.hpp"

#include <unistd.h>

namespace omero::upgrade {

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

void check_server(Context& c, Survey& s) {
    if (s.plan.admin && s.plan.start) plugin_check(c, s, "admin", "the new release's server would not start");
}

void check_web(Context& c, Survey& s) {
    if (s.plan.web && s.plan.web_running && s.plan.start)
        plugin_check(c, s, "web", "the new release's OMERO.web would not start");
}

void check_site_files(Survey& s) {
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

void preflight(Context& c, Survey& s) {
    check_server(c, s);
    check_web(c, s);
    check_site_files(s);
}

}  // namespace omero::upgrade
