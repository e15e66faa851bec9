// The admin plugin on a real IceGrid 3.7 (icegridnode, glacier2router) with
// OMERO's real templates (../shared/omero-etc) and stand-ins for OMERO's
// own servers (tests/admin/standin.py): rewrite, start, status, stop,
// failures explained, the database named, a port conflict, a stale pid,
// stdin closed throughout. One process, one PostgreSQL cluster (for the
// database case), each test its own server directory and ports.
#include "cluster.hpp"
#include "run.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <regex>
#include <thread>

namespace fs = std::filesystem;
using namespace omero::test;

namespace {

const auto* const kEnv = ::testing::AddGlobalTestEnvironment(cluster_environment());

class Admin : public ::testing::Test {
protected:
    TempDir tmp;
    fs::path srv = tmp / "OMERO.server";
    int registry = 0, ssl = 0, tcp = 0;

    void SetUp() override {
        if (shared_dir().empty()) GTEST_SKIP() << "../shared is not there";
        // The node runs its servers as nobody when we are root: they write var/log.
        chmod(tmp.path().c_str(), 0755);
        fs::path etc = shared_dir() / "omero-etc" / "etc";
        fs::create_directories(srv / "etc" / "templates" / "grid");
        fs::create_directories(srv / "var" / "log");
        fs::create_directories(tmp / "data");
        chmod((srv / "var" / "log").c_str(), 0777);
        chmod((tmp / "data").c_str(), 0777);
        for (const char* f : {"master.cfg", "internal.cfg", "ice.config"})
            fs::copy_file(etc / "templates" / f, srv / "etc" / "templates" / f);
        fs::copy_file(etc / "templates" / "grid" / "templates.xml",
                      srv / "etc" / "templates" / "grid" / "templates.xml");
        fs::copy_file(etc / "omero.properties", srv / "etc" / "omero.properties");
        std::string app = read_file(source_dir() / "tests" / "admin" / "default.xml");
        app = std::regex_replace(app, std::regex("@STANDIN@"), (source_dir() / "tests" / "admin").string());
        write_file(srv / "etc" / "templates" / "grid" / "default.xml", app);
        registry = free_port();
        ssl = free_port();
        tcp = free_port();
        set("omero.ports.registry", std::to_string(registry));
        set("omero.ports.ssl", std::to_string(ssl));
        set("omero.ports.tcp", std::to_string(tcp));
        set("omero.client.icetransports", "tcp");
        set("omero.data.dir", (tmp / "data").string());
        set("omero.db.poolsize", "10");
        set("omero.glacier2.IceSSL.Protocols", "tls1_2");
    }
    void TearDown() override {
        if (fs::exists(srv / "etc" / "internal.cfg")) omero({"admin", "stop", "--wait", "20"});
        // Whatever is left (a failed test): the node by its pid file.
        if (auto pid = std::atol(read_or_empty(srv / "var" / "master" / "master.pid").c_str()); pid > 1)
            kill(pid, SIGKILL);
    }
    static std::string read_or_empty(const fs::path& p) { return fs::exists(p) ? read_file(p) : ""; }
    Result omero(std::vector<std::string> args, RunOptions o = {}) {
        o.env.emplace("OMERODIR", srv.string());
        o.env.emplace("OMERO_CONFIG", std::nullopt);
        o.env.emplace("PGPASSWORD", std::nullopt);
        return run(omero_exe(), args, o);  // stdin closed: nothing may prompt
    }
    void set(const std::string& k, const std::string& v) {
        Result r = omero({"config", "set", "--", k, v});
        ASSERT_EQ(r.code, 0) << r.err;
    }
};

std::vector<nlohmann::json> items(const std::string& out) {
    std::vector<nlohmann::json> v;
    for (size_t at = 0, nl; (nl = out.find('\n', at)) != std::string::npos; at = nl + 1)
        v.push_back(nlohmann::json::parse(out.substr(at, nl - at)));
    return v;
}

const nlohmann::json* item(const std::vector<nlohmann::json>& v, const std::string& section, const std::string& name) {
    for (const auto& i : v)
        if (i.contains("section") && i["section"] == section && i["name"] == name) return &i;
    return nullptr;
}

// --- rewrite and jvmcfg -------------------------------------------------------

TEST_F(Admin, RewriteFillsTheTokensAndWhatIce37Needs) {
    set("omero.ports.prefix", "1");
    set("omero.client.icetransports", "ssl,tcp");
    Result r = omero({"admin", "rewrite"});
    ASSERT_EQ(r.code, 0) << r.err;
    std::string internal = read_file(srv / "etc" / "internal.cfg");
    EXPECT_NE(internal.find("Ice.Default.Locator=IceGrid/Locator:tcp -h 127.0.0.1 -p 1" + std::to_string(registry)),
              std::string::npos)
        << internal;
    std::string master = read_file(srv / "etc" / "master.cfg");
    EXPECT_NE(master.find("IceGrid.Registry.Client.Endpoints=tcp -h 127.0.0.1 -p 1" + std::to_string(registry)),
              std::string::npos);
    EXPECT_NE(master.find("IceGrid.Registry.LMDB.Path=var/registry"), std::string::npos);
    EXPECT_EQ(master.find("IceGrid.Registry.Data="), std::string::npos);
    // Everything else is the template with the tokens replaced, byte for byte.
    std::string tmpl = read_file(srv / "etc" / "templates" / "master.cfg");
    tmpl = std::regex_replace(tmpl, std::regex("@omero.master.host@"), "127.0.0.1");
    tmpl = std::regex_replace(tmpl, std::regex("@omero.ports.prefix@@omero.ports.registry@"),
                              "1" + std::to_string(registry));
    tmpl = std::regex_replace(tmpl, std::regex("IceGrid.Registry.Data="), "IceGrid.Registry.LMDB.Path=");
    EXPECT_EQ(master, tmpl);
    std::string app = read_file(srv / "etc" / "grid" / "default.xml");
    EXPECT_NE(app.find("client-endpoints=\"ssl -p 1" + std::to_string(ssl) + ":tcp -p 1" + std::to_string(tcp) + "\""),
              std::string::npos);
    EXPECT_NE(app.find("-h @omero.host@"), std::string::npos);  // not a rewrite token
    EXPECT_NE(read_file(srv / "etc" / "ice.config").find("omero.port=1" + std::to_string(ssl)), std::string::npos);
    std::string templates = read_file(srv / "etc" / "grid" / "templates.xml");
    EXPECT_EQ(templates.find("MEMORY:"), std::string::npos);
    EXPECT_EQ(templates.find("@omero.glacier2.icessl@"), std::string::npos);
    EXPECT_NE(templates.find("<property name=\"IceSSL.Protocols\" value=\"tls1_2\" />"), std::string::npos);
    EXPECT_NE(templates.find("IceStormService,37:createIceStorm"), std::string::npos);
    EXPECT_EQ(templates.find('\n'), std::string::npos) << "ElementTree's layout: one line";
    // Unchanged input: nothing rewritten.
    Result again = omero({"admin", "rewrite"});
    EXPECT_NE(again.err.find("up to date"), std::string::npos) << again.err;
}

TEST_F(Admin, JvmcfgFollowsTheReferenceStrategies) {
    set("omero.jvmcfg.system_memory", "4000");
    Result r = omero({"admin", "jvmcfg"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("blitz=-Xmx600m # Settings({'system_memory': '4000'})"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("indexer=-Xmx400m"), std::string::npos);
    EXPECT_NE(r.out.find("pixeldata=-Xmx600m"), std::string::npos);
    EXPECT_NE(r.out.find("repository=-Xmx400m"), std::string::npos);
    set("omero.jvmcfg.percent.blitz", "20");
    set("omero.jvmcfg.append", "-XX:+UseG1GC -Dfoo=\"a b\"");
    r = omero({"admin", "jvmcfg"});
    EXPECT_NE(r.out.find("blitz=-Xmx800m -XX:+UseG1GC -Dfoo=a b #"), std::string::npos) << r.out;
    ASSERT_EQ(omero({"admin", "rewrite"}).code, 0);
    std::string templates = read_file(srv / "etc" / "grid" / "templates.xml");
    EXPECT_NE(templates.find("<option>-Xmx800m</option><option>-XX:+UseG1GC</option>"), std::string::npos);
    set("omero.jvmcfg.strategy", "manual");
    set("omero.jvmcfg.heap_size.indexer", "1G");
    r = omero({"admin", "jvmcfg"});
    EXPECT_NE(r.out.find("indexer=-Xmx1G"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("blitz=-Xmx512m"), std::string::npos) << r.out;
    set("omero.jvmcfg.strategy", "fancy");
    r = omero({"admin", "jvmcfg"});
    EXPECT_EQ(r.code, 11);
    EXPECT_NE(r.err.find("Bad strategy: fancy"), std::string::npos) << r.err;
}

// --- start, status, stop --------------------------------------------------------

TEST_F(Admin, StartStatusStopRoundTrip) {
    EXPECT_EQ(omero({"admin", "status"}).code, 62);  // no internal.cfg yet: 574 % 256
    Result start = omero({"admin", "start", "--wait", "60"});
    ASSERT_EQ(start.code, 0) << start.out << start.err;
    EXPECT_EQ(omero({"admin", "status"}).code, 0);
    EXPECT_EQ(omero({"admin", "status", "--nodeonly"}).code, 0);
    Result list = omero({"admin", "ice", "server", "list"});
    EXPECT_EQ(list.code, 0) << list.err;
    EXPECT_NE(list.out.find("Blitz-0"), std::string::npos) << list.out;
    Result again = omero({"admin", "start"});
    EXPECT_EQ(again.code, 108) << again.err;  // 876 % 256
    EXPECT_NE(again.err.find("Server already running"), std::string::npos);
    // rewrite and deploy work on a live node.
    EXPECT_EQ(omero({"admin", "rewrite"}).code, 0);
    Result deploy = omero({"admin", "deploy"});
    EXPECT_EQ(deploy.code, 0) << deploy.err;
    Result stop = omero({"admin", "stop", "--wait", "30"});
    EXPECT_EQ(stop.code, 0) << stop.err;
    EXPECT_EQ(omero({"admin", "status"}).code, 1);
    Result stopped = omero({"admin", "stop"});
    EXPECT_EQ(stopped.code, 1);
    EXPECT_NE(stopped.err.find("Server not running"), std::string::npos);
}

TEST_F(Admin, RestartAndAStalePidFile) {
    fs::create_directories(srv / "var" / "master");
    write_file(srv / "var" / "master" / "master.pid", "999999\n");
    Result start = omero({"admin", "start", "--wait", "60"});
    ASSERT_EQ(start.code, 0) << start.err;
    EXPECT_NE(start.err.find("Removed stale"), std::string::npos) << start.err;
    Result restart = omero({"admin", "restart", "--wait", "60"});
    EXPECT_EQ(restart.code, 0) << restart.out << restart.err;
    EXPECT_EQ(omero({"admin", "status"}).code, 0);
}

TEST_F(Admin, AServerThatFailsToActivateIsNamedWithItsLog) {
    set("omero.standin.fail", "Blitz-0");
    Result start = omero({"admin", "start", "--wait", "15"});
    EXPECT_EQ(start.code, 43) << start.out << start.err;
    EXPECT_NE(start.err.find("Failed to startup some components after 15 seconds"), std::string::npos) << start.err;
    EXPECT_NE(start.err.find("Blitz-0:"), std::string::npos) << start.out << "\n---\n" << start.err;
    EXPECT_NE(start.err.find("told to fail"), std::string::npos) << start.err;
    EXPECT_NE(start.out.find("Calling \"stop\" on remaining components"), std::string::npos);
    EXPECT_EQ(omero({"admin", "status", "--nodeonly"}).code, 1) << "the node was stopped";
}

TEST_F(Admin, APortHeldByAnotherProcessIsNamed) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);  // not inherited by omero
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(tcp));
    a.sin_addr.s_addr = htonl(INADDR_ANY);  // where Glacier2's "tcp -p N" binds
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    listen(fd, 1);
    Result start = omero({"admin", "start", "--wait", "15"});
    EXPECT_EQ(start.code, 43) << start.err;
    EXPECT_NE(start.err.find("port " + std::to_string(tcp) + " (tcp) is in use by PID " + std::to_string(getpid())),
              std::string::npos)
        << start.err;
    close(fd);
}

TEST_F(Admin, TheDatabaseAtTheWrongVersionIsNamedWithTheFix) {
    // A database one hop behind what the server expects (the project's demo SQL tree).
    fs::copy(source_dir() / "sql", srv / "sql", fs::copy_options::recursive);
    std::string db = "admin" + std::to_string(getpid());
    set("omero.db.host", "127.0.0.1");
    set("omero.db.port", cluster().port);
    set("omero.db.name", db);
    set("omero.db.pass", cluster().password);
    RunOptions o;
    o.env.emplace("OMERO_ROOT_PASSWORD", "x");
    ASSERT_EQ(omero({"db", "init", "--version", "OMERO1.0", "--patch", "0"}, o).code, 0);
    set("omero.db.version", "OMERO1.1");
    set("omero.db.patch", "0");
    set("omero.standin.fail", "Blitz-0");  // as Blitz does when the database is not at its version
    Result start = omero({"admin", "start", "--wait", "10"});
    EXPECT_EQ(start.code, 43);
    EXPECT_NE(start.err.find("database: at OMERO1.0__0, this server needs OMERO1.1__0; run: omero db upgrade"),
              std::string::npos)
        << start.err;
    // Diagnostics names it too, with the cluster's free space (it is local).
    Result d = omero({"admin", "diagnostics", "--json", "--no-logs"});
    auto v = items(d.out);
    ASSERT_NE(item(v, "Database", "status"), nullptr) << d.out << d.err;
    EXPECT_EQ((*item(v, "Database", "status"))["value"], "at OMERO1.0__0, needs OMERO1.1__0");
}

TEST_F(Admin, NeverPromptsAndNamesWhatItCannotUse) {
    // A missing data directory: 8, named, before anything starts.
    set("omero.data.dir", (tmp / "nope").string());
    Result r = omero({"admin", "start", "--wait", "10"});
    EXPECT_EQ(r.code, 8) << r.err;
    EXPECT_NE(r.err.find((tmp / "nope").string()), std::string::npos) << r.err;
    set("omero.data.dir", (tmp / "data").string());
    // Under a service manager that did not set its variable: 112.
    set("omero.server.servicemanager.checkenv", "OMERO_TEST_UNSET_VAR");
    r = omero({"admin", "start"});
    EXPECT_EQ(r.code, 112) << r.err;
    EXPECT_NE(r.err.find("OMERO_TEST_UNSET_VAR"), std::string::npos);
    RunOptions o;
    o.env.emplace("OMERO_TEST_UNSET_VAR", "1");
    ASSERT_EQ(omero({"admin", "start", "--wait", "60"}, o).code, 0);
    // Without IceGridAdmin.Username/Password icegridadmin asks for them on
    // its stdin: closed, nothing hangs. Our own status uses root/ome.
    std::string cfg = read_file(srv / "etc" / "internal.cfg");
    write_file(srv / "etc" / "internal.cfg",
               std::regex_replace(cfg, std::regex("IceGridAdmin\\.[A-Za-z]+=[^\n]*\n"), ""));
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(omero({"admin", "status"}).code, 0);
    Result ice = omero({"admin", "ice", "server", "list"});
    EXPECT_NE(ice.code, 0) << ice.out << ice.err;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(30));
    write_file(srv / "etc" / "internal.cfg", cfg);
    EXPECT_EQ(omero({"admin", "stop", "--wait", "30"}, o).code, 0);
}

