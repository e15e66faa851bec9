// `omero admin diagnostics`: the reference's sections and line format
// (commands, components, servers, logs, environment, ports, directories,
// JVM settings, jars) plus what it lacks: the database (through `db status`
// on the host), ports held by other processes, free space, unknown
// properties with a did-you-mean. Never crashes on a half-installed or
// never-started server; exit 1 when an item is an error; --json: one object
// per item, each with its status.
#include "admin.hpp"
#include "grid.hpp"

#include "config/defaults.hpp"
#include "util/file.hpp"
#include "util/ports.hpp"
#include "util/process.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <nlohmann/json.hpp>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <future>
#include <regex>

namespace omero::admin {

namespace {

using nlohmann::json;

struct Report {
    std::vector<json> items;
    bool problem = false;
    void add(const std::string& section, const std::string& name, const std::string& status, const std::string& value,
             const std::string& detail = "") {
        if (status == "error") problem = true;
        json i = {{"section", section}, {"name", name}, {"status", status}, {"value", value}};
        if (!detail.empty()) i["detail"] = detail;
        items.push_back(std::move(i));
    }
};

void commands(Report& r) {
    static const std::regex version(R"(\d[.\d]+\d)");
    const std::vector<std::vector<std::string>> cmds = {{"java", "-version"},         {"python3", "-V"},
                                                        {"icegridnode", "--version"}, {"icegridadmin", "--version"},
                                                        {"psql", "--version"},        {"openssl", "version"}};
    // All at once: a JVM and a Python starting one after the other are most
    // of what diagnostics would otherwise wait for.
    std::vector<std::future<std::string>> answers;
    for (const auto& cmd : cmds) {
        std::string path = find_program(cmd[0]);
        answers.push_back(std::async(std::launch::async, [path, arg = cmd[1]]() -> std::string {
            if (path.empty()) return "";
            ChildOptions o;
            o.capture_stdout = true;
            o.timeout = std::chrono::seconds(10);
            ChildResult res = run_child({path, arg}, o);
            std::smatch m;
            std::string text = res.out + res.err;
            return std::regex_search(text, m, version) ? m.str() : "unknown";
        }));
    }
    for (size_t i = 0; i < cmds.size(); ++i) {
        const auto& cmd = cmds[i];
        std::string label = cmd[0] + " " + cmd[1], path = find_program(cmd[0]), v = answers[i].get();
        if (path.empty())
            r.add("Commands", label, cmd[0] == "java" || cmd[0] == "icegridnode" ? "error" : "warn", "not found",
                  cmd[0] == "icegridnode" ? "Debian: apt install zeroc-icegrid" : "");
        else
            r.add("Commands", label, "ok", v, path);
    }
}

void servers(Report& r, const Server& s) {
    if (!fs::exists(s.internal_cfg())) {
        r.add("Server", "icegridnode", "info", "not configured", "no etc/internal.cfg: run omero admin rewrite");
        return;
    }
    Grid g(s.internal_cfg(), std::chrono::seconds(3));
    std::string why;
    if (!g.node_up(s.node, &why)) {
        if (long pid = live_node_pid(s))  // runs, but its registry does not answer: not "not started"
            r.add("Server", "icegridnode", "error", "does not answer (pid " + std::to_string(pid) + ")",
                  "stopped or hung (" + why + "): 'omero admin stop' ends it");
        else
            r.add("Server", "icegridnode", "info", "not started", why);
        return;
    }
    r.add("Server", "icegridnode", "ok", "running");
    try {
        for (const std::string& n : g.nodes())
            if (n != s.node)
                r.add("Node", n, g.node_up(n) ? "ok" : "warn", g.node_up(n) ? "running" : "not running",
                      g.node_up(n) ? "" : "start it: omero node " + n + " start");
        auto list = g.servers();
        std::sort(list.begin(), list.end(), [](auto& a, auto& b) { return a.id < b.id; });
        for (const ServerStatus& st : list) {
            std::string v = st.state + (st.pid ? " (pid = " + std::to_string(st.pid) + ", " : " (") +
                            (st.enabled ? "enabled" : "disabled") + ")";
            bool bad = st.activation == "always" && (st.state != "active" || !st.enabled);
            r.add("Server", st.id, bad ? "error" : "ok", v, st.node == s.node ? "" : "node " + st.node);
        }
        for (const AppPorts& p : g.application_ports()) {
            r.add("Ports", p.application + " SSL port", p.ssl ? "ok" : "warn", p.ssl.value_or("not found"));
            r.add("Ports", p.application + " TCP port", p.tcp ? "ok" : "warn", p.tcp.value_or("not found"));
        }
    } catch (const std::exception& e) {
        r.add("Server", "server list", "error", "cannot list the servers", e.what());
    }
}

std::string size_text(uintmax_t b) {
    char buf[32];
    if (b < 1000) return std::to_string(b) + " B";
    const char* unit[] = {"KB", "MB", "GB", "TB"};
    double v = static_cast<double>(b);
    int i = -1;
    while (v >= 1000 && i < 3) v /= 1000, ++i;
    std::snprintf(buf, sizeof buf, "%.1f %s", v, unit[i]);
    return buf;
}

void logs(Report& r, const Server& s) {
    std::error_code ec;
    if (!fs::is_directory(s.log_dir(), ec)) {
        r.add("Log dir", s.log_dir().string(), "info", "does not exist (the server never started)");
        return;
    }
    // The reference's counting expressions (its four hint expressions never
    // matched: they held a newline); case-insensitive, at the line start.
    static const std::regex warn(R"(^(-! )?[\d\-/]+\s+[\d:,.]+\s+([\w.]+:\s+)?warn(i(ng:?)?)?\s)", std::regex::icase);
    static const std::regex err(R"(^(!! )?[\d\-/]+\s+[\d:,.]+\s+([\w.]+:\s+)?error:?\s)", std::regex::icase);
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(s.log_dir(), ec))
        if (e.is_regular_file(ec)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    uintmax_t total = 0;
    for (const fs::path& f : files) {
        uintmax_t size = fs::file_size(f, ec);
        total += size;
        size_t w = 0, e = 0;
        std::ifstream in(f);
        for (std::string line; std::getline(in, line);) {
            if (std::regex_search(line, err))
                ++e;
            else if (std::regex_search(line, warn))
                ++w;
        }
        std::string v = size ? size_text(size) : "empty";
        if (e) v += " errors=" + std::to_string(e);
        if (w) v += " warnings=" + std::to_string(w);
        r.add("Log files", f.filename().string(), e ? "warn" : "ok", v);
    }
    r.add("Log files", "Total size", "ok", size_text(total));
    // Known problems in Blitz-0.log, with what to do.
    static const std::vector<std::pair<std::regex, std::string>> hints = {
        {std::regex("Server restarted"), "=> Server restarted <="},
        {std::regex("DBPatchCheck|Your database configuration is invalid|Current version:|is not the expected"),
         "The database is not at this server's version: omero db status, then omero db upgrade"},
        {std::regex("Unable to initialize: FullText"), "Did you create your omero.data.dir? E.g. /OMERO"},
        {std::regex("password authentication failed"), "Your postgres password seems to be invalid (omero.db.pass)"},
        {std::regex("role \".*\" does not exist"), "Your postgres user is invalid (omero.db.user)"},
        {std::regex("Connection refused.*(postgres|5432)|UnknownHostException"),
         "Your postgres hostname and/or port is invalid (omero.db.host, omero.db.port)"}};
    std::ifstream blitz(s.log_dir() / "Blitz-0.log");
    int no = 0;
    for (std::string line; std::getline(blitz, line);) {
        ++no;
        for (const auto& [re, hint] : hints)
            if (std::regex_search(line, re)) r.add("Parsing Blitz-0.log", "line " + std::to_string(no), "warn", hint);
    }
}

void environment(Report& r) {
    for (const char* v : {"OMERO_HOME", "OMERODIR", "OMERO_NODE", "OMERO_MASTER", "OMERO_USERDIR", "OMERO_TMPDIR",
                          "PATH", "PYTHONPATH", "ICE_HOME", "LD_LIBRARY_PATH"}) {
        const char* val = std::getenv(v);
        r.add("Environment", v, "info", val ? val : "(unset)");
    }
}

void directories(Report& r, const Server& s, const Props& p) {
    fs::path data = p.get("omero.data.dir", "/OMERO");
    auto [uid, gid, who] = server_account(s);
    std::error_code ec;
    if (!fs::is_directory(data, ec)) {
        r.add("Dirs", "OMERO data dir", "error", data.string() + " does not exist",
              "create it, writable by " + who + ", or set omero.data.dir");
    } else {
        bool w = writable_by(data, uid, gid);
        struct statvfs v {};
        std::string free = ::statvfs(data.c_str(), &v) == 0
                               ? size_text(static_cast<uintmax_t>(v.f_bavail) * v.f_frsize) + " free"
                               : "free space unknown";
        r.add("Dirs", "OMERO data dir", w ? "ok" : "error", data.string() + " (" + free + ")",
              w ? "" : "not writable by " + who + ", the account the node runs the servers as");
    }
    const char* tmpdir = std::getenv("OMERO_TMPDIR");
    const char* home = std::getenv("HOME");
    fs::path tmp = tmpdir && *tmpdir ? fs::path(tmpdir) : fs::path(home ? home : "/tmp") / "omero" / "tmp";
    r.add("Dirs", "OMERO temp dir", "info", tmp.string() + (fs::exists(tmp, ec) ? " exists" : " does not exist"));
}

void jvm(Report& r, const Server& s) {
    fs::path t = s.etc() / "grid" / "templates.xml";
    auto text = read_file_if_exists(t, size_t(16) << 20);
    if (!text) {
        r.add("JVM settings", "templates.xml", "info", "not generated yet (omero admin rewrite)");
        return;
    }
    static const std::regex server(R"re(<server id="([^"]+)"[^>]*>((?:(?!</server>).)*)</server>)re");
    static const std::regex option(R"(<option>(-Xm[sx][^<]*|-XX:[^<]*)</option>)");
    for (std::sregex_iterator i(text->begin(), text->end(), server), end; i != end; ++i) {
        std::string body = (*i)[2], opts;
        for (std::sregex_iterator o(body.begin(), body.end(), option); o != end; ++o)
            opts += (opts.empty() ? "" : " ") + (*o)[1].str();
        if (!opts.empty()) r.add("JVM settings", (*i)[1], "ok", opts);
    }
}

// The jar's META-INF/MANIFEST.MF fields, read with libarchive.
std::string manifest(const fs::path& jar) {
    archive* a = archive_read_new();
    archive_read_support_format_zip(a);
    std::string text;
    if (archive_read_open_filename(a, jar.c_str(), 65536) == ARCHIVE_OK) {
        archive_entry* e = nullptr;
        while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
            if (std::string(archive_entry_pathname(e)) != "META-INF/MANIFEST.MF") continue;
            char buf[8192];
            for (la_ssize_t n; (n = archive_read_data(a, buf, sizeof buf)) > 0 && text.size() < (1 << 20);)
                text.append(buf, static_cast<size_t>(n));
            break;
        }
    }
    archive_read_free(a);
    std::string out;
    for (const char* field :
         {"Implementation-Title", "Implementation-Version", "Implementation-Date", "Implementation-Build"}) {
        std::string key = std::string(field) + ": ", v;
        if (size_t at = text.find(key); at != std::string::npos) {
            v = text.substr(at + key.size(), text.find_first_of("\r\n", at) - at - key.size());
        }
        out += (out.empty() ? "" : "\t") + v;
    }
    return out;
}

void jars(Report& r, const Server& s, bool all) {
    static const std::regex filter(R"((formats|ome|omero)-.*\.jar)");
    std::error_code ec;
    fs::path dir = s.dir / "lib" / "server";
    if (!fs::is_directory(dir, ec)) {
        r.add("Jar", "lib/server", "info", "absent (not a server distribution?)");
        return;
    }
    std::vector<fs::path> found;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        std::string n = e.path().filename().string();
        if (e.path().extension() == ".jar" && (all || std::regex_match(n, filter))) found.push_back(e.path());
    }
    std::sort(found.begin(), found.end());
    for (const fs::path& f : found) r.add("Jar", fs::relative(f, s.dir).string(), "info", manifest(f));
}

void database(Report& r, Context& c) {
    DbStatus db = db_status(c);
    int rc = db.code;
    const json& j = db.state;
    const std::string& why = db.why;
    if (rc == OMERO_EXIT_PLUGIN_UNAVAILABLE) {
        r.add("Database", "status", "warn", "not checked", why);
        return;
    }
    std::string port = !j.contains("port")     ? ""
                       : j["port"].is_string() ? j["port"].get<std::string>()
                                               : j["port"].dump();
    std::string where = j.value("database", std::string()) + " on " + j.value("host", std::string()) + ":" + port;
    if (rc == 0)
        r.add("Database", "status", "ok", j.value("current", std::string("up to date")), where);
    else if (rc == OMERO_EXIT_DB_CONNECT)
        r.add("Database", "status", "error", "cannot connect", why.substr(0, why.find('\n')));
    else if (rc == OMERO_EXIT_DB_NOT_INITIALISED)
        r.add("Database", "status", "error", "not initialised", where + ": run omero db init");
    else if (rc == OMERO_EXIT_DB_UPGRADE_NEEDED)
        r.add("Database", "status", "error",
              "at " + j.value("current", std::string()) + ", needs " + j.value("target", std::string()),
              where + ": run omero db upgrade (omero db upgrade --dry-run shows the plan)");
    else
        r.add("Database", "status", "error",
              j.value("state", std::string("omero db status exits ") + std::to_string(rc)), why);
    // Free space where the cluster keeps its files, when it is on this machine.
    std::string host = j.value("host", std::string());
    if (j.contains("data_directory") &&
        (host.empty() || host == "localhost" || host == "127.0.0.1" || host == "::1" || host[0] == '/')) {
        std::string dir = j["data_directory"].get<std::string>();
        struct statvfs v {};
        if (::statvfs(dir.c_str(), &v) == 0) {
            uintmax_t free = static_cast<uintmax_t>(v.f_bavail) * v.f_frsize;
            r.add("Database", "data directory", free < (uintmax_t(1) << 30) ? "warn" : "ok",
                  dir + " (" + size_text(free) + " free)",
                  free < (uintmax_t(1) << 30) ? "less than 1 GB free where PostgreSQL writes" : "");
        }
    }
}

// Levenshtein distance, for the did-you-mean.
size_t distance(const std::string& a, const std::string& b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

void config_sanity(Report& r, const Server& s, const Props& p) {
    // Known: etc/omero.properties, and the server's documented families.
    std::vector<std::string> known;
    for (auto& [k, v] : config::server_defaults(s.dir)) known.push_back(k);
    static const char* families[] = {
        "omero.db.",        "omero.data.",       "omero.web.",           "omero.jvmcfg.",
        "omero.ports.",     "omero.glacier2.",   "omero.server.",        "omero.client.",
        "omero.upgrades.",  "omero.fs.",         "omero.security.",      "omero.ldap.",
        "omero.mail.",      "omero.search.",     "omero.pixeldata.",     "omero.policy.",
        "omero.sessions.",  "omero.threads.",    "omero.throttling.",    "omero.query.",
        "omero.scripts.",   "omero.tables.",     "omero.logging.",       "omero.metrics.",
        "omero.managed.",   "omero.checksum.",   "omero.launcher.",      "omero.resetpassword.",
        "omero.qa.",        "omero.cluster.",    "omero.master.",        "omero.repo.",
        "omero.process.",   "omero.jobs.",       "omero.analysis.",      "omero.export.",
        "omero.thumbnail.", "omero.throttling.", "omero.new_user_group", "omero.version",
        "omero.config.",    "omero.router.",     "omero.index.",         "omero.model.",
        "omero.name",       "omero.user",        "omero.pass",           "omero.host",
        "omero.port",       "omero.rootpass",    "omero.example",        "omero.standin."};
    for (auto& [k, v] : p.config) {
        if (k.rfind("omero.", 0) != 0) continue;
        bool ok = std::find(known.begin(), known.end(), k) != known.end();
        for (const char* f : families) ok = ok || k.rfind(f, 0) == 0;
        if (ok) continue;
        std::string best;
        size_t bd = 4;
        for (const std::string& kk : known)
            if (size_t d = distance(k, kk); d < bd) bd = d, best = kk;
        r.add("Config", k, "warn", "unknown property",
              best.empty() ? "not a property OMERO reads: a typo?" : "did you mean " + best + "?");
    }
}

void upgrade(Report& r, Context& c) {
    UpgradeCheck u = check_upgrade(c, "diagnostics");
    if (u.disabled)
        r.add("Upgrade", "check", "info", "disabled (omero.upgrades.url is empty)");
    else if (u.code == 0)
        r.add("Upgrade", "check", "ok", "no upgrade available");
    else if (u.code == 1)
        r.add("Upgrade", "check", "warn", "UPGRADE AVAILABLE", u.message);
    else
        r.add("Upgrade", "check", "warn", "check failed", u.message);
}

template <class F>
void section(Report& r, const char* name, F f) {
    try {
        f();
    } catch (const Error& e) {
        if (e.code() == OMERO_EXIT_CANCELLED) throw;
        r.add(name, "check", "error", "failed", e.what());
    } catch (const std::exception& e) {
        r.add(name, "check", "error", "failed", e.what());
    }
}

int run(Context& c) {
    Server s = server(c);
    Report r;
    Props p;
    section(r, "Config", [&] { p = read_props(s.dir); });
    section(r, "Commands", [&] { commands(r); });
    section(r, "Component", [&] {
        // omero.version is the build's, in etc/omero.properties (the defaults leave it out).
        std::string version = p.get("omero.version");
        if (version.empty()) version = properties_value(s.etc() / "omero.properties", "omero.version").value_or("");
        r.add("Component", "OMERO.server", "info", version.empty() ? "unknown" : version);
        r.add("Component", "omero (this tool)", "info", OMERO_ADMIN_PLUGIN_VERSION);
    });
    section(r, "Server", [&] { servers(r, s); });
    if (!c.flag("no-logs")) section(r, "Log files", [&] { logs(r, s); });
    section(r, "Environment", [&] { environment(r); });
    section(r, "Ports", [&] {
        for (const char* k : {"registry", "ssl", "tcp"}) {
            int n = port(p, k);
            auto who = port_listener(n);
            bool ours =
                who && (who->find("icegrid") != std::string::npos || who->find("glacier2") != std::string::npos);
            if (!who)
                r.add("Ports", std::string(k) + " " + std::to_string(n), "ok", "free (nothing listens)");
            else
                r.add("Ports", std::string(k) + " " + std::to_string(n), ours ? "ok" : "error", "in use by " + *who,
                      ours ? "" : "the server cannot listen there: stop that process or change omero.ports.*");
        }
    });
    section(r, "Dirs", [&] { directories(r, s, p); });
    section(r, "JVM settings", [&] { jvm(r, s); });
    section(r, "Jar", [&] { jars(r, s, c.flag("all-jars")); });
    section(r, "Database", [&] { database(r, c); });
    section(r, "Config", [&] { config_sanity(r, s, p); });
    section(r, "Upgrade", [&] { upgrade(r, c); });

    if (c.json()) {
        for (const json& i : r.items) c.emit_json(i.dump());
        return r.problem ? 1 : 0;
    }
    std::string out =
        "\n" + std::string(80, '=') + "\nOMERO Diagnostics (admin)\n" + std::string(80, '=') + "\n        \n";
    std::string last;
    for (const json& i : r.items) {
        std::string sec = i["section"].get<std::string>(), st = i["status"].get<std::string>();
        if (sec != last && !last.empty()) out += "\n";
        last = sec;
        char line[512];
        std::snprintf(line, sizeof line, "%-12s%-30s ", (sec + ":").c_str(), i["name"].get<std::string>().c_str());
        out += line + i["value"].get<std::string>();
        if (st == "error" || st == "warn") out += st == "error" ? "  [ERROR]" : "  [WARNING]";
        if (i.contains("detail") && (st == "error" || st == "warn"))
            out += "\n" + std::string(12, ' ') + "=> " + i["detail"].get<std::string>();
        out += "\n";
    }
    c.out(out);
    return r.problem ? 1 : 0;
}

}  // namespace

Command diagnostics_command() {
    return {.path = "admin diagnostics",
            .summary = "Check the server: commands, servers, logs, ports, directories, database, settings",
            .help =
                "The reference's sections plus the database (omero db status), ports held by other\n"
                "processes, free space, unknown properties. Exit 0 when all is well, 1 when an item is\n"
                "an error. The upgrade check runs unless omero.upgrades.url is empty.",
            .options = {{.name = "no-logs", .help = "do not read var/log"},
                        {.name = "all-jars", .help = "list every jar in lib/server, not only OMERO's"},
                        omero::sdk::json_option("one JSON object per item, each with its status")},
            .run = run};
}

}  // namespace omero::admin
