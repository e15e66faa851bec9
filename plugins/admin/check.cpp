// `omero admin check [--dist DIR]`: what `admin start` needs, checked
// read-only, so that a start that would fail is known before anything is
// stopped (`upgrade plan` asks it about the new release): the data
// directory and its owner, the ports, IceGrid's programs, and the programs
// the application descriptor runs (${JAVA}, ${PYTHON}).
#include "admin.hpp"

#include "util/file.hpp"
#include "util/ports.hpp"
#include "util/process.hpp"

#include <unistd.h>


namespace omero::admin {

namespace {

using nlohmann::json;

struct Finding {
    std::string check, status, message;  // status: "ok" or "problem"
};

// The pid in port_listener's "PID 123 (glacier2router)", 0 if none.
long listener_pid(const std::string& who) {
    return who.rfind("PID ", 0) == 0 ? std::atol(who.c_str() + 4) : 0;
}

long parent_of(long pid) {
    auto stat = read_file_if_exists("/proc/" + std::to_string(pid) + "/stat", 4096);
    if (!stat) return 0;
    size_t close = stat->rfind(')');
    return close == std::string::npos ? 0 : std::atol(stat->c_str() + close + 4);
}

// A <variable name="NAME" value="..."/> of the descriptor, when it names a
// program the templates run (exe="${NAME}").
std::optional<std::string> program_variable(const std::string& descriptor, const std::string& templates,
                                            const std::string& name) {
    if (templates.find("${" + name + "}") == std::string::npos && descriptor.find("${" + name + "}") == std::string::npos)
        return std::nullopt;
    size_t at = descriptor.find("name=\"" + name + "\"");
    size_t end = descriptor.find('>', at);
    size_t v = descriptor.find("value=\"", at);
    if (at == std::string::npos || v == std::string::npos || v > end) return std::nullopt;
    v += 7;
    return descriptor.substr(v, descriptor.find('"', v) - v);
}

std::vector<Finding> findings(Context& c, const Server& s, const fs::path& dist) {
    std::vector<Finding> out;
    auto ok = [&](const std::string& k, const std::string& m) { out.push_back({k, "ok", m}); };
    auto bad = [&](const std::string& k, const std::string& m) { out.push_back({k, "problem", m}); };
    Props p = read_props(s.dir);

    // The data directory, as the account the servers will run as sees it.
    fs::path data = p.get("omero.data.dir", "/OMERO");
    auto [uid, gid, who] = server_account(s);
    std::error_code ec;
    if (!fs::exists(data, ec))
        bad("data-dir", "omero.data.dir " + data.string() + " does not exist: create it (mkdir -p " + data.string() +
                            "; chown " + who + " " + data.string() + "), or set omero.data.dir");
    else if (!fs::is_directory(data, ec))
        bad("data-dir", "omero.data.dir " + data.string() + " is not a directory");
    else if (!writable_by(data, uid, gid))
        bad("data-dir", "omero.data.dir " + data.string() + " is not writable by " + who +
                            ", the account IceGrid runs the servers as: chown " + who + " " + data.string());
    else ok("data-dir", "omero.data.dir " + data.string() + " is writable by " + who);

    // The ports: free, or held by this server's own node and its servers.
    long node = 0;
    if (auto t = read_file_if_exists(s.pid_file(), 64)) node = std::atol(t->c_str());
    std::vector<std::pair<std::string, int>> ports = {{"registry", port(p, "registry")}};
    std::string transports = p.get("omero.client.icetransports", "ssl,tcp");
    for (const char* k : {"ssl", "tcp"})
        if (transports.find(k) != std::string::npos) ports.emplace_back(k, port(p, k));
    for (auto& [name, n] : ports) {
        auto holder = port_listener(n);
        long pid = holder ? listener_pid(*holder) : 0;
        bool ours = node > 0 && pid > 0 && (pid == node || parent_of(pid) == node);
        if (!holder || ours)
            ok("port-" + name, "port " + std::to_string(n) + " (omero.ports." + name + ") is " +
                                   (ours ? "this server's" : "free"));
        else
            bad("port-" + name, "port " + std::to_string(n) + " (omero.ports." + name + ") is held by " + *holder +
                                    ", not this server: stop it, or set omero.ports." + name +
                                    " (or omero.ports.prefix) to a free port");
    }

    // IceGrid's own programs, and those the application runs.
    for (const char* prog : {"icegridnode", "glacier2router"}) {
        std::string at = find_program(prog);
        if (at.empty())
            bad(std::string("program-") + prog, std::string(prog) + " is not on PATH (Debian: apt install " +
                                                    (std::string(prog) == "icegridnode" ? "zeroc-icegrid" : "zeroc-glacier2") + ")");
        else ok(std::string("program-") + prog, at);
    }
    fs::path root = dist.empty() ? s.dir : dist;
    fs::path descriptor = fs::exists(root / "etc/templates/grid/default.xml", ec) ? root / "etc/templates/grid/default.xml"
                                                                                  : root / "etc/grid/default.xml";
    fs::path templates = descriptor.parent_path() / "templates.xml";
    std::string d = read_file_if_exists(descriptor, 16 << 20).value_or(""), t = read_file_if_exists(templates, 16 << 20).value_or("");
    for (const char* var : {"JAVA", "PYTHON"}) {
        auto value = program_variable(d, t, var);
        if (!value || value->empty() || value->find_first_of("${@") != std::string::npos) continue;
        std::string what = std::string(var == std::string("JAVA") ? "the JVM" : "the Python") + " the servers run (" +
                           var + "=" + *value + " in " + fs::relative(descriptor, root).string() + ")";
        std::string at = value->find('/') != std::string::npos
                             ? (::access(value->c_str(), X_OK) == 0 ? *value : std::string())
                             : find_program(*value);
        if (at.empty())
            bad(std::string("program-") + var, what + " cannot be run: install it" +
                                                   (var == std::string("JAVA") ? " (Debian: apt install default-jre-headless)" : ""));
        else ok(std::string("program-") + var, what + ": " + at);
    }
    (void)c;
    return out;
}

int run(Context& c) {
    Server s = server(c);
    fs::path dist;
    if (auto v = c.value("dist")) {
        dist = fs::absolute(std::string(*v));
        if (!fs::is_directory(dist / "etc"))
            throw Error(OMERO_EXIT_FILE_NOT_FOUND, dist.string() + " is not a server distribution (no etc/)");
    }
    std::vector<Finding> f = findings(c, s, dist);
    size_t problems = 0;
    json items = json::array();
    for (const Finding& x : f) {
        problems += x.status != "ok";
        items.push_back({{"check", x.check}, {"status", x.status}, {"message", x.message}});
        if (!c.json()) (x.status == "ok" ? c.out("ok       ") : c.out("PROBLEM  ")), c.out(x.message + "\n");
    }
    if (c.json()) c.emit_json(json{{"event", "result"}, {"schema", 1}, {"ok", problems == 0}, {"checks", items}}.dump());
    if (problems)
        throw Error(OMERO_EXIT_FAILURE, std::to_string(problems) + " problem(s) would stop 'omero admin start' (above)");
    return 0;
}

}  // namespace

Command check_command() {
    return {.path = "admin check",
            .summary = "Check, read-only, what 'admin start' needs: data dir, ports, IceGrid's programs",
            .help = "omero.data.dir exists and is writable by the account IceGrid runs the servers as (nobody\n"
                    "when the node runs as root); the registry and client ports are free or this server's;\n"
                    "icegridnode and glacier2router are on PATH; the programs the application descriptor\n"
                    "runs (${JAVA}, ${PYTHON}) exist. --dist DIR reads the descriptor of another\n"
                    "distribution (the release an upgrade is about to start). Exit 0, or 1 with each problem.",
            .options = {{.name = "dist", .value_name = "DIR", .help = "the distribution whose descriptor to read (default $OMERODIR)",
                         .type = OMERO_VALUE_PATH},
                        omero::sdk::json_option()},
            .flags = OMERO_CMD_NEEDS_SERVER_DIR,
            .run = run};
}

}  // namespace omero::admin
