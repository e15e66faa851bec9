// `omero web check [--dist DIR]`: what `web start` needs, checked read-only
// (`upgrade plan` asks it about the new release): the settings parse,
// OMERO.web's interpreter imports Django, gunicorn and omeroweb (with the
// distribution's own lib/python/omeroweb first, as `web start` will run
// it), and the application server's port is free or this OMERO.web's.
#include "web.hpp"

#include "util/check_report.hpp"

namespace omero::web {

namespace {

using nlohmann::json;

int run(Context& c) {
    Settings s = load_settings(c);  // a bad omero.web.* value is an error naming it
    PidState pid = read_pid(s);     // the running OMERO.web is this OMERODIR's
    if (auto v = c.value("dist")) {
        s.omerodir = fs::absolute(std::string(*v));
        if (!fs::is_directory(s.omerodir / "etc"))
            throw Error(OMERO_EXIT_FILE_NOT_FOUND, s.omerodir.string() + " is not a server distribution (no etc/)");
    }
    std::vector<CheckItem> items;
    try {
        json p = probe(c, s);
        auto missing = missing_modules(s, p, true);
        for (auto& [code, why] : missing) items.push_back({"python", "problem", why});
        if (missing.empty())
            items.push_back({"python", "ok",
                             p.value("python", s.python) + ": Django " + p.value("django", "") + ", gunicorn " +
                                 p.value("gunicorn", "") + ", omeroweb from " + p.value("omeroweb_dir", "")});
    } catch (const Error& e) {
        if (e.code() == OMERO_EXIT_CANCELLED) throw;
        items.push_back({"python", "problem", e.what()});
    }
    std::vector<long> holders;
    auto who = port_listener(s.port, &holders);
    bool ours = pid.alive && std::find(holders.begin(), holders.end(), *pid.pid) != holders.end();
    if (who && !ours)
        items.push_back({"port", "problem",
                         "port " + std::to_string(s.port) + " (omero.web.application_server.port) is held by " + *who +
                             ", not this OMERO.web: stop it, or set omero.web.application_server.port"});
    else
        items.push_back(
            {"port", "ok", "port " + std::to_string(s.port) + " is " + (who ? "this OMERO.web's" : "free")});
    return report_checks(c, items, "omero web start");
}

}  // namespace

Command check_command() {
    return {.path = "web check",
            .summary = "Check, read-only, what 'web start' needs: the interpreter's imports, the port",
            .help =
                "The omero.web.* settings parse; omero.web.python imports Django, gunicorn and omeroweb\n"
                "(a distribution's lib/python/omeroweb first, as 'web start' runs it); the application\n"
                "server's port is free or this OMERO.web's. --dist DIR checks another distribution's\n"
                "OMERO.web (the release an upgrade is about to start). Exit 0, or 1 with each problem.",
            .options = {{.name = "dist",
                         .value_name = "DIR",
                         .help = "the distribution to check (default $OMERODIR)",
                         .type = OMERO_VALUE_PATH},
                        omero::sdk::json_option()},
            .flags = OMERO_CMD_NEEDS_SERVER_DIR,
            .run = run};
}

}  // namespace omero::web