// --- diagnostics -----------------------------------------------------------

TEST_F(Admin, DiagnosticsOnANeverStartedServerDoesNotCrash) {
    set("omero.upgrades.url", "");
    set("omero.dta.dir", "/typo");
    // A jar like the distribution's, with its manifest.
    fs::create_directories(srv / "lib" / "server");
    ASSERT_EQ(run("/usr/bin/python3", {"-c",
                                       "import sys, zipfile\n"
                                       "with zipfile.ZipFile(sys.argv[1], 'w') as z:\n"
                                       "    z.writestr('META-INF/MANIFEST.MF', 'Manifest-Version: 1.0\\r\\n"
                                       "Implementation-Title: omero-blitz\\r\\nImplementation-Version: 5.6.3\\r\\n')\n",
                                       (srv / "lib" / "server" / "omero-blitz-5.6.3.jar").string()})
                  .code,
              0);
    // Nothing generated, nothing started, no database configured.
    Result r = omero({"admin", "diagnostics", "--json"});
    EXPECT_EQ(r.code, 1) << r.err;  // the database cannot be reached
    auto v = items(r.out);
    ASSERT_NE(item(v, "Server", "icegridnode"), nullptr) << r.out;
    EXPECT_EQ((*item(v, "Server", "icegridnode"))["value"], "not configured");
    ASSERT_NE(item(v, "Database", "status"), nullptr) << r.out;
    EXPECT_EQ((*item(v, "Database", "status"))["status"], "error");
    ASSERT_NE(item(v, "Config", "omero.dta.dir"), nullptr) << r.out;
    EXPECT_EQ((*item(v, "Upgrade", "check"))["value"], "disabled (omero.upgrades.url is empty)");
    ASSERT_NE(item(v, "Jar", "lib/server/omero-blitz-5.6.3.jar"), nullptr) << r.out;
    EXPECT_EQ((*item(v, "Jar", "lib/server/omero-blitz-5.6.3.jar"))["value"], "omero-blitz\t5.6.3\t\t");
    for (const auto& i : v)  // items, and the events of what diagnostics ran (db status)
        EXPECT_TRUE(i.contains("status") || i.contains("event")) << i.dump();
    // Text: the reference's banner and line format.
    Result text = omero({"admin", "diagnostics", "--no-logs"});
    EXPECT_NE(text.out.find("OMERO Diagnostics (admin)"), std::string::npos);
    EXPECT_NE(text.out.find("Server:     icegridnode                    not configured"), std::string::npos)
        << text.out;
}

