// `omero web diagnostics`: what OMERO.web runs with and whether it is well:
// interpreter and versions, state, static files, logs, and the web server
// files on this machine that serve its static files (the stale alias an
// upgrade leaves behind). Exit 1 when something is wrong.
#include "frontend/site_config.hpp"
#include "web.hpp"

#include <fstream>
#include <regex>

namespace omero::web {

using namespace omero::frontend;

namespace {

using nlohmann::json;

struct Report {
    json items = json::array();
    bool problem = false;
    void add(std::string name, std::string status, std::string value, std::string detail = "") {
        if (status == "error") problem = true;
        json i = {{"name", std::move(name)}, {"status", std::move(status)}, {"value", std::move(value)}};
        if (!detail.empty()) i["detail"] = std::move(detail);
        items.push_back(std::move(i));
    }
};

// Lines and error/warning counts. Python's logging truncates WARNING to
// WARNI in omero-web's format, gunicorn writes [ERROR]/[WARNING].
void log_item(Report& r, const fs::path& p) {
    std::ifstream in(p);
    if (!in) {
        r.add("log " + p.filename().string(), "info", "not present", p.string());
        return;
    }
    static const std::regex err(R"(\b(ERROR|CRITICAL|CRITI|FATAL)\b)"), warn(R"(\b(WARNING|WARNI|WARN)\b)");
    size_t lines = 0, errors = 0, warnings = 0;
    for (std::string l; std::getline(in, l); ++lines) {
        if (std::regex_search(l, err))
            ++errors;
        else if (std::regex_search(l, warn))
            ++warnings;
    }
    std::error_code ec;
    auto bytes = fs::file_size(p, ec);
    r.add("log " + p.filename().string(), errors ? "warn" : "ok",
          std::to_string(bytes) + " bytes, " + std::to_string(lines) + " lines, " + std::to_string(errors) +
              " errors, " + std::to_string(warnings) + " warnings",
          p.string());
}

std::string norm(std::string p) {
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    return fs::path(p).lexically_normal().string();
}

void frontend_items(Report& r, const Settings& s, const std::vector<fs::path>& files) {
    std::string url = norm(s.static_url), root = norm(s.static_root.string());
    int found = 0;
    for (const fs::path& f : files)
        for (const StaticAlias& a : find_aliases(f)) {
            bool ours_url = norm(a.url) == url;
            if (!ours_url && fs::path(norm(a.path)).filename() != "static") continue;
            ++found;
            std::string where = a.file.string() + ":" + std::to_string(a.line);
            std::string what = a.server + " alias " + a.url + " -> " + a.path;
            if (norm(a.path) == root) {
                r.add("front end", "ok", what, where);
            } else if (ours_url) {
                r.add("front end", "error", what,
                      where + ": this server's static root is " + root + "; regenerate it (omero web config " +
                          (a.server == "nginx" ? "nginx" : "apache") + ") or point the alias there, then reload " +
                          a.server);
            } else {
                r.add("front end", "warn", what, where + ": not this server's static root " + root);
            }
        }
    if (!found)
        r.add("front end", "info", "no nginx or Apache file here serves " + s.static_url,
              "generate one with: omero web config nginx (or apache)");
}

int run(Context& c) {
    Settings s = load_settings(c);
    Report r;
    r.add("OMERODIR", "ok", s.omerodir.string());
    r.add("application server", s.server_type == "wsgi-tcp" ? "ok" : "error",
          s.server_type + " http://" + s.upstream() + s.probe_path());
    json j;
    try {
        j = run_helper(c, s, {"probe", "require-web", "check-static"});
    } catch (const Error& e) {
        if (e.code() == OMERO_EXIT_CANCELLED) throw;
        r.add("python", "error", s.python, e.what());
    }
    if (j.contains("probe")) {
        const json& p = j["probe"];
        r.add("python", "ok", p.value("python", s.python) + " " + p.value("python_version", ""));
        for (const char* m : {"django", "gunicorn", "omeroweb"}) {
            std::string name = m;
            if (p.contains(m))
                r.add(name, "ok", p[m].get<std::string>(), name == "omeroweb" ? p.value("omeroweb_dir", "") : "");
            else
                r.add(name, "error", "cannot be imported", p.value(name + "_error", std::string()));
        }
    }
    PidState pid = read_pid(s);
    if (pid.alive) {
        std::string why;
        auto code = http_status(s.host, s.port, s.probe_path(), 2000, &why);
        r.add("status", code ? "ok" : "error", "running (PID " + std::to_string(*pid.pid) + ")",
              code ? "answers HTTP " + std::to_string(*code) : "does not answer: " + why);
    } else {
        r.add("status", pid.pid || !pid.why.empty() ? "warn" : "info", "not started",
              pid.why.empty() ? "" : s.pid_file().string() + " is stale: " + pid.why);
        if (auto who = port_listener(s.port))
            r.add("port", "error", std::to_string(s.port) + " in use by " + *who,
                  "'omero web start' will fail: stop that process or set omero.web.application_server.port");
    }
    if (j.contains("check-static")) {
        const json& st = j["check-static"];
        int missing = st.value("missing", 0), outdated = st.value("outdated", 0), stale = st.value("stale", 0);
        std::string v = std::to_string(st.value("expected", 0)) + " files expected, " + std::to_string(missing) +
                        " missing, " + std::to_string(outdated) + " out of date, " + std::to_string(stale) + " stale";
        std::string detail = st.value("static_root", "");
        if (missing || outdated || stale) detail += ": run omero web syncmedia";
        r.add("static files", missing || outdated ? "error" : stale ? "warn" : "ok", v, detail);
    }
    if (!c.flag("no-logs"))
        for (const fs::path& p : {s.app_log(), s.gunicorn_log()}) log_item(r, p);
    std::vector<fs::path> files;
    for (auto f : c.values("frontend")) files.emplace_back(f);
    if (files.empty()) files = system_frontend_files();
    frontend_items(r, s, files);

    if (c.json()) {
        for (const json& i : r.items) c.emit_json(i.dump());
    } else {
        c.out("OMERO.web diagnostics\n");
        for (const json& i : r.items) {
            std::string st = i["status"].get<std::string>();
            std::string tag = st == "ok" ? "[OK]" : st == "warn" ? "[WARN]" : st == "error" ? "[ERROR]" : "[INFO]";
            std::string name = i["name"].get<std::string>();
            name.resize(std::max<size_t>(name.size(), 20), ' ');
            c.out(tag + std::string(8 - std::min<size_t>(tag.size(), 7), ' ') + name + " " +
                  i["value"].get<std::string>() + "\n");
            if (i.contains("detail"))
                c.out("        " + std::string(20, ' ') + " " + i["detail"].get<std::string>() + "\n");
        }
    }
    return r.problem ? OMERO_EXIT_FAILURE : 0;
}

}  // namespace

Command diagnostics_command() {
    return {.path = "web diagnostics",
            .summary = "Check OMERO.web: interpreter, versions, state, static files, logs, web server files",
            .help =
                "Exit 0 when all is well, 1 when an item is an error. The web server files looked at are\n"
                "nginx's and Apache's usual ones on this machine, or the --frontend files given.",
            .options = {{.name = "no-logs", .help = "do not read the logs"},
                        {.name = "frontend",
                         .value_name = "FILE",
                         .help = "an nginx/Apache file to check (repeatable)",
                         .flags = OMERO_OPT_REPEATABLE},
                        omero::sdk::json_option("one JSON object per item, each with its status")},
            .run = run};
}

}  // namespace omero::web
