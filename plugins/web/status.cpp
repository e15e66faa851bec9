// `omero web status`: is gunicorn running, and does it answer.
#include "web.hpp"

namespace omero::web {

namespace {

int run(Context& c) {
    Settings s = load_settings(c);
    PidState p = read_pid(s);
    std::string why;
    std::optional<int> code;
    if (p.alive) code = http_status(s.host, s.port, s.probe_path(), 2000, &why);
    if (c.json()) {
        nlohmann::json j = {{"running", p.alive},
                            {"pid_file", s.pid_file().string()},
                            {"url", "http://" + s.upstream() + s.probe_path()}};
        if (p.pid) j["pid"] = *p.pid;
        if (!p.alive && !p.why.empty()) j["stale"] = p.why;
        if (p.alive) j["answers"] = code.has_value();
        if (code) j["http_status"] = *code;
        if (p.alive && !code) j["error"] = why;
        c.emit_json(j.dump());
        return p.alive ? 0 : OMERO_EXIT_WEB_NOT_RUNNING;
    }
    if (!p.alive) {
        c.out("OMERO.web status... [NOT STARTED]\n");
        if (!p.why.empty()) c.err("note: " + s.pid_file().string() + " is stale: " + p.why + "\n");
        return OMERO_EXIT_WEB_NOT_RUNNING;
    }
    c.out("OMERO.web status... [RUNNING] (PID " + std::to_string(*p.pid) + ")\n");
    if (!code)
        c.err("warning: gunicorn runs but http://" + s.upstream() + s.probe_path() + " does not answer: " + why + "\n");
    return 0;
}

}  // namespace

Command status_command() {
    return {.path = "web status",
            .summary = "Say whether OMERO.web runs (exit 0) or not (exit 1)",
            .help =
                "Reads $OMERODIR/var/django.pid; a pid that is not a live gunicorn counts as not running.\n"
                "A running server is also asked over HTTP; one that does not answer is named on stderr.",
            .options = {omero::sdk::json_option()},
            .run = run};
}

}  // namespace omero::web