TEST_F(Admin, DiagnosticsOfARunningServerAndAHeldPort) {
    set("omero.upgrades.url", "");
    ASSERT_EQ(omero({"admin", "start", "--wait", "60"}).code, 0);
    Result r = omero({"admin", "diagnostics", "--json", "--no-logs"});
    auto v = items(r.out);
    ASSERT_NE(item(v, "Server", "Blitz-0"), nullptr) << r.out;
    EXPECT_NE((*item(v, "Server", "Blitz-0"))["value"].get<std::string>().find("active (pid = "), std::string::npos);
    ASSERT_NE(item(v, "Ports", "OMERO TCP port"), nullptr) << r.out;
    EXPECT_EQ((*item(v, "Ports", "OMERO TCP port"))["value"], std::to_string(tcp));
    ASSERT_EQ(omero({"admin", "stop", "--wait", "30"}).code, 0);
    // Stopped, and another process on the registry port: named.
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);  // not inherited by omero
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(registry));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;  // the registry's port may still be in TIME_WAIT
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    // The stopped node may take a moment to close its socket.
    int bound = -1;
    for (int i = 0; i < 100 && (bound = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a)) != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_EQ(bound, 0);
    listen(fd, 1);
    r = omero({"admin", "diagnostics", "--json", "--no-logs"});
    v = items(r.out);
    auto* port = item(v, "Ports", "registry " + std::to_string(registry));
    ASSERT_NE(port, nullptr) << r.out;
    EXPECT_EQ((*port)["status"], "error");
    EXPECT_NE((*port)["value"].get<std::string>().find("PID " + std::to_string(getpid())), std::string::npos);
    close(fd);
}

