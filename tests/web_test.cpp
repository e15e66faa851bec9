// The web plugin against the real components: Debian's gunicorn and Django
// running a stand-in OMERO.web (tests/web/omeroweb), nginx and Apache started
// on free loopback ports from the files `omero web config` generates, and
// omero-web's own reference outputs for the generators.
#include "run.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <thread>

namespace fs = std::filesystem;
using namespace omero::test;

namespace {

const char* kPython = "/usr/bin/python3";  // Debian's, with python3-django and gunicorn

struct Http {
    int status = 0;
    std::string body;
};

// One HTTP/1.0 GET on loopback; status 0 when nothing answered.
Http get(int port, const std::string& path) {
    Http h;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);  // not inherited by omero
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(fd);
        return h;
    }
    std::string req = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
    send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    std::string got;
    char buf[4096];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) got.append(buf, static_cast<size_t>(n));
    close(fd);
    if (got.size() > 12 && got.compare(0, 5, "HTTP/") == 0) h.status = std::atoi(got.c_str() + got.find(' ') + 1);
    if (auto end = got.find("\r\n\r\n"); end != std::string::npos) h.body = got.substr(end + 4);
    return h;
}

fs::path which(const std::string& name) {
    for (const char* d : {"/usr/sbin", "/usr/bin", "/sbin", "/bin"})
        if (access((fs::path(d) / name).c_str(), X_OK) == 0) return fs::path(d) / name;
    return {};
}

