// The main job on the demo's distributions (scripts/demo/make-dist.sh: the
// repository's own SQL tree and templates, no ../shared): a running server
// (real IceGrid with Glacier2 and the admin stand-ins), OMERO.web under
// gunicorn and nginx in Debian's layout, upgraded 1.0.0 -> 1.2.0 and rolled
// back. Every fault `upgrade plan` must foresee is seeded in turn: the plan
// and the run refuse with 27 before anything changes. And the JSON that
// `upgrade` reads from `db` is checked against its documented contract.
#include "cluster.hpp"
#include "run.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <set>
#include <thread>

namespace fs = std::filesystem;
using namespace omero::test;
using nlohmann::json;

namespace {

const auto* const kEnv = ::testing::AddGlobalTestEnvironment(cluster_environment());

class MainJob : public ::testing::Test {
protected:
    TempDir tmp;
    fs::path opt = tmp / "opt";
    fs::path omerodir = opt / "OMERO.server";
    fs::path oldd = opt / "OMERO.server-1.0.0", newd = opt / "OMERO.server-1.2.0";
    fs::path ngx = tmp / "nginx";
    fs::path site = ngx / "sites-enabled/omero";
    std::string dbname;
    int http = 0;
    std::string path_env = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin";

    void SetUp() override {
        chmod(tmp.path().c_str(), 0755);  // IceGrid runs the stand-ins as nobody when we are root
        fs::create_directories(opt);
        chmod(opt.c_str(), 0755);
        static int counter = 0;
        dbname = "m" + std::to_string(getpid()) + "_" + std::to_string(++counter);
        for (auto [rel, dir] : {std::pair{"1.0.0", oldd}, {"1.2.0", newd}}) {
            Result r = run(source_dir() / "scripts/demo/make-dist.sh", {rel, dir.string()});
            ASSERT_EQ(r.code, 0) << r.err;
            chmod((dir / "var/log").c_str(), 0777);
        }
        fs::create_directory_symlink("OMERO.server-1.0.0", omerodir);
        fs::create_directories(tmp / "data");
        chmod((tmp / "data").c_str(), 0777);
        auto settings = server_settings(dbname, tmp / "data");
        settings.insert(settings.end(), {{"omero.web.python", "/usr/bin/python3"},
                                         {"omero.upgrades.url", ""},
                                         {"omero.web.application_server.port", std::to_string(free_port())}});
        for (const auto& [k, v] : settings) set(k, v);
        RunOptions root;
        root.env.emplace("OMERO_ROOT_PASSWORD", "root-secret");
        Result r = omero({"db", "init"}, root);
        ASSERT_EQ(r.code, 0) << r.err;
    }
    void TearDown() override {
        omero({"web", "stop"});
        if (fs::exists(omerodir / "etc/internal.cfg")) omero({"admin", "stop", "--wait", "20"});
        for (const fs::path& d : {oldd, newd})
            if (long pid = std::atol(read_or_empty(d / "var/master/master.pid").c_str()); pid > 1) kill(pid, SIGKILL);
        if (long pid = std::atol(read_or_empty(ngx / "nginx.pid").c_str()); pid > 1) kill(pid, SIGQUIT);
        if (fs::exists(tmp / "small"))
            run("/bin/umount", {"-l", (tmp / "small").string()});  // a test that stopped half way
    }
    static std::string read_or_empty(const fs::path& p) { return fs::exists(p) ? read_file(p) : ""; }

