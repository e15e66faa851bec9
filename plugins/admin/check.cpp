// `omero admin check [--dist DIR]`: what `admin start` needs, checked
// read-only, so that a start that would fail is known before anything is
// stopped (`upgrade plan` asks it about the new release): the data
// directory and its owner, the ports, IceGrid's programs, and the programs
// the application descriptor runs (${JAVA}, ${PYTHON}).
#include "admin.hpp"

#include "util/check_report.hpp"
#include "util/file.hpp"
#include "util/ports.hpp"
#include "util/process.hpp"

#include <unistd.h>

namespace omero::admin {

namespace {

// A <variable name="NAME" value="..."/> of the descriptor, when it names a
// program the templates run (exe="${NAME}").
std::optional<std::string> program_variable(const std::string& descriptor, const std::string& templates,
                                            const std::string& name) {
    if (templates.find("${" + name + "}") == std::string::npos &&
        descriptor.find("${" + name + "}") == std::string::npos)
        return std::nullopt;
    size_t at = descriptor.find("name=\"" + name + "\"");
    size_t end = descriptor.find('>', at);
    size_t v = descriptor.find("value=\"", at);
    if (at == std::string::npos || v == std::string::npos || v > end) return std::nullopt;
    v += 7;
    return descriptor.substr(v, descriptor.find('"', v) - v);
}

std::vector<CheckItem> findings(const Server& s, const fs::path& dist, const std::map<std::string, std::string>& set) {
    std::vector<CheckItem> out;
    auto ok = [&](const std::string& k, const std::string& m) { out.push_back({k, "ok", m}); };
    auto bad = [&](const std::string& k, const std::string& m) { out.push_back({k, "problem", m}); };
    Props p = read_props(s.dir);
    for (const auto& [k, v] : set) p.all[k] = p.config[k] = v;

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
    else
        ok("data-dir", "omero.data.dir " + data.string() + " is writable by " + who);

    // The ports: free, or held by this server's own node and its servers.
    long node = live_node_pid(s);  // a stale pid file names no node: its pid may be reused
    for (auto& [name, n] : listen_ports(p)) {
        std::vector<long> pids;
        auto holder = port_listener(n, &pids);
        bool ours = false;
        for (long pid : pids) ours = ours || (node > 0 && (pid == node || parent_pid(pid) == node));
        if (!holder || ours)
            ok("port-" + name,
               "port " + std::to_string(n) + " (omero.ports." + name + ") is " + (ours ? "this server's" : "free"));
        else
            bad("port-" + name, "port " + std::to_string(n) + " (omero.ports." + name + ") is held by " + *holder +
                                    ", not this server: stop it, or set omero.ports." + name +
                                    " (or omero.ports.prefix) to a free port");
    }

    // IceGrid's own programs, and those the application runs.
    for (const char* prog : {"icegridnode", "glacier2router"}) {
        std::string at = find_program(prog);
        if (at.empty())
            bad(std::string("program-") + prog,
                std::string(prog) + " is not on PATH (Debian: apt install " +
                    (std::string(prog) == "icegridnode" ? "zeroc-icegrid" : "zeroc-glacier2") + ")");
        else
            ok(std::string("program-") + prog, at);
    }
    fs::path root = dist.empty() ? s.dir : dist;
    fs::path descriptor = fs::exists(root / "etc/templates/grid/default.xml", ec)
                              ? root / "etc/templates/grid/default.xml"
                              : root / "etc/grid/default.xml";
    fs::path templates = descriptor.parent_path() / "templates.xml";
    std::string d = read_file_if_exists(descriptor, 16 << 20).value_or(""),
                t = read_file_if_exists(templates, 16 << 20).value_or("");
    for (const char* var : {"JAVA", "PYTHON"}) {
        auto value = program_variable(d, t, var);
        if (!value || value->empty() || value->find_first_of("${@") != std::string::npos) continue;
        std::string what = std::string(var == std::string("JAVA") ? "the JVM" : "the Python") + " the servers run (" +
                           var + "=" + *value + " in " + fs::relative(descriptor, root).string() + ")";
        std::string at = value->find('/') != std::string::npos
                             ? (::access(value->c_str(), X_OK) == 0 ? *value : std::string())
                             : find_program(*value);
        if (at.empty())
            bad(std::string("program-") + var,
                what + " cannot be run: install it" +
                    (var == std::string("JAVA") ? " (Debian: apt install default-jre-headless)" : ""));
        else
            ok(std::string("program-") + var, what + ": " + at);
    }
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
    std::map<std::string, std::string> set;
    for (std::string_view w : c.values("set")) {
        size_t eq = w.find('=');
        if (eq == std::string_view::npos || eq == 0)
            throw Error(OMERO_EXIT_USAGE, "--set " + std::string(w) + ": give KEY=VALUE");
        set[std::string(w.substr(0, eq))] = std::string(w.substr(eq + 1));
    }
    return report_checks(c, findings(s, dist, set), "omero admin start");
}

}  // namespace

Command check_command() {
    return {.path = "admin check",
            .summary = "Check, read-only, what 'admin start' needs: data dir, ports, IceGrid's programs",
            .help =
                "omero.data.dir exists and is writable by the account IceGrid runs the servers as (nobody\n"
                "when the node runs as root); the registry and client ports are free or this server's;\n"
                "icegridnode and glacier2router are on PATH; the programs the application descriptor\n"
                "runs (${JAVA}, ${PYTHON}) exist. --dist DIR reads the descriptor of another\n"
                "distribution (the release an upgrade is about to start), --set KEY=VALUE a setting as it\n"
                "will be. Exit 0, or 1 with each problem.",
            .options = {{.name = "dist",
                         .value_name = "DIR",
                         .help = "the distribution whose descriptor to read (default $OMERODIR)",
                         .type = OMERO_VALUE_PATH},
                        {.name = "set",
                         .value_name = "KEY=VALUE",
                         .help = "check with this setting as it will be (an upgrade's planned config); may be repeated",
                         .flags = OMERO_OPT_REPEATABLE},
                        omero::sdk::json_option()},
            .flags = OMERO_CMD_NEEDS_SERVER_DIR,
            .run = run};
}

}  // namespace omero::admin