// A server directory with the stand-in OMERO.web (a copy, so tests may
// change its static files) and a free application server port.
class WebTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(run(kPython, {"-c", "import django, gunicorn"}).code, 0)
            << kPython << " lacks Django or gunicorn: run scripts/install-deps.sh (python3-django, gunicorn)";
        // nginx and Apache workers run as nobody when started by root: they must read these files.
        chmod(tmp.path().c_str(), 0755);
        dir = tmp / "OMERO.server";
        fs::create_directories(dir / "etc" / "grid");
        fs::create_directories(dir / "etc" / "templates" / "error");
        fs::create_directories(dir / "var" / "log");
        write_file(dir / "etc" / "templates" / "error" / "maintainance.html",
                   "<html>OMERO is down for maintenance</html>\n");
        fs::copy(source_dir() / "tests" / "web", tmp / "py", fs::copy_options::recursive);
        port = free_port();
        set("omero.web.python", kPython);
        set("omero.web.application_server.port", std::to_string(port));
    }
    void TearDown() override {
        omero({"web", "stop", "--wait", "10"});
        for (auto& stop : stops) stop();
    }
    Result omero(std::vector<std::string> args, std::map<std::string, std::optional<std::string>> env = {}) {
        env["OMERODIR"] = dir.string();
        if (!env.count("PYTHONPATH")) env["PYTHONPATH"] = (tmp / "py").string();
        return run(omero_exe(), args, {.env = env});
    }
    void set(const std::string& k, const std::optional<std::string>& v) {
        std::vector<std::string> a = {"config", "set", k};
        if (v) a.push_back(*v);
        ASSERT_EQ(omero(a).code, 0);
    }
    // Runs a daemon through sh, its output in a file (it must not hold our pipes).
    void daemon(const std::string& cmd, const std::string& stop_cmd) {
        Result r = run("/bin/sh", {"-c", cmd + " >" + (dir / "var/log/daemon.out").string() + " 2>&1"});
        ASSERT_EQ(r.code, 0) << cmd << "\n" << read_file(dir / "var/log/daemon.out");
        stops.push_back([stop_cmd] { run("/bin/sh", {"-c", stop_cmd + " >/dev/null 2>&1"}); });
    }
    int nginx(const std::string& form, std::vector<std::string> extra = {}) {
        fs::path ngx = which("nginx");
        EXPECT_FALSE(ngx.empty()) << "nginx is not installed (scripts/install-deps.sh)";
        int http = free_port();
        fs::path conf = dir / "etc" / (form + ".conf");
        std::vector<std::string> args = {"web", "config", form, "--http", std::to_string(http), "-o", conf.string()};
        args.insert(args.end(), extra.begin(), extra.end());
        Result g = omero(args);
        EXPECT_EQ(g.code, 0) << g.err;
        fs::path main = conf;
        std::string t = (dir / "var" / "nginx_tmp").string();
        fs::create_directories(t);
        fs::copy_file("/etc/nginx/mime.types", dir / "etc" / "mime.types", fs::copy_options::overwrite_existing);
        if (form != "nginx-development") {
            main = dir / "etc" / "nginx-main.conf";
            std::string body = form == "nginx" ? "include " + conf.string() + ";\n"
                                               : "server {\nlisten 127.0.0.1:" + std::to_string(http) + ";\ninclude " +
                                                     conf.string() + ";\n}\n";
            write_file(main, "pid " + (dir / "var/pid.nginx").string() + ";\nerror_log " +
                                 (dir / "var/log/nginx_error.log").string() + ";\nevents {}\nhttp {\ninclude " +
                                 (dir / "etc/mime.types").string() + ";\nclient_body_temp_path " + t +
                                 ";\nproxy_temp_path " + t + ";\nfastcgi_temp_path " + t + ";\nuwsgi_temp_path " + t +
                                 ";\nscgi_temp_path " + t + ";\naccess_log off;\n" + body + "}\n");
        }
        std::string cmd = ngx.string() + " -e " + (dir / "var/log/nginx_start.log").string() + " -c " + main.string();
        daemon(cmd, cmd + " -s stop");
        wait_for(http);
        return http;
    }
    int apache(const std::string& form) {
        fs::path httpd = which("apache2");
        EXPECT_FALSE(httpd.empty()) << "apache2 is not installed (scripts/install-deps.sh)";
        int http = free_port();
        fs::path site = dir / "etc" / (form + ".conf");
        Result g = omero({"web", "config", form, "--http", std::to_string(http), "-o", site.string()});
        EXPECT_EQ(g.code, 0) << g.err;
        std::string v = (dir / "var").string(), m = "/usr/lib/apache2/modules";
        // A pid file per form: an Apache being stopped must not make the next
        // `-k start` answer "already running".
        std::string pid = v + "/httpd-" + form + ".pid";
        std::string conf = "ServerRoot " + v + "\nDefaultRuntimeDir " + v + "\nPidFile " + pid + "\nErrorLog " + v +
                           "/log/apache_error.log\nServerName localhost\n";
        if (geteuid() == 0) conf += "User nobody\nGroup nogroup\n";
        for (const char* mod : {"mpm_event", "authz_core", "alias", "headers", "proxy", "proxy_http"})
            conf += std::string("LoadModule ") + mod + "_module " + m + "/mod_" + mod + ".so\n";
        conf += "Listen 127.0.0.1:" + std::to_string(http) + "\n";
        conf += form == "apache"
                    ? "Include " + site.string() + "\n"
                    : "<VirtualHost *:" + std::to_string(http) + ">\nInclude " + site.string() + "\n</VirtualHost>\n";
        fs::path main = dir / "etc" / ("httpd-" + form + ".conf");
        write_file(main, conf);
        std::string cmd = httpd.string() + " -f " + main.string() + " -k ";
        // Stopped means gone: wait (bounded) for its pid file to go.
        daemon(cmd + "start", cmd + "stop; for i in $(seq 100); do [ -e " + pid + " ] || break; sleep 0.1; done");
        wait_for(http);
        return http;
    }
    static void wait_for(int port) {
        for (int i = 0; i < 400 && get(port, "/").status == 0; ++i)  // up to 20 s on a loaded machine
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }

    TempDir tmp;
    fs::path dir;
    int port = 0;
    std::vector<std::function<void()>> stops;
};

// --- generators -----------------------------------------------------------