    Result omero(std::vector<std::string> args, RunOptions o = {}) {
        o.env.emplace("OMERODIR", omerodir.string());
        o.env.emplace("OMERO_CONFIG", std::nullopt);
        o.env.emplace("PGPASSWORD", std::nullopt);
        o.env.emplace("HOME", tmp.path().string());
        o.env.emplace("PATH", path_env);
        return run(omero_exe(), args, o);  // stdin closed: nothing may prompt
    }
    void set(const std::string& k, const std::string& v) {
        Result r = omero({"config", "set", "--", k, v});
        ASSERT_EQ(r.code, 0) << r.err;
    }
    std::string version_of(const std::string& db) {
        Result r = superuser(db, "SELECT currentversion || '__' || currentpatch FROM dbpatch ORDER BY id DESC LIMIT 1");
        return r.out.empty() ? "" : r.out.substr(0, r.out.size() - 1);
    }
    std::string version() { return version_of(dbname); }
    // nginx in Debian's layout (scripts/demo/nginx.sh): sites-enabled/omero ->
    // ../sites-available/omero, generated for the versioned directory.
    void start_nginx() {
        http = free_port();
        Result r = run(source_dir() / "scripts/demo/nginx.sh",
                       {omero_exe().string(), ngx.string(), std::to_string(http), oldd.string()});
        ASSERT_EQ(r.code, 0) << r.err;
    }
    void start_server_and_web() {
        Result r = omero({"admin", "start"});
        ASSERT_EQ(r.code, 0) << r.out << r.err;
        r = omero({"web", "start"});
        ASSERT_EQ(r.code, 0) << r.out << r.err;
    }
    // The body nginx serves for /webclient/ ("" when it does not answer 200).
    std::string through_nginx() {
        Result r =
            run("/usr/bin/python3",
                {"-c",
                 "import http.client,sys\nc=http.client.HTTPConnection('127.0.0.1',int(sys.argv[1]),timeout=10)\n"
                 "c.request('GET','/webclient/')\nr=c.getresponse()\nb=r.read().decode()\n"
                 "print(b if r.status==200 else '')",
                 std::to_string(http)});
        return r.out;
    }
    // nginx's worker pids: a reload replaces them.
    std::set<std::string> nginx_workers() {
        std::set<std::string> out;
        std::string master = read_or_empty(ngx / "nginx.pid");
        while (!master.empty() && master.back() == '\n') master.pop_back();
        for (const auto& e : fs::directory_iterator("/proc")) {
            std::string stat = read_or_empty(e.path() / "stat");
            size_t close = stat.rfind(')');
            if (close == std::string::npos) continue;
            if (std::to_string(std::atol(stat.c_str() + close + 4)) == master) out.insert(e.path().filename().string());
        }
        return out;
    }
    std::vector<std::string> up_args(std::vector<std::string> extra = {}) {
        std::vector<std::string> a = {"upgrade", "plan", "--to", newd.string()};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }
    // plan and run both refuse with 27 naming `expect`; nothing changed.
    void refused(const std::string& expect, std::vector<std::string> extra = {}, RunOptions o = {}) {
        Result plan = omero(up_args(extra), o);
        EXPECT_EQ(plan.code, 27) << plan.out << plan.err;
        EXPECT_NE(plan.out.find(expect), std::string::npos) << expect << "\n" << plan.out;
        std::vector<std::string> r = up_args(extra);
        r[1] = "run";
        Result ran = omero(r, o);
        EXPECT_EQ(ran.code, 27) << ran.out << ran.err;
        EXPECT_NE(ran.err.find(expect), std::string::npos) << expect << "\n" << ran.err;
        EXPECT_EQ(version(), "OMERO1.0__0") << "the database was touched";
        EXPECT_FALSE(fs::exists(oldd / "var/upgrade/journal")) << "a refused run journals nothing";
        EXPECT_EQ(fs::read_symlink(omerodir), "OMERO.server-1.0.0");
    }
};

// A listening socket held by this (test) process.
struct Listener {
    int fd = -1;
    explicit Listener(int port) {
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 1) != 0)
            ADD_FAILURE() << "cannot listen";
    }
    ~Listener() { close(fd); }
};