TEST_F(Admin, TwoNodesOnLoopback) {
    set("omero.upgrades.url", "");
    set("omero.server.nodedescriptors", "master:Blitz-0,Indexer-0 worker1:Processor-0");
    ASSERT_EQ(omero({"admin", "rewrite"}).code, 0);
    std::string app = read_file(srv / "etc" / "grid" / "default.xml");
    EXPECT_NE(app.find("<node name=\"worker1\">\n      <server-instance template=\"ProcessorTemplate\" index=\"0\" "
                       "dir=\"\"/>\n    </node>"),
              std::string::npos)
        << app;
    EXPECT_NE(read_file(srv / "etc" / "worker1.cfg").find("IceGrid.Node.Name=worker1"), std::string::npos);
    Result start = omero({"admin", "start", "--wait", "60"});
    ASSERT_EQ(start.code, 0) << start.err;  // the master's servers are up; the worker is not started yet
    EXPECT_EQ(omero({"node", "worker1", "status"}).code, 1);
    Result worker = omero({"node", "worker1", "sync", "start"});
    ASSERT_EQ(worker.code, 0) << worker.err;
    EXPECT_EQ(omero({"node", "worker1", "status"}).code, 0);
    // Processor-0 runs on worker1 (activated there within a few seconds).
    bool active = false;
    for (int i = 0; i < 50 && !active; ++i) {
        auto v = items(omero({"admin", "diagnostics", "--json", "--no-logs"}).out);
        auto* p = item(v, "Server", "Processor-0");
        active = p && (*p)["value"].get<std::string>().rfind("active", 0) == 0 && (*p)["detail"] == "node worker1";
        if (!active) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_TRUE(active);
    EXPECT_EQ(omero({"node", "worker1", "sync", "stop"}).code, 0);
    EXPECT_EQ(omero({"node", "worker1", "status"}).code, 1);
    auto v = items(omero({"admin", "diagnostics", "--json", "--no-logs"}).out);
    ASSERT_NE(item(v, "Node", "worker1"), nullptr);
    EXPECT_EQ((*item(v, "Node", "worker1"))["value"], "not running");
}

// --- checkupgrade ------------------------------------------------------------

// A one-connection-at-a-time HTTP server on loopback with a canned answer.
class Registry {
public:
    explicit Registry(std::string answer, int delay_s = 0) : answer_(std::move(answer)), delay_(delay_s) {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        socklen_t len = sizeof a;
        getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        listen(fd_, 4);
        thread_ = std::thread([this] {
            int c = accept(fd_, nullptr, nullptr);
            if (c < 0) return;
            char buf[4096];
            ssize_t n = recv(c, buf, sizeof buf, 0);
            if (n > 0) request_.assign(buf, static_cast<size_t>(n));
            for (int i = 0; i < delay_ * 10 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            send(c, answer_.data(), answer_.size(), MSG_NOSIGNAL);
            close(c);
        });
    }
    ~Registry() {
        stop_ = true;
        shutdown(fd_, SHUT_RDWR);
        close(fd_);
        thread_.join();
    }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }
    const std::string& request() const { return request_; }

private:
    std::string answer_;
    int delay_, fd_ = -1, port_ = 0;
    std::atomic<bool> stop_{false};
    std::string request_;
    std::thread thread_;
};

std::string http(int status, const std::string& body) {
    return "HTTP/1.0 " + std::to_string(status) + " X\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
           body;
}

TEST_F(Admin, CheckupgradeAgainstALocalRegistry) {
    {
        Registry reg(http(200, ""));
        set("omero.upgrades.url", reg.url());
        Result r = omero({"admin", "checkupgrade"});
        EXPECT_EQ(r.code, 0) << r.err;
        EXPECT_NE(reg.request().find("User-Agent: OMERO.test"), std::string::npos) << reg.request();
        EXPECT_NE(reg.request().find("GET /?version="), std::string::npos) << reg.request();
        EXPECT_NE(reg.request().find("&os.name=Linux"), std::string::npos) << reg.request();
    }
    {
        Registry reg(http(200, "Please upgrade to 5.6.17 See https://www.openmicroscopy.org/omero/downloads/\n"));
        set("omero.upgrades.url", reg.url());
        Result r = omero({"admin", "checkupgrade"});
        EXPECT_EQ(r.code, 1);
        EXPECT_NE(r.err.find("Please upgrade to 5.6.17"), std::string::npos) << r.err;
    }
    {
        Registry reg(http(404, "<html>Not Found</html>"));
        set("omero.upgrades.url", reg.url());
        Result r = omero({"admin", "checkupgrade"});
        EXPECT_EQ(r.code, 2) << "a 404 page is not an upgrade message";
        EXPECT_NE(r.err.find("HTTP 404"), std::string::npos) << r.err;
    }
    {
        Registry reg(http(200, ""), 10);  // answers after the 6 s timeout
        set("omero.upgrades.url", reg.url());
        auto t0 = std::chrono::steady_clock::now();
        Result r = omero({"admin", "checkupgrade"});
        EXPECT_EQ(r.code, 2);
        EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(9));
    }
    set("omero.upgrades.url", "");
    Result off = omero({"admin", "checkupgrade"});
    EXPECT_EQ(off.code, 0);
    EXPECT_NE(off.err.find("disabled"), std::string::npos);
}

}  // namespace