std::string reference(const std::string& name) {
    fs::path f = shared_dir() / "omero-etc/omero-web/test/unit/reference_templates" / name;
    if (!fs::exists(f)) return "";
    return read_file(f);
}

TEST_F(WebTest, NginxFormsAreOmeroWebsReferenceOutputsByteForByte) {
    if (shared_dir().empty()) GTEST_SKIP() << "../shared is not there";
    // omero-web's settings for its reference outputs; ROOT is the server dir.
    set("omero.web.static_root", "/home/omero/OMERO.server/lib/python/omeroweb/static");
    set("omero.web.application_server.port", "4080");
    auto ours = [&](const std::string& form, std::vector<std::string> extra) {
        std::vector<std::string> a = {"web", "config", form};
        a.insert(a.end(), extra.begin(), extra.end());
        Result r = omero(a);
        EXPECT_EQ(r.code, 0) << r.err;
        return std::regex_replace(r.out, std::regex(dir.string()), "/home/omero/OMERO.server");
    };
    for (std::string form : {"nginx", "nginx-development", "nginx-location"}) {
        std::string ref = reference(form + ".conf");
        ASSERT_FALSE(ref.empty());
        // The reference files end with one more newline than the CLI prints (omero-web's test writes it).
        EXPECT_EQ(ours(form, {"--as-omero-web"}) + "\n", ref) << form;
        // Ours has exactly one line more: the maintenance page's error_page in @proxy_to_app.
        std::string fixed = ours(form, {});
        std::string line = fixed.substr(fixed.find("proxy_buffering off;\n") + 21);
        line = line.substr(0, line.find('\n') + 1);
        EXPECT_NE(line.find("error_page 502 @maintenance;"), std::string::npos) << line;
        std::string without = fixed;
        without.erase(fixed.find(line, fixed.find("proxy_buffering off;")), line.size());
        EXPECT_EQ(without + "\n", ref) << form;
    }
    set("omero.web.prefix", "/test");
    set("omero.web.static_url", "/test-static/");
    set("omero.web.application_server.host", "0.0.0.0");
    set("omero.web.application_server.port", "12345");
    set("omero.web.nginx_server_extra_config",
        R"(["listen 443 ssl;","ssl_certificate /dummy/fullchain.pem;","ssl_certificate_key /dummy/private.key;"])");
    for (std::string form : {"nginx", "nginx-development", "nginx-location"}) {
        std::string ref = reference(form + "-withoptions.conf");
        ASSERT_FALSE(ref.empty());
        EXPECT_EQ(
            ours(form, {"--as-omero-web", "--http", "1234", "--servername", "omeroweb.host", "--max-body-size", "2m"}) +
                "\n",
            ref)
            << form;
    }
}