// The README's main job, as the demo runs it: plan, run --yes (nginx's site
// file written through its link, tested, reloaded), the new release
// answering through nginx, the summary; rollback, and the old one again.
TEST_F(MainJob, RunningServerUpgradedThenRolledBackWithNginxFollowing) {
    start_nginx();
    start_server_and_web();
    EXPECT_NE(through_nginx().find("release=1.0.0"), std::string::npos);
    std::string before = read_file(ngx / "sites-available/omero");

    Result plan = omero(up_args({"--web-conf", site.string()}));
    ASSERT_EQ(plan.code, 0) << plan.out << plan.err;
    EXPECT_NE(plan.out.find("is loaded by nginx (pid"), std::string::npos) << plan.out;

    auto workers = nginx_workers();
    std::vector<std::string> a = up_args({"--web-conf", site.string(), "--yes", "--json"});
    a[1] = "run";
    Result r = omero(a);
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(version(), "OMERO1.2__0");
    EXPECT_NE(through_nginx().find("release=1.2.0"), std::string::npos);
    // config.xml holds omero.db.pass: created 0600, and the new release's copy keeps that mode.
    auto mode = [](const fs::path& f) { return fs::status(f).permissions() & fs::perms::all; };
    EXPECT_EQ(mode(oldd / "etc/grid/config.xml"), fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(mode(newd / "etc/grid/config.xml"), fs::perms::owner_read | fs::perms::owner_write);
    // Debian's layout kept: the link stays, its target re-pointed, no .bak where include * loads it.
    EXPECT_TRUE(fs::is_symlink(site));
    EXPECT_EQ(std::distance(fs::directory_iterator(ngx / "sites-enabled"), fs::directory_iterator()), 1);
    std::string now = read_file(ngx / "sites-available/omero");
    EXPECT_EQ(now.find(oldd.string() + "/"), std::string::npos) << now;
    EXPECT_NE(now.find(omerodir.string() + "/var/static"), std::string::npos) << now;
    EXPECT_NE(nginx_workers(), workers) << "nginx was not reloaded";
    // The summary, as JSON: every step's time, the downtime, the backup.
    json result;
    for (size_t at = 0, nl; (nl = r.out.find('\n', at)) != std::string::npos; at = nl + 1) {
        json j = json::parse(r.out.substr(at, nl - at), nullptr, false);
        if (j.is_object() && j.value("event", "") == "result") result = j;
    }
    ASSERT_TRUE(result.is_object()) << r.out;
    EXPECT_EQ(result["state"], "upgraded");
    ASSERT_TRUE(result["downtime_seconds"].is_number()) << result.dump();
    EXPECT_GT(result["downtime_seconds"].get<double>(), 0);
    EXPECT_GT(result["backup_bytes"].get<uint64_t>(), 0u);
    // The rollback point is a clone taken while the server was down; its dump came after.
    std::string clone = result.value("rollback_database", "");
    EXPECT_EQ(clone.rfind(dbname + "_before_upgrade_", 0), 0u) << result.dump();
    EXPECT_EQ(version_of(clone), "OMERO1.0__0");
    std::set<std::string> steps;
    for (const json& s : result["steps"]) steps.insert(s["step"]);
    for (const char* s :
         {"stage", "stop", "backup", "swap", "database", "start", "syncmedia", "webconf", "webstart", "offsite"})
        EXPECT_TRUE(steps.count(s)) << s << " " << result.dump();

    // A crash mid-append left a torn last line: the rollback still reads
    // the journal and appends on a fresh line.
    {
        int fd = open((newd / "var/upgrade/journal").c_str(), O_WRONLY | O_APPEND);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(write(fd, "{\"step\":\"webst", 15), 15);
        close(fd);
    }
    workers = nginx_workers();
    r = omero({"upgrade", "rollback"});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("downtime"), std::string::npos) << r.out;
    EXPECT_EQ(read_file(ngx / "sites-available/omero"), before);
    EXPECT_TRUE(fs::is_symlink(site));
    EXPECT_NE(nginx_workers(), workers) << "nginx was not reloaded after the rollback";
    EXPECT_NE(through_nginx().find("release=1.0.0"), std::string::npos);
    // Rolled back onto the clone: omero.db.name names it, the upgraded database is kept.
    Result name = omero({"config", "get", "omero.db.name"});
    EXPECT_EQ(name.out, clone + "\n");
    EXPECT_EQ(version(), "OMERO1.2__0");
}

