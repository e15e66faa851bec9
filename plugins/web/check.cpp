// `omero web check [--dist DIR]`: what `web start` needs, checked read-only
// (`upgrade plan` asks it about the new release): the settings parse,
// OMERO.web's interpreter imports Django, gunicorn and omeroweb (with the
// distribution's own lib/python/omeroweb first, as `web start` will run
// it), and the application server's port is free or this OMERO.web's.
#include "web.hpp"

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
    std::vector<std::pair<std::string, std::string>> problems, fine;
    json p;
    try {
        p = probe(c, s);
        for (auto& [code, why] : missing_modules(s, p, true)) problems.emplace_back("python", why);
        if (problems.empty())
            fine.emplace_back("python", p.value("python", s.python) + ": Django " + p.value("django", "") + ", gunicorn " +
                                        p.value("gunicorn", "") + ", omeroweb from " + p.value("omeroweb_dir", ""));
    } catch (const Error& e) {
        if (e.code() == OMERO_EXIT_CANCELLED) throw;
        problems.emplace_back("python", e.what());
    }
    if (auto who = port_listener(s.port); who && !(pid.alive && who->find("PID " + std::to_string(*pid.pid)) != std::string::npos))
        problems.emplace_back("port", "port " + std::to_string(s.port) + " (omero.web.application_server.port) is held by " +
                                          *who + ", not this OMERO.web: stop it, or set omero.web.application_server.port");
    else fine.emplace_back("port", "port " + std::to_string(s.port) + " is " + (who ? "this OMERO.web's" : "free"));
    json items = json::array();
    for (auto& [k, m] : fine) items.push_back({{"check", k}, {"status", "ok"}, {"message", m}});
    for (auto& [k, m] : problems) items.push_back({{"check", k}, {"status", "problem"}, {"message", m}});
    if (c.json()) c.emit_json(json{{"event", "result"}, {"schema", 1}, {"ok", problems.empty()}, {"checks", items}}.dump());
    else
        for (const json& i : items) c.out((i["status"] == "ok" ? "ok       " : "PROBLEM  ") + i["message"].get<std::string>() + "\n");
    if (!problems.empty())
        throw Error(OMERO_EXIT_FAILURE, std::to_string(problems.size()) + " problem(s) would stop 'omero web start' (above)");
    return 0;
}

}  // namespace

Command check_command() {
    return {.path = "web check",
            .summary = "Check, read-only, what 'web start' needs: the interpreter's imports, the port",
            .help = "The omero.web.* settings parse; omero.web.python imports Django, gunicorn and omeroweb\n"
                    "(a distribution's lib/python/omeroweb first, as 'web start' runs it); the application\n"
                    "server's port is free or this OMERO.web's. --dist DIR checks another distribution's\n"
                    "OMERO.web (the release an upgrade is about to start). Exit 0, or 1 with each problem.",
            .options = {{.name = "dist", .value_name = "DIR", .help = "the distribution to check (default $OMERODIR)",
                         .type = OMERO_VALUE_PATH},
                        omero::sdk::json_option()},
            .flags = OMERO_CMD_NEEDS_SERVER_DIR,
            .run = run};
}

}  // namespace omero::web