TEST_F(WebTest, ConfigErrorsAreTheReferencesExitCodes) {
    EXPECT_EQ(omero({"web", "config", "lighttpd"}).code, 2);
    Result conflict = omero({"web", "config", "nginx", "--http", std::to_string(port)});
    EXPECT_EQ(conflict.code, 166) << conflict.err;  // 678 % 256
    EXPECT_NE(
        conflict.err.find("Port conflict: HTTP(" + std::to_string(port) + ") and wsgi(" + std::to_string(port) + ")"),
        std::string::npos);
    EXPECT_EQ(omero({"web", "config", "nginx", "--max-body-size", "lots"}).code, 2);
    EXPECT_EQ(omero({"web", "config", "nginx", "--servername", "a;b"}).code, 2);
    set("omero.web.prefix", "/x; deny all");
    Result bad = omero({"web", "config", "nginx"});
    EXPECT_EQ(bad.code, 1);
    EXPECT_NE(bad.err.find("omero.web.prefix"), std::string::npos) << bad.err;
    set("omero.web.prefix", std::nullopt);
    set("omero.web.application_server", "development");
    Result type = omero({"web", "config", "nginx"});
    EXPECT_EQ(type.code, 167) << type.err;  // 679 % 256
    // -o writes atomically and keeps the old file.
    set("omero.web.application_server", std::nullopt);
    fs::path out = tmp / "site.conf";
    write_file(out, "old\n");
    ASSERT_EQ(omero({"web", "config", "nginx", "-o", out.string()}).code, 0);
    EXPECT_EQ(read_file(tmp / ".site.conf.bak"), "old\n");
    EXPECT_NE(read_file(out).find("upstream omeroweb"), std::string::npos);
    // Debian's layout: the link stays, its target is written, and nothing an
    // `include sites-enabled/*` would load appears beside it.
    fs::create_directories(tmp / "sites-available");
    fs::create_directories(tmp / "sites-enabled");
    write_file(tmp / "sites-available/omero", "old\n");
    fs::create_symlink("../sites-available/omero", tmp / "sites-enabled/omero");
    ASSERT_EQ(omero({"web", "config", "nginx", "-o", (tmp / "sites-enabled/omero").string()}).code, 0);
    EXPECT_TRUE(fs::is_symlink(tmp / "sites-enabled/omero"));
    EXPECT_NE(read_file(tmp / "sites-available/omero").find("upstream omeroweb"), std::string::npos);
    std::vector<std::string> loaded;
    for (const auto& e : fs::directory_iterator(tmp / "sites-enabled"))
        if (e.path().filename().string()[0] != '.') loaded.push_back(e.path().filename().string());
    EXPECT_EQ(loaded, std::vector<std::string>{"omero"});
    // A file the installed nginx refuses replaces nothing.
    set("omero.web.nginx_server_extra_config", R"(["no_such_directive on;"])");
    std::string before = read_file(tmp / "sites-available/omero");
    EXPECT_EQ(omero({"web", "config", "nginx", "-o", (tmp / "sites-enabled/omero").string()}).code, 168);
    EXPECT_EQ(read_file(tmp / "sites-available/omero"), before);
}

TEST_F(WebTest, EveryFormPassesTheRealServersCheck) {
    set("omero.web.prefix", "/omero");
    fs::copy_file("/etc/nginx/mime.types", dir / "etc" / "mime.types");
    fs::create_directories(dir / "var" / "nginx_tmp");
    for (std::string form : {"nginx", "nginx-development", "nginx-location", "apache", "apache-location"}) {
        Result r = omero({"web", "config", form, "--check", "--http", std::to_string(free_port())});
        EXPECT_EQ(r.code, 0) << form << "\n" << r.err;
        EXPECT_NE(r.err.find("the configuration is valid"), std::string::npos) << r.err;
    }
    // A file the server refuses is named with what it said.
    set("omero.web.nginx_server_extra_config", R"(["no_such_directive on;"])");
    Result r = omero({"web", "config", "nginx", "--check"});
    EXPECT_EQ(r.code, 168) << r.err;
    EXPECT_NE(r.err.find("no_such_directive"), std::string::npos) << r.err;
}

// --- the application server ----------------------------------------------