// Each fault that would stop a later step, seeded in turn on a running
// server: plan and run say 27 and what to do, and nothing changes.
TEST_F(MainJob, PlanForeseesEveryLaterStepAndRunRefusesBeforeStepOne) {
    start_nginx();
    start_server_and_web();
    std::vector<std::string> web = {"--web-conf", site.string(), "--yes"};
    ASSERT_EQ(omero(up_args(web)).code, 0);

    // omero.data.dir missing, then not writable by the servers' account.
    set("omero.data.dir", (tmp / "no-such-data").string());
    refused("omero.data.dir " + (tmp / "no-such-data").string() + " does not exist", web);
    if (geteuid() == 0) {
        fs::create_directories(tmp / "private");
        chmod((tmp / "private").c_str(), 0700);
        set("omero.data.dir", (tmp / "private").string());
        refused("is not writable by nobody", web);
    }
    set("omero.data.dir", (tmp / "data").string());

    // IceGrid's programs not on PATH (everything else of /usr/bin is).
    fs::create_directories(tmp / "bin");
    for (const auto& e : fs::directory_iterator("/usr/bin"))
        if (e.path().filename() != "icegridnode" && e.path().filename() != "glacier2router")
            fs::create_symlink(e.path(), tmp / "bin" / e.path().filename());
    path_env = (tmp / "bin").string();
    refused("icegridnode is not on PATH", web);
    path_env = std::getenv("PATH");

    // The new release's descriptor runs a JVM that is not there.
    fs::path descriptor = newd / "etc/templates/grid/default.xml";
    std::string d = read_file(descriptor);
    std::string java = source_dir().string() + "/tests/admin/java";
    write_file(descriptor, std::string(d).replace(d.find(java), java.size(), "/nonexistent/java"));
    refused("the JVM the servers run", web);
    write_file(descriptor, d);

    // OMERO.web's interpreter cannot import Django (no site-packages).
    write_file(tmp / "python-bare", "#!/bin/sh\nexec /usr/bin/python3 -S \"$@\"\n");
    chmod((tmp / "python-bare").c_str(), 0755);
    set("omero.web.python", (tmp / "python-bare").string());
    refused("Django cannot be imported", web);
    set("omero.web.python", "/usr/bin/python3");

    // The running nginx that loads the site file refuses its own configuration.
    write_file(ngx / "sites-enabled/broken", "no_such_directive on;\n");
    refused("refuses its own configuration today", web);
    fs::remove(ngx / "sites-enabled/broken");
    ASSERT_EQ(omero(up_args(web)).code, 0);

    // Another nginx on the machine, not the server's (it loads none of the
    // files re-pointed), refusing its own configuration: left alone.
    fs::path other = tmp / "other-nginx";
    Result started = run(source_dir() / "scripts/demo/nginx.sh",
                         {omero_exe().string(), other.string(), std::to_string(free_port()), oldd.string()});
    ASSERT_EQ(started.code, 0) << started.err;
    struct Stop {
        fs::path pid;
        ~Stop() {
            if (long p = std::atol(read_or_empty(pid).c_str()); p > 1) kill(p, SIGQUIT);
        }
    } stop{other / "nginx.pid"};
    write_file(other / "sites-enabled/broken", "no_such_directive on;\n");
    Result plan = omero(up_args(web));
    EXPECT_EQ(plan.code, 0) << plan.out << plan.err;
    EXPECT_NE(plan.out.find("refuses its own configuration today, but loads no file this upgrade re-points"),
              std::string::npos)
        << plan.out;

    // No room for the backup, and a site file that cannot be replaced: on
    // small and read-only file systems (tmpfs; needs root to mount).
    fs::path small = tmp / "small";
    fs::create_directories(small);
    if (geteuid() == 0 && run("/bin/mount", {"-t", "tmpfs", "-o", "size=64k", "tmpfs", small.string()}).code == 0) {
        refused("has 64.0 KiB free",
                {"--web-conf", site.string(), "--yes", "--backup", "dump", "--backup-dir", small.string()});
        write_file(small / "omero.conf", read_file(ngx / "sites-available/omero"));
        ASSERT_EQ(run("/bin/mount", {"-o", "remount,ro", small.string()}).code, 0);
        refused("cannot be replaced by this user", {"--web-conf", (small / "omero.conf").string(), "--yes"});
        EXPECT_EQ(run("/bin/umount", {small.string()}).code, 0);
    } else {
        std::cerr << "note: not root or no tmpfs: the space and read-only site file faults are not seeded\n";
    }

    // A client port and the registry port held by another program (the
    // server stopped: nothing of ours holds them).
    ASSERT_EQ(omero({"admin", "stop"}).code, 0);
    Result port = omero({"config", "get", "omero.ports.tcp"});
    int n = std::atoi(port.out.c_str());
    {
        Listener hold(n);
        refused("port " + std::to_string(n) + " (omero.ports.tcp) is held by PID " + std::to_string(getpid()), web);
        // admin stop names what holds the server's ports when nothing of it runs.
        Result stop = omero({"admin", "stop"});
        EXPECT_EQ(stop.code, 1);
        EXPECT_NE(
            stop.err.find("port " + std::to_string(n) + " (tcp) is still held by PID " + std::to_string(getpid())),
            std::string::npos)
            << stop.err;
    }
    ASSERT_EQ(omero(up_args(web)).code, 0);
}

// A re-pointed site file that the running nginx refuses once the new
// release is in place (it includes a file only the old release has): the
// webconf step fails, the file gets its previous text back, nginx keeps
// serving its old configuration.
TEST_F(MainJob, SiteFileTheRunningNginxRefusesAfterTheSwapIsPutBack) {
    start_nginx();
    write_file(oldd / "etc/extra.conf", "# only in 1.0.0\n");
    std::string site_text = read_file(ngx / "sites-available/omero");
    site_text.replace(site_text.find("server {"), 8, "server {\n    include " + oldd.string() + "/etc/extra.conf;");
    write_file(ngx / "sites-available/omero", site_text);
    kill(std::atol(read_file(ngx / "nginx.pid").c_str()), SIGHUP);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    start_server_and_web();
    std::vector<std::string> a = up_args({"--web-conf", site.string(), "--yes"});
    a[1] = "run";
    Result r = omero(a);
    EXPECT_EQ(r.code, 29) << r.out << r.err;
    EXPECT_NE(r.err.find("step webconf failed"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("has its previous text again"), std::string::npos) << r.err;
    EXPECT_EQ(read_file(ngx / "sites-available/omero"), site_text);
    EXPECT_TRUE(fs::is_symlink(site));
}

// A site file whose re-pointed text nginx refuses is found by the plan.
TEST_F(MainJob, PlanRefusesASiteFileTheWebServerWouldRefuse) {
    start_nginx();
    // nginx is stopped again: only the standalone check of the new text runs.
    kill(std::atol(read_file(ngx / "nginx.pid").c_str()), SIGQUIT);
    for (int i = 0; i < 100 && fs::exists(ngx / "nginx.pid"); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    write_file(ngx / "sites-available/omero", read_file(ngx / "sites-available/omero") + "no_such_directive on;\n");
    refused("is refused by the installed web server", {"--web-conf", site.string(), "--yes"});
}

// Rollback checks before it changes anything: with the backup gone it
// refuses (27) and the upgraded server stays as it was; resume has nothing
// to do. A begun rollback is what resume continues.
TEST_F(MainJob, RollbackRefusesWithoutItsBackupAndResumeContinuesABegunOne) {
    std::vector<std::string> a = up_args({"--no-start", "--backup", "dump"});
    a[1] = "run";
    Result r = omero(a);
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    ASSERT_EQ(version(), "OMERO1.2__0");
    fs::path backup;
    for (const auto& e : fs::directory_iterator(newd / "var/backups")) backup = e.path();
    ASSERT_FALSE(backup.empty());
    fs::rename(backup, tmp / "elsewhere");
    r = omero({"upgrade", "rollback"});
    EXPECT_EQ(r.code, 27) << r.out << r.err;
    EXPECT_NE(r.err.find(backup.filename().string() + " is gone"), std::string::npos) << r.err;
    EXPECT_EQ(fs::read_symlink(omerodir), "OMERO.server-1.2.0") << "the rollback changed something";
    EXPECT_EQ(version(), "OMERO1.2__0");
    r = omero({"upgrade", "resume"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("is complete"), std::string::npos) << r.out;

    // The backup back, and a rollback that was begun (killed after its first line).
    fs::rename(tmp / "elsewhere", backup);
    {
        int fd = open((newd / "var/upgrade/journal").c_str(), O_WRONLY | O_APPEND);
        std::string line = "{\"at\":0,\"state\":\"begin\",\"step\":\"rollback-stop\"}\n";
        ASSERT_EQ(write(fd, line.data(), line.size()), static_cast<ssize_t>(line.size()));
        close(fd);
    }
    a[1] = "run";
    r = omero(a);
    EXPECT_EQ(r.code, 28) << "a begun rollback is unfinished: " << r.err;
    r = omero({"upgrade", "resume"});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.err.find("resuming the rollback"), std::string::npos) << r.err;
    EXPECT_EQ(fs::read_symlink(omerodir), "OMERO.server-1.0.0");
    Result st = omero({"db", "status"});
    EXPECT_NE(st.out.find("OMERO1.0__0"), std::string::npos) << st.out;
}

// `web stop` and `web status` never take a process for this OMERO.web's
// gunicorn because its command line mentions gunicorn.
TEST_F(MainJob, WebStopLeavesAProcessThatIsNotOurGunicorn) {
    pid_t pid = fork();
    if (pid == 0) {
        execl("/usr/bin/python3", "python3", "-c", "import time; time.sleep(60)",
              (oldd / "var/log/OMEROweb-gunicorn.log").c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    write_file(oldd / "var/django.pid", std::to_string(pid) + "\n");
    EXPECT_EQ(omero({"web", "status"}).code, 1);
    Result r = omero({"web", "stop"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("[NOT STARTED]"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("is not this OMERO.web's gunicorn"), std::string::npos) << r.err;
    EXPECT_EQ(kill(pid, 0), 0) << "web stop signalled a process that is not ours";
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
}

// An archive cannot redirect what the upgrade writes: a symlink leaving the
// tree (var -> outside, where the dump would go) or an absolute entry is
// refused by the plan and the run, and nothing is written outside. And
// --to the running release is named, not run.
TEST_F(MainJob, HostileArchiveAndTheSameReleaseAreRefused) {
    fs::create_directories(tmp / "outside");
    for (const char* bad : {"symlink", "absolute"}) {
        SCOPED_TRACE(bad);
        fs::path tar = tmp / (std::string("OMERO.server-1.2.0-") + bad + ".tar.gz");
        std::string py =
            "import os,sys,tarfile,io\n"
            "src,out,bad,outside=sys.argv[1:5]\n"
            "t=tarfile.open(out,'w:gz')\n"
            "top=os.path.basename(src)\n"
            "for r,ds,fs in os.walk(src):\n"
            " rel=os.path.relpath(r,src)\n"
            " if rel=='var' or rel.startswith('var/'): continue\n"
            " t.add(r,os.path.normpath(os.path.join(top,rel)),recursive=False)\n"
            " for f in fs: t.add(os.path.join(r,f),os.path.normpath(os.path.join(top,rel,f)))\n"
            "i=tarfile.TarInfo(top+'/var')\n"
            "if bad=='symlink':\n"
            " i.type=tarfile.SYMTYPE; i.linkname=os.path.relpath(outside,os.path.dirname(src)+'/x')\n"
            " t.addfile(i)\n"
            "else:\n"
            " i.type=tarfile.DIRTYPE; t.addfile(i)\n"
            " j=tarfile.TarInfo('/'+outside.strip('/')+'/planted'); j.size=2; t.addfile(j,io.BytesIO(b'x\\n'))\n"
            "t.close()\n";
        Result r = run("/usr/bin/python3", {"-c", py, newd.string(), tar.string(), bad, (tmp / "outside").string()});
        ASSERT_EQ(r.code, 0) << r.err;
        fs::remove_all(newd);  // the archive unpacks beside the old distribution
        for (const char* cmd : {"plan", "run"}) {
            Result u = omero({"upgrade", cmd, "--to", tar.string()});
            EXPECT_NE(u.code, 0) << cmd << u.out << u.err;
            EXPECT_NE(u.err.find("leaves the directory"), std::string::npos) << cmd << u.err;
        }
        EXPECT_TRUE(fs::is_empty(tmp / "outside")) << "something was written outside the tree";
        EXPECT_EQ(version(), "OMERO1.0__0");
        EXPECT_EQ(fs::read_symlink(omerodir), "OMERO.server-1.0.0");
    }
    fs::copy(oldd, opt / "OMERO.server-1.0.0-copy", fs::copy_options::recursive);
    Result same = omero({"upgrade", "plan", "--to", (opt / "OMERO.server-1.0.0-copy").string()});
    EXPECT_EQ(same.code, 27) << same.out << same.err;
    EXPECT_NE(same.out.find("the one running: there is nothing to upgrade to"), std::string::npos) << same.out;
}

// A registry that does not answer is not "not running": with icegridnode
// stopped by SIGSTOP, status says so and stop ends the node and its servers.
// And two `admin start` at once: one starts, the other says 108, and
// master.pid names the live node.
TEST_F(MainJob, HungRegistryIsStoppedAndTwoStartsAreSerialised) {
    Result both[2];
    std::thread other([&] { both[1] = omero({"admin", "start"}); });
    both[0] = omero({"admin", "start"});
    other.join();
    EXPECT_TRUE((both[0].code == 0 && both[1].code == 108) || (both[0].code == 108 && both[1].code == 0))
        << both[0].code << " " << both[0].err << "\n"
        << both[1].code << " " << both[1].err;
    for (const Result& r : both)
        if (r.code == 108) {
            EXPECT_NE(r.err.find("already running"), std::string::npos) << r.err;
        }
    long node = std::atol(read_file(oldd / "var/master/master.pid").c_str());
    ASSERT_GT(node, 1);
    ASSERT_EQ(kill(node, 0), 0) << "master.pid names a dead process";
    std::vector<long> servers;
    for (const auto& e : fs::directory_iterator("/proc")) {
        std::string stat = read_or_empty(e.path() / "stat");
        size_t close = stat.rfind(')');
        if (close != std::string::npos && std::atol(stat.c_str() + close + 4) == node)
            servers.push_back(std::atol(e.path().filename().c_str()));
    }
    EXPECT_FALSE(servers.empty());

    ASSERT_EQ(kill(node, SIGSTOP), 0);
    Result st = omero({"admin", "status"});
    EXPECT_EQ(st.code, 1);
    EXPECT_NE(st.err.find("does not answer"), std::string::npos) << st.err;
    EXPECT_NE(st.err.find("pid " + std::to_string(node)), std::string::npos) << st.err;
    Result diag = omero({"admin", "diagnostics", "--no-logs"});
    EXPECT_NE(diag.out.find("does not answer (pid " + std::to_string(node) + ")"), std::string::npos) << diag.out;
    Result stop = omero({"admin", "stop", "--wait", "3"});
    EXPECT_EQ(stop.code, 0) << stop.out << stop.err;
    EXPECT_NE(stop.err.find("stopped or hung"), std::string::npos) << stop.err;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    auto gone = [](long pid) {
        std::string stat = read_or_empty("/proc/" + std::to_string(pid) + "/stat");
        return stat.empty() || stat.find(") Z") != std::string::npos;
    };
    EXPECT_TRUE(gone(node)) << "the hung node still runs";
    for (long p : servers) EXPECT_TRUE(gone(p)) << "server " << p << " still runs";
}

// db clone: the rollback point in seconds; refused, naming why, while
// someone is connected to the database (PostgreSQL would refuse the copy).
TEST_F(MainJob, CloneCopiesTheDatabaseAndRefusesWhileConnected) {
    std::thread busy([&] { superuser(dbname, "SELECT pg_sleep(3)"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    Result r = omero({"db", "clone", "--to", dbname + "_copy"});
    busy.join();
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("1 client(s) are connected to " + dbname), std::string::npos) << r.err;
    r = omero({"db", "clone", "--to", dbname + "_copy"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(version_of(dbname + "_copy"), "OMERO1.0__0");
    r = omero({"db", "clone", "--to", dbname + "_copy"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("exists already"), std::string::npos) << r.err;
}

// The JSON `upgrade` (and `admin`) read from `db` is a contract: the fields
// the SDK README lists are there, with their types and a schema number.
TEST_F(MainJob, ContractDbJsonHasTheFieldsOtherPluginsRead) {
    Result r = omero({"db", "status", "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    json st = json::parse(r.out);
    EXPECT_EQ(st["schema"], 1);
    for (const char* k : {"database", "host", "user", "state", "current", "target"})
        EXPECT_TRUE(st[k].is_string()) << k << st.dump();
    for (const char* k : {"bytes", "sessions"}) EXPECT_TRUE(st[k].is_number_unsigned()) << k << st.dump();
    EXPECT_TRUE(st.contains("port"));
    EXPECT_TRUE(st["pending"].is_array());

    // A new release's scripts: the dry run's plan event.
    r = omero(
        {"db", "upgrade", "--dry-run", "--json", "--sql-dir", (newd / "sql/psql").string(), "--to", "OMERO1.2__0"});
    ASSERT_EQ(r.code, 2) << r.out << r.err;
    json plan;
    for (size_t at = 0, nl; (nl = r.out.find('\n', at)) != std::string::npos; at = nl + 1) {
        json j = json::parse(r.out.substr(at, nl - at), nullptr, false);
        if (j.is_object() && j.value("event", "") == "plan") plan = j;
    }
    ASSERT_TRUE(plan.is_object()) << r.out;
    EXPECT_EQ(plan["schema"], 1);
    EXPECT_TRUE(plan["current"].is_string());
    EXPECT_TRUE(plan["ready"].is_boolean());
    ASSERT_EQ(plan["hops"].size(), 2u) << plan.dump();
    for (const json& h : plan["hops"]) {
        for (const char* k : {"from", "to", "script", "sha256", "precheck"})
            EXPECT_TRUE(h[k].is_string()) << k << h.dump();
        EXPECT_TRUE(h["statements"].is_number());
        for (const char* k : {"plugins", "shims", "fixes"}) EXPECT_TRUE(h[k].is_array()) << k << h.dump();
        EXPECT_TRUE(h["check"]["ok"].is_boolean()) << h.dump();
        EXPECT_TRUE(h["check"]["message"].is_string()) << h.dump();
        EXPECT_TRUE(h["check"]["findings"].is_array()) << h.dump();
    }
    // Whether a clone can be taken (the plan's choice of rollback point).
    r = omero({"db", "clone", "--check", "--json"});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    json k = json::parse(r.out);
    EXPECT_EQ(k["schema"], 1);
    EXPECT_TRUE(k["ok"].is_boolean());
    EXPECT_TRUE(k["why"].is_string());
    EXPECT_TRUE(k["bytes"].is_number_unsigned());
    // Up to date: a result event with the schema.
    r = omero({"db", "upgrade", "--dry-run", "--json"});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.out.find("\"schema\":1"), std::string::npos) << r.out;
}

}  // namespace