TEST_F(WebTest, StartStatusThroughNginxStop) {
    int http = nginx("nginx-development");
    Result start = omero({"web", "start"});
    ASSERT_EQ(start.code, 0) << start.out << start.err;
    EXPECT_EQ(start.out, "Starting OMERO.web... [OK]\n");
    Result status = omero({"web", "status"});
    EXPECT_EQ(status.code, 0);
    EXPECT_NE(status.out.find("OMERO.web status... [RUNNING] (PID "), std::string::npos) << status.out;
    // Through nginx: the application, and a static file collected by start.
    Http app = get(http, "/webclient/");
    EXPECT_EQ(app.status, 200);
    EXPECT_NE(app.body.find("OMERO.web stand-in SCRIPT_NAME= PATH=/webclient/"), std::string::npos) << app.body;
    Http css = get(http, "/static/webclient/css/app.css");
    EXPECT_EQ(css.status, 200);
    EXPECT_NE(css.body.find("webclient stand-in"), std::string::npos);
    // Twice: the reference's 606.
    Result again = omero({"web", "start"});
    EXPECT_EQ(again.code, 94) << again.err;  // 606 % 256
    EXPECT_NE(again.err.find("already started"), std::string::npos);
    Result stop = omero({"web", "stop"});
    EXPECT_EQ(stop.code, 0) << stop.err;
    EXPECT_NE(stop.out.find("Stopping OMERO.web... [OK]"), std::string::npos);
    EXPECT_FALSE(fs::exists(dir / "var" / "django.pid"));
    EXPECT_EQ(omero({"web", "status"}).code, 1);
    EXPECT_EQ(omero({"web", "stop"}).code, 0);  // not running is not an error
    // Down: nginx serves the maintenance page (with 502).
    Http down = get(http, "/webclient/");
    EXPECT_EQ(down.status, 502);
    EXPECT_NE(down.body.find("OMERO is down for maintenance"), std::string::npos) << down.body;
}

TEST_F(WebTest, PrefixThroughNginxServerAndLocationForms) {
    set("omero.web.prefix", "/omero");
    ASSERT_EQ(omero({"web", "start"}).code, 0);
    for (std::string form : {"nginx", "nginx-location"}) {
        int http = nginx(form);
        Http app = get(http, "/omero/webclient/");
        EXPECT_EQ(app.status, 200) << form;
        EXPECT_NE(app.body.find("SCRIPT_NAME=/omero PATH=/omero/webclient/"), std::string::npos) << app.body;
        EXPECT_EQ(get(http, "/static/webgateway/js/gateway.js").status, 200) << form;
        for (auto& stop : stops) stop();
        stops.clear();
    }
}

TEST_F(WebTest, ApacheServesTheAppStaticFilesAndTheMaintenancePage) {
    set("omero.web.prefix", "/omero");
    for (std::string form : {"apache", "apache-location"}) {
        int http = apache(form);
        ASSERT_EQ(omero({"web", "start", "--keep-sessions"}).code, 0);
        Http app = get(http, "/omero/webclient/");
        EXPECT_EQ(app.status, 200) << form;
        EXPECT_NE(app.body.find("SCRIPT_NAME=/omero PATH=/omero/webclient/"), std::string::npos) << app.body;
        Http css = get(http, "/static/webclient/css/app.css");
        EXPECT_EQ(css.status, 200) << form;
        ASSERT_EQ(omero({"web", "stop"}).code, 0);
        Http down = get(http, "/omero/");
        EXPECT_EQ(down.status, 503) << form;  // mod_proxy: backend refused
        EXPECT_NE(down.body.find("OMERO is down for maintenance"), std::string::npos) << down.body;
        for (auto& stop : stops) stop();
        stops.clear();
    }
}

TEST_F(WebTest, StalePidFileIsRemovedWithAWarning) {
    write_file(dir / "var" / "django.pid", "999999\n");
    Result status = omero({"web", "status"});
    EXPECT_EQ(status.code, 1);
    EXPECT_NE(status.out.find("[NOT STARTED]"), std::string::npos);
    // A live pid that is not gunicorn (ours) is stale too: never signalled.
    write_file(dir / "var" / "django.pid", std::to_string(getpid()) + "\n");
    Result start = omero({"web", "start"});
    ASSERT_EQ(start.code, 0) << start.err;
    EXPECT_NE(start.err.find("WARNING: Removed stale " + (dir / "var" / "django.pid").string()), std::string::npos)
        << start.err;
    EXPECT_EQ(omero({"web", "status"}).code, 0);
}

TEST_F(WebTest, GunicornMissingFromThePythonOnPath) {
    // python3 on PATH without site packages: no gunicorn (and no Django).
    fs::path bin = tmp / "bin";
    fs::create_directories(bin);
    write_file(bin / "python3", std::string("#!/bin/sh\nexec ") + kPython + " -S \"$@\"\n");
    fs::permissions(bin / "python3", fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
    set("omero.web.python", std::nullopt);
    Result r = omero({"web", "start"}, {{"PATH", bin.string() + ":/usr/bin:/bin"}});
    EXPECT_EQ(r.code, 178) << r.err;  // 690 % 256
    EXPECT_NE(r.err.find("gunicorn cannot be imported"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "var" / "static")) << "nothing may change before the check";
    Result sync = omero({"web", "syncmedia"}, {{"PATH", bin.string() + ":/usr/bin:/bin"}});
    EXPECT_EQ(sync.code, 95) << sync.err;
    EXPECT_NE(sync.err.find("Django cannot be imported"), std::string::npos) << sync.err;
    // An interpreter that does not exist is named.
    set("omero.web.python", (tmp / "nope" / "python").string());
    Result none = omero({"web", "start"});
    EXPECT_EQ(none.code, 95);
    EXPECT_NE(none.err.find((tmp / "nope" / "python").string()), std::string::npos) << none.err;
}

TEST_F(WebTest, AFailedBootSaysWhyAndLeavesNothingRunning) {
    set("omero.web.standin.fail_boot", "true");
    Result r = omero({"web", "start", "--wait", "20"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("[FAILED]"), std::string::npos);
    EXPECT_NE(r.err.find("stand-in told to fail at boot"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("OMEROweb-gunicorn.log"), std::string::npos) << r.err;
    EXPECT_EQ(omero({"web", "status"}).code, 1);
}

TEST_F(WebTest, APortHeldByAnotherProcessIsNamed) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);  // not inherited by omero
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    listen(fd, 1);
    Result r = omero({"web", "start"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("port " + std::to_string(port)), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("PID " + std::to_string(getpid())), std::string::npos) << r.err;
    Result d = omero({"web", "diagnostics", "--no-logs", "--frontend", "/dev/null"});
    EXPECT_EQ(d.code, 1);
    EXPECT_NE(d.out.find("in use by PID " + std::to_string(getpid())), std::string::npos) << d.out;
    close(fd);
}

TEST_F(WebTest, SyncmediaCopiesNewFilesRemovesStaleOnesAndNginxServesThem) {
    Result first = omero({"web", "syncmedia"});
    ASSERT_EQ(first.code, 0) << first.err;
    EXPECT_NE(first.out.find("2 copied, 0 unchanged, 0 removed"), std::string::npos) << first.out;
    int http = nginx("nginx-development");
    // A new release: one file changes, one is new, one is gone.
    fs::path statics = tmp / "py" / "omeroweb" / "webclient" / "static" / "webclient";
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // a newer mtime
    write_file(statics / "css" / "app.css", "body { color: red; } /* release 2 */\n");
    write_file(statics / "new.js", "var release = 2;\n");
    fs::remove(tmp / "py" / "omeroweb" / "webgateway" / "static" / "webgateway" / "js" / "gateway.js");
    EXPECT_EQ(get(http, "/static/webclient/new.js").status, 404);
    Result sync = omero({"web", "syncmedia", "--json"});
    ASSERT_EQ(sync.code, 0) << sync.err;
    auto j = nlohmann::json::parse(sync.out);
    EXPECT_EQ(j["copied"], 2);
    EXPECT_EQ(j["unchanged"], 0);
    EXPECT_EQ(j["removed"], 1);
    Http fresh = get(http, "/static/webclient/new.js");
    EXPECT_EQ(fresh.status, 200);
    EXPECT_EQ(fresh.body, "var release = 2;\n");
    EXPECT_NE(get(http, "/static/webclient/css/app.css").body.find("release 2"), std::string::npos);
    EXPECT_EQ(get(http, "/static/webgateway/js/gateway.js").status, 404);
    // A static root that is more than static files is refused: the server's
    // directory, by its real path too (a symlink to it), or its lib/.
    set("omero.web.static_root", dir.string());
    EXPECT_EQ(omero({"web", "syncmedia"}).code, 1);
    fs::create_directory_symlink(dir, tmp / "looks-harmless");
    set("omero.web.static_root", (tmp / "looks-harmless").string());
    Result link = omero({"web", "syncmedia"});
    EXPECT_EQ(link.code, 1) << link.out;
    EXPECT_NE(link.err.find("the server's directory"), std::string::npos) << link.err;
    fs::create_directories(dir / "lib");
    write_file(dir / "lib" / "keep.jar", "jar\n");
    set("omero.web.static_root", (dir / "lib").string());
    EXPECT_EQ(omero({"web", "syncmedia"}).code, 1);
    EXPECT_TRUE(fs::exists(dir / "etc/grid/config.xml"));
    EXPECT_TRUE(fs::exists(dir / "lib/keep.jar"));
    // A directory shared with another site: its files are not ours, never removed.
    fs::path shared = tmp / "shared-static";
    fs::create_directories(shared / "othersite");
    write_file(shared / "othersite" / "logo.png", "png\n");
    set("omero.web.static_root", shared.string());
    Result both = omero({"web", "syncmedia", "--json"});
    ASSERT_EQ(both.code, 0) << both.err;
    EXPECT_EQ(nlohmann::json::parse(both.out)["removed"], 0) << both.out;
    EXPECT_TRUE(fs::exists(shared / "othersite" / "logo.png"));
    EXPECT_TRUE(fs::exists(shared / "webclient" / "new.js"));
}

TEST_F(WebTest, DiagnosticsNamesTheStaleAliasAndNeverCrashes) {
    // A never-started, never-synced server: items, no crash.
    Result fresh = omero({"web", "diagnostics", "--json", "--frontend", "/dev/null"});
    EXPECT_EQ(fresh.code, 1) << fresh.err;  // the static files are missing
    EXPECT_NE(fresh.out.find("\"name\":\"static files\""), std::string::npos) << fresh.out;
    ASSERT_EQ(omero({"web", "syncmedia"}).code, 0);
    // The site file still points at the previous distribution's static files.
    fs::path site = tmp / "omero.conf";
    write_file(site,
               "server {\n  listen 80;\n  location /static {\n    alias "
               "/opt/OMERO.server-5.3/lib/python/omeroweb/static;\n  }\n}\n");
    Result stale = omero({"web", "diagnostics", "--no-logs", "--frontend", site.string()});
    EXPECT_EQ(stale.code, 1);
    EXPECT_NE(stale.out.find("/opt/OMERO.server-5.3/lib/python/omeroweb/static"), std::string::npos) << stale.out;
    EXPECT_NE(stale.out.find(site.string() + ":4"), std::string::npos) << stale.out;
    // Regenerated: all is well.
    ASSERT_EQ(omero({"web", "config", "nginx", "-o", site.string()}).code, 0);
    Result good = omero({"web", "diagnostics", "--no-logs", "--json", "--frontend", site.string()});
    EXPECT_EQ(good.code, 0) << good.out;
    bool found = false;
    for (size_t at = 0, nl; (nl = good.out.find('\n', at)) != std::string::npos; at = nl + 1) {
        auto item = nlohmann::json::parse(good.out.substr(at, nl - at));
        if (item["name"] == "front end") found = item["status"] == "ok";
    }
    EXPECT_TRUE(found) << good.out;
}

TEST_F(WebTest, RestartAndClearsessions) {
    ASSERT_EQ(omero({"web", "start", "--workers", "2"}).code, 0);
    Result r = omero({"web", "restart"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("Stopping OMERO.web... [OK]"), std::string::npos);
    EXPECT_NE(r.out.find("Starting OMERO.web... [OK]"), std::string::npos);
    EXPECT_EQ(get(port, "/").status, 200);
    Result c = omero({"web", "clearsessions"});
    EXPECT_EQ(c.code, 0) << c.err;
}

}  // namespace
