// `omero upgrade` on test distributions laid out from ../shared
// (tests/upgrade/make-dist.sh), a real PostgreSQL 15 (a 2010 OMERO 4.1
// database), the real IceGrid with the admin tests' stand-ins, and the web
// tests' stand-in OMERO.web: a 4.x server carried to 5.4 with no manual
// step, local edits merged or stopped on, kill -9 anywhere then resume,
// rollback, symlinked and plain OMERODIR, archive and directory --to.
#include "cluster.hpp"
#include "run.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <iostream>
#include <random>
#include <regex>
#include <set>
#include <thread>

namespace fs = std::filesystem;
using namespace omero::test;

namespace {

const auto* const kEnv = ::testing::AddGlobalTestEnvironment(cluster_environment());

class Upgrade : public ::testing::Test {
protected:
    TempDir tmp;
    fs::path opt = tmp / "opt";
    fs::path omerodir = opt / "OMERO.server";
    std::string dbname;

    void SetUp() override {
        if (shared_dir().empty()) GTEST_SKIP() << "../shared is absent";
        // IceGrid runs the stand-ins as nobody when we are root.
        chmod(tmp.path().c_str(), 0755);
        fs::create_directories(opt);
        chmod(opt.c_str(), 0755);
        static int counter = 0;
        dbname = "u" + std::to_string(getpid()) + "_" + std::to_string(++counter);
    }
    void TearDown() override {
        if (fs::exists(omerodir / "etc/internal.cfg")) omero({"admin", "stop", "--wait", "20"});
        omero({"web", "stop"});
        for (const fs::path& d :
             {omerodir, opt / "OMERO.server-4.1.2", opt / "OMERO.server-5.3.5", opt / "OMERO.server-5.4.10"})
            if (auto pid = std::atol(read_or_empty(d / "var/master/master.pid").c_str()); pid > 1) kill(pid, SIGKILL);
    }
    static std::string read_or_empty(const fs::path& p) { return fs::exists(p) ? read_file(p) : ""; }

    // A distribution of `release` at dir (the admin stand-ins as its servers).
    void make_dist(const std::string& release, const fs::path& dir) {
        Result r = run(source_dir() / "tests/upgrade/make-dist.sh",
                       {release, dir.string(), shared_dir().string(), (source_dir() / "tests/admin").string()});
        ASSERT_EQ(r.code, 0) << r.err;
        chmod((dir / "var/log").c_str(), 0777);
    }
    Result omero(std::vector<std::string> args, RunOptions o = {}) {
        o.env.emplace("OMERODIR", omerodir.string());
        o.env.emplace("OMERO_CONFIG", std::nullopt);
        o.env.emplace("PGPASSWORD", std::nullopt);
        o.env.emplace("HOME", tmp.path().string());
        o.env.emplace("PYTHONPATH", (tmp / "py").string());
        return run(omero_exe(), args, o);  // stdin closed: nothing may prompt
    }
    void set(const std::string& k, const std::string& v) {
        Result r = omero({"config", "set", "--", k, v});
        ASSERT_EQ(r.code, 0) << r.err;
    }
    // The database and server settings of the old distribution: they must
    // reach the new one through config.xml.
    void configure() {
        fs::create_directories(tmp / "data");
        chmod((tmp / "data").c_str(), 0777);
        for (const auto& [k, v] : server_settings(dbname, tmp / "data")) set(k, v);
    }
    std::string sql(const std::string& q, const std::string& database = "") {
        Result r = superuser(database.empty() ? dbname : database, q);
        EXPECT_EQ(r.code, 0) << q << ": " << r.err;
        return r.out;
    }
    std::string version(const std::string& database = "") {
        std::string v =
            sql("SELECT currentversion || '__' || currentpatch FROM dbpatch ORDER BY id DESC LIMIT 1", database);
        if (!v.empty()) v.pop_back();
        return v;
    }
    void create_41() {
        Result r = create_database(dbname, legacy_41_script(tmp.path()));
        ASSERT_EQ(r.code, 0) << r.err;
        ASSERT_EQ(version(), "OMERO4.1__0");
    }
    // A 5.2 database as 5.2's `bin/omero db script` wrote it.
    void create_52() {
        Result r =
            create_database(dbname, shared_dir() / "omero-sql/generated-by-omero-db-script/V5_2_0__OMERO5.2_0.sql");
        ASSERT_EQ(r.code, 0) << r.err;
    }
    // An archive of a directory, made with Python's zipfile or tarfile.
    void archive(const fs::path& dir, const fs::path& out) {
        std::string py =
            out.extension() == ".zip"
                ? "import os,sys,zipfile\nz=zipfile.ZipFile(sys.argv[2],'w')\nb=os.path.dirname(sys.argv[1])\n"
                  "for r,ds,fs in os.walk(sys.argv[1]):\n z.write(r,os.path.relpath(r,b))\n for f in fs:\n"
                  "  p=os.path.join(r,f); z.write(p,os.path.relpath(p,b))\nz.close()\n"
                : "import os,sys,tarfile\nt=tarfile.open(sys.argv[2],'w:bz2')\n"
                  "t.add(sys.argv[1],os.path.basename(sys.argv[1]))\nt.close()\n";
        Result r = run("/usr/bin/python3", {"-c", py, dir.string(), out.string()});
        ASSERT_EQ(r.code, 0) << r.err;
    }
    static void edit(const fs::path& f, const std::string& from, const std::string& to) {
        std::string s = read_file(f);
        size_t at = s.find(from);
        ASSERT_NE(at, std::string::npos) << from << " not in " << f;
        s.replace(at, from.size(), to);
        write_file(f, s);
    }
    // The step the journal names last ("" before the plan).
    std::string last_step() {
        std::string text = read_or_empty(omerodir / "var/upgrade/journal"), last = "-";
        for (size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1) {
            auto j = nlohmann::json::parse(text.substr(at, nl - at));
            if (j.contains("step")) last = j["step"].get<std::string>() + ":" + j.value("state", "");
        }
        return last;
    }
    std::string journal_outcome() {
        std::string text = read_or_empty(omerodir / "var/upgrade/journal");
        std::string last;
        for (size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1) {
            auto j = nlohmann::json::parse(text.substr(at, nl - at));
            if (j.value("event", "") == "plan") last = "";
            if (j.value("event", "") == "finished" || j.value("event", "") == "rolled-back") last = j["event"];
        }
        return last;
    }
};

// The guide's whole procedure from a 4.1 server (plain directory, database
// at 4.1, a Blitz -Xmx edit and a hand-edited default.xml) to the 5.4
// archive, in one command: the edit merged into 5.4's template, the memory
// as omero.jvmcfg.*, the database at 5.4, the server up on the real
// IceGrid. Then rollback: the old database under a new name, config
// pointing at it, the old distribution back.
TEST_F(Upgrade, From41ToThe54ArchiveWithNoManualStepThenRollback) {
    make_dist("4.1.2", opt / "pristine/OMERO.server-4.1.2");
    archive(opt / "pristine/OMERO.server-4.1.2", tmp / "OMERO.server-4.1.2.tar.bz2");
    fs::copy(opt / "pristine/OMERO.server-4.1.2", omerodir, fs::copy_options::recursive);
    make_dist("5.4.10", tmp / "build/OMERO.server-5.4.10");
    archive(tmp / "build/OMERO.server-5.4.10", tmp / "OMERO.server-5.4.10.zip");
    create_41();
    configure();
    std::string config_before = read_file(omerodir / "etc/grid/config.xml");
    // The sysadmin's edits: more memory for Blitz, a comment in the application.
    edit(omerodir / "etc/grid/templates.xml", "<option>-Xmx512M</option>", "<option>-Xmx4096M</option>");
    edit(omerodir / "etc/grid/default.xml", "  <application name=\"OMERO\">\n",
         "  <application name=\"OMERO\">\n    <!-- site: lab 4 -->\n");

    Result plan = omero({"upgrade", "plan", "--to", (tmp / "OMERO.server-5.4.10.zip").string(), "--from-archive",
                         (tmp / "OMERO.server-4.1.2.tar.bz2").string()});
    ASSERT_EQ(plan.code, 0) << plan.out << plan.err;
    EXPECT_NE(plan.out.find("OMERO.server 4.1.2 -> 5.4.10"), std::string::npos) << plan.out;
    EXPECT_NE(plan.out.find("omero.jvmcfg.heap_size.blitz=4096M"), std::string::npos) << plan.out;
    EXPECT_EQ(plan.out.find("heap_size.indexer"), std::string::npos) << "the indexer's memory was not edited";
    EXPECT_NE(plan.out.find("merge     etc/grid/default.xml -> etc/templates/grid/default.xml"), std::string::npos)
        << plan.out;
    EXPECT_NE(plan.out.find("OMERO4.1__0 -> OMERO4.2__0"), std::string::npos);
    EXPECT_NE(plan.out.find("check  cross-group-links (hop-4-1): passed"), std::string::npos) << plan.out;
    EXPECT_EQ(version(), "OMERO4.1__0");
    EXPECT_FALSE(fs::exists(opt / "OMERO.server-5.4.10")) << "plan unpacked nothing in place";

    Result r = omero({"upgrade", "run", "--to", (tmp / "OMERO.server-5.4.10.zip").string(), "--from-archive",
                      (tmp / "OMERO.server-4.1.2.tar.bz2").string()});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(version(), "OMERO5.4__0");
    EXPECT_EQ(read_file(omerodir / "etc/omero.properties").find("omero.version=5.4.10") != std::string::npos, true);
    EXPECT_EQ(read_or_empty(opt / "OMERO.server-4.1.2/etc/grid/config.xml"), config_before) << "the old config kept";
    EXPECT_NE(read_file(omerodir / "etc/templates/grid/default.xml").find("<!-- site: lab 4 -->"), std::string::npos);
    EXPECT_NE(read_file(omerodir / "etc/templates/grid/default.xml").find("@omero.ports.prefix@"), std::string::npos)
        << "the new release's own changes kept";
    Result cfg = omero({"config", "get", "omero.jvmcfg.heap_size.blitz"});
    EXPECT_EQ(cfg.out, "4096M\n");
    EXPECT_EQ(omero({"config", "get", "omero.db.name"}).out, dbname + "\n");
    Result jvm = omero({"admin", "jvmcfg"});
    EXPECT_NE(jvm.out.find("blitz=-Xmx4096M"), std::string::npos) << jvm.out;
    EXPECT_EQ(omero({"admin", "status"}).code, 0) << "the new server runs";
    EXPECT_EQ(journal_outcome(), "finished");
    EXPECT_TRUE(fs::is_directory(opt / "OMERO.server-4.1.2/etc")) << "the old distribution kept aside";

    r = omero({"upgrade", "rollback"});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(read_file(omerodir / "etc/omero.properties").find("omero.version=4.1.2"), std::string::npos);
    std::string restored = omero({"config", "get", "omero.db.name"}).out;
    ASSERT_FALSE(restored.empty());
    restored.pop_back();
    EXPECT_NE(restored, dbname);
    EXPECT_EQ(version(restored), "OMERO4.1__0");
    EXPECT_EQ(version(), "OMERO5.4__0") << "the upgraded database is kept";
    EXPECT_TRUE(fs::is_directory(opt / "OMERO.server-5.4.10/etc/templates")) << "the new distribution back aside";
    EXPECT_NE(omero({"admin", "status"}).code, 0) << "the new server was stopped";
    EXPECT_EQ(omero({"upgrade", "resume"}).code, 0);
}

// A 2009 OMERO 3.2 server (JBoss era: no etc/grid/config.xml, its settings
// in etc/local.properties) to 5.4 in one `upgrade run`: the database from
// OMERO3A__11 through every hop, the data directory and database settings
// carried into the new config.xml (the password never in the plan), the
// ports given with --set; then rollback to the 3.2 distribution.
TEST_F(Upgrade, From32DistributionTo54CarriesItsSettings) {
    make_dist("3.2.4", omerodir);
    make_dist("5.4.10", opt / "OMERO.server-5.4.10");
    ASSERT_EQ(create_32_database(dbname).code, 0);
    fs::create_directories(tmp / "data");
    chmod((tmp / "data").c_str(), 0777);
    write_file(omerodir / "etc/local.properties", "# site settings\nomero.db.name=" + dbname +
                                                      "\nomero.db.host=127.0.0.1\nomero.db.port=" + cluster().port +
                                                      "\nomero.db.pass=" + cluster().password +
                                                      "\nomero.data.dir=" + (tmp / "data").string() + "\n");
    RunOptions pg;  // before the swap the database password comes from libpq's own sources
    pg.env.emplace("PGPASSWORD", cluster().password);
    std::vector<std::string> words = {"upgrade",  "plan", "--to", (opt / "OMERO.server-5.4.10").string(),
                                      "--backup", "dump"};
    for (const char* k : {"omero.ports.registry", "omero.ports.ssl", "omero.ports.tcp"})
        words.push_back(std::string("--set=") + k + "=" + std::to_string(free_port()));
    for (const char* kv : {"omero.client.icetransports=tcp", "omero.glacier2.IceSSL.Protocols=tls1_2"})
        words.push_back(std::string("--set=") + kv);

    Result plan = omero(words, pg);
    ASSERT_EQ(plan.code, 0) << plan.out << plan.err;
    for (const std::string& want :
         {std::string("OMERO3A__11 -> OMERO4__0"), std::string("no config.xml to copy (3.x)"),
          "config set omero.db.name " + dbname, "config set omero.data.dir " + (tmp / "data").string(),
          "config set omero.db.pass (from " + (omerodir / "etc/local.properties").string() + ", not shown)",
          std::string("config set omero.client.icetransports tcp")})
        EXPECT_NE(plan.out.find(want), std::string::npos) << want << "\n" << plan.out;
    EXPECT_EQ(plan.out.find(cluster().password), std::string::npos) << "the password is never shown";
    Result bad =
        omero({"upgrade", "plan", "--to", (opt / "OMERO.server-5.4.10").string(), "--set", "omero.db.pass=secret"}, pg);
    EXPECT_EQ(bad.code, 2) << bad.err;
    EXPECT_NE(bad.err.find("visible to every user"), std::string::npos) << bad.err;

    words[1] = "run";
    Result r = omero(words, pg);
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(version(), "OMERO5.4__0");
    EXPECT_NE(read_file(omerodir / "etc/omero.properties").find("omero.version=5.4.10"), std::string::npos);
    EXPECT_EQ(omero({"config", "get", "omero.db.name"}).out, dbname + "\n");
    EXPECT_EQ(omero({"config", "get", "omero.data.dir"}).out, (tmp / "data").string() + "\n");
    EXPECT_NE(read_file(omerodir / "etc/grid/config.xml").find(cluster().password), std::string::npos);
    EXPECT_EQ(fs::status(omerodir / "etc/grid/config.xml").permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(read_file(omerodir / "var/upgrade/journal").find(cluster().password), std::string::npos);
    EXPECT_EQ(omero({"admin", "status"}).code, 0) << "the new server runs, without PGPASSWORD";
    EXPECT_FALSE(fs::exists(opt / "OMERO.server-3.2.4/etc/grid")) << "nothing written into the 3.2 distribution";

    r = omero({"upgrade", "rollback"}, pg);
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(read_file(omerodir / "etc/omero.properties").find("omero.version=3.2.4"), std::string::npos);
    EXPECT_NE(r.out.find("set omero.db.name="), std::string::npos) << r.out;
    std::string restored = r.out.substr(r.out.find("set omero.db.name=") + 18);
    restored = restored.substr(0, restored.find(' '));
    EXPECT_EQ(version(restored), "OMERO3A__11");
    EXPECT_EQ(version(), "OMERO5.4__0") << "the upgraded database is kept";
}

// OMERO.web's settings.py as the 4.1 guide says: carried from 4.1.0 to a
// later 4.1, never into 4.1.0.
TEST_F(Upgrade, OmeroWebSettingsCarriedWithin41NeverInto410) {
    make_dist("4.1.0", omerodir);
    make_dist("4.1.2", opt / "OMERO.server-4.1.2");
    write_file(omerodir / "lib/python/omeroweb/settings.py", "# ours\nADMINS = (('lab', 'lab@example.org'),)\n");
    create_41();
    configure();
    Result plan = omero({"upgrade", "plan", "--to", (opt / "OMERO.server-4.1.2").string(), "--no-start"});
    EXPECT_EQ(plan.code, 0) << plan.out << plan.err;
    EXPECT_NE(plan.out.find("carry     lib/python/omeroweb/settings.py: carried"), std::string::npos) << plan.out;

    fs::rename(omerodir, opt / "OMERO.server-4.1.0");
    make_dist("4.0.1", omerodir);
    fs::copy(opt / "OMERO.server-4.1.0/lib/python", omerodir / "lib/python", fs::copy_options::recursive);
    fs::copy(opt / "OMERO.server-4.1.0/etc/grid/config.xml", omerodir / "etc/grid/config.xml");
    plan = omero({"upgrade", "plan", "--to", (opt / "OMERO.server-4.1.0").string(), "--no-start"});
    EXPECT_EQ(plan.out.find("carry     lib/python/omeroweb/settings.py"), std::string::npos) << plan.out;
    EXPECT_NE(plan.out.find("settings.py is not carried into 4.1.0"), std::string::npos) << plan.out;
}

// A local edit of a line the new release changed too: the plan and the
// run stop with both sides shown, and nothing changes.
TEST_F(Upgrade, ConflictingEditStopsBeforeAnythingChanges) {
    make_dist("5.3.5", opt / "pristine/OMERO.server-5.3.5");
    archive(opt / "pristine/OMERO.server-5.3.5", tmp / "OMERO.server-5.3.5.zip");
    fs::copy(opt / "pristine/OMERO.server-5.3.5", opt / "OMERO.server-5.3.5", fs::copy_options::recursive);
    fs::create_directory_symlink("OMERO.server-5.3.5", omerodir);
    make_dist("5.4.10", opt / "OMERO.server-5.4.10");
    edit(opt / "OMERO.server-5.4.10/etc/templates/grid/default.xml", "<variable name=\"SEP\"           value=\":\"/>",
         "<variable name=\"SEP\"           value=\":\"/><!-- 5.4 -->");
    edit(omerodir / "etc/templates/grid/default.xml", "<variable name=\"SEP\"           value=\":\"/>",
         "<variable name=\"SEP\"           value=\";\"/>");
    create_52();
    configure();
    std::string config_before = read_file(omerodir / "etc/grid/config.xml");
    for (const char* cmd : {"plan", "run"}) {
        Result r = omero({"upgrade", cmd, "--to", (opt / "OMERO.server-5.4.10").string(), "--from-archive",
                          (tmp / "OMERO.server-5.3.5.zip").string()});
        EXPECT_EQ(r.code, 27) << cmd << r.out << r.err;
        std::string text = r.out + r.err;
        EXPECT_NE(text.find("conflict  etc/templates/grid/default.xml: CONFLICTS"), std::string::npos) << text;
        EXPECT_NE(text.find("<<<<<<< yours: etc/templates/grid/default.xml"), std::string::npos) << text;
        EXPECT_NE(text.find("value=\";\"/>"), std::string::npos);
        EXPECT_NE(text.find("<!-- 5.4 -->"), std::string::npos);
    }
    EXPECT_EQ(fs::read_symlink(omerodir), "OMERO.server-5.3.5");
    EXPECT_EQ(version(), "OMERO5.2__0");
    EXPECT_EQ(read_file(omerodir / "etc/grid/config.xml"), config_before);
    EXPECT_FALSE(fs::exists(omerodir / "var/upgrade/journal"));
    EXPECT_FALSE(fs::exists(opt / "OMERO.server-5.4.10/etc/grid/config.xml"));
}

// kill -9 at random moments of `run` and of each `resume`, many times, for
// a symlinked OMERODIR with a directory --to and a plain one with an
// archive: resume always finishes, the database is always at a complete
// version, config.xml is never lost.
TEST_F(Upgrade, KillNineAnywhereThenResumeFinishes) {
    std::mt19937 rng(test_seed());
    for (bool symlinked : {true, false}) {
        SCOPED_TRACE(symlinked ? "symlinked OMERODIR, directory --to" : "plain OMERODIR, archive --to");
        fs::remove_all(opt);
        fs::create_directories(opt);
        static int round = 0;
        dbname = "k" + std::to_string(getpid()) + "_" + std::to_string(++round);
        fs::path to;
        if (symlinked) {
            make_dist("4.1.2", opt / "OMERO.server-4.1.2");
            fs::create_directory_symlink("OMERO.server-4.1.2", omerodir);
            make_dist("5.4.10", opt / "OMERO.server-5.4.10");
            to = opt / "OMERO.server-5.4.10";
        } else {
            make_dist("4.1.2", omerodir);
            make_dist("5.4.10", tmp / "build" / std::to_string(round) / "OMERO.server-5.4.10");
            to = tmp / ("5.4.10-" + std::to_string(round) + ".tar.bz2");
            archive(tmp / "build" / std::to_string(round) / "OMERO.server-5.4.10", to);
        }
        create_41();
        configure();
        // The site's nginx file names the versioned directory: re-pointed with --yes.
        fs::path site = tmp / "omero.conf";
        write_file(site, "location /static { alias " + (opt / "OMERO.server-4.1.2").string() +
                             "/lib/python/omeroweb/static; }\n");
        std::string config = read_file(omerodir / "etc/grid/config.xml");
        std::set<std::string> landed;
        std::vector<std::string> args = {"upgrade",    "run",   "--to",       to.string(),
                                         "--no-start", "--yes", "--web-conf", site.string()};
        int kills = 0;
        for (; kills < 10; ++kills) {
            pid_t pid = fork();
            if (pid == 0) {
                setenv("OMERODIR", omerodir.c_str(), 1);
                setenv("HOME", tmp.path().c_str(), 1);
                unsetenv("PGPASSWORD");
                int devnull = open("/dev/null", O_RDWR);
                dup2(devnull, 0);
                dup2(devnull, 1);
                dup2(devnull, 2);
                std::vector<char*> argv = {const_cast<char*>("omero")};
                for (std::string& a : args) argv.push_back(a.data());
                argv.push_back(nullptr);
                execv(omero_exe().c_str(), argv.data());
                _exit(127);
            }
            // Later kills may wait longer (up to ~14 s): the run gets further
            // each time, however loaded the machine.
            std::uniform_int_distribution<int> delay_ms(0, static_cast<int>(200 * std::pow(1.6, kills)));
            std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
            kill(pid, SIGKILL);
            int status = 0;
            waitpid(pid, &status, 0);
            // The killed client's backend may still be rolling back.
            for (int k = 0; k < 100 && sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                           "AND pid <> pg_backend_pid()") != "0\n";
                 ++k)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            EXPECT_TRUE(kLegacyChain.count(version())) << version();
            landed.insert(last_step() + "@" + version());
            ASSERT_TRUE(fs::exists(omerodir / "etc/grid/config.xml")) << "after kill " << kills;
            // From now on the journal decides: resume (killed again, or, when
            // the run finished first, answering that there is nothing to resume).
            if (fs::exists(omerodir / "var/upgrade/journal")) args = {"upgrade", "resume"};
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0) break;  // it finished first
        }
        Result r = omero(args);
        ASSERT_EQ(r.code, 0) << r.out << r.err;
        std::string where;
        for (const std::string& l : landed) where += " " + l;
        std::cout << "killed in (step@database):" << where << "\n";
        EXPECT_EQ(version(), "OMERO5.4__0");
        EXPECT_EQ(journal_outcome(), "finished");
        EXPECT_NE(read_file(omerodir / "etc/omero.properties").find("omero.version=5.4.10"), std::string::npos);
        EXPECT_EQ(omero({"config", "get", "omero.db.name"}).out, dbname + "\n");
        EXPECT_EQ(omero({"config", "get", "omero.jvmcfg.heap_size.blitz"}).out, "512M\n")
            << "no pristine copy: the old value is kept as it was";
        if (symlinked) {
            EXPECT_EQ(fs::read_symlink(omerodir), "OMERO.server-5.4.10");
            EXPECT_EQ(read_file(opt / "OMERO.server-4.1.2/etc/grid/config.xml"), config);
            EXPECT_EQ(read_file(site),
                      "location /static { alias " + omerodir.string() + "/lib/python/omeroweb/static; }\n");
        } else {
            EXPECT_FALSE(fs::is_symlink(omerodir));
            EXPECT_EQ(read_file(opt / "OMERO.server-4.1.2/etc/grid/config.xml"), config);
            EXPECT_FALSE(fs::exists(opt / "OMERO.server-5.4.10.partial"));
        }
        EXPECT_EQ(omero({"upgrade", "resume"}).out.find("nothing to resume") != std::string::npos, true);
        // The scratch trees of killed surveys are gone with the run.
        for (const fs::path& d : {omerodir, opt / "OMERO.server-4.1.2"}) {
            if (!fs::is_directory(d / "var/upgrade")) continue;
            for (const auto& e : fs::directory_iterator(d / "var/upgrade"))
                EXPECT_EQ(e.path().filename().string().rfind("scratch.", 0), std::string::npos) << e.path();
        }
    }
}

// A packager's subset (no admin, no web): the plan names their packages,
// the run does the rest; `upgrade check` needs admin's registry query.
// --json: one object with the whole plan.
TEST_F(Upgrade, PackagerSubsetSkipsAdminAndWebNamingThem) {
    make_dist("5.2.8", opt / "OMERO.server-5.2.8");
    fs::create_directory_symlink("OMERO.server-5.2.8", omerodir);
    make_dist("5.4.10", opt / "OMERO.server-5.4.10");
    create_52();
    configure();
    fs::path plugins = tmp / "plugins";
    fs::create_directories(plugins);
    for (const auto& e : fs::directory_iterator(build_dir() / "lib/omero/plugins/abi1")) {
        std::string name = e.path().filename().string();
        if (name.find("admin") == std::string::npos && name.find("web") == std::string::npos)
            fs::copy(e.path(), plugins / name);
    }
    RunOptions o;
    o.env.emplace("OMERO_PLUGIN_PATH", plugins.string());
    // A client still on the database (the server, as far as we can tell): refused.
    pid_t holder = fork();
    if (holder == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0), dup2(devnull, 1), dup2(devnull, 2);
        execl((source_dir() / "scripts/pg-cluster.sh").c_str(), "pg-cluster.sh", "psql", cluster().dir.c_str(), "-d",
              dbname.c_str(), "-c", "SELECT pg_sleep(30)", nullptr);
        _exit(127);
    }
    for (int i = 0;
         i < 100 && sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'") != "1\n"; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    Result r = omero({"upgrade", "plan", "--json", "--to", (opt / "OMERO.server-5.4.10").string()}, o);
    EXPECT_EQ(r.code, 27) << r.out << r.err;
    EXPECT_NE(r.out.find("other client(s) are connected to " + dbname), std::string::npos) << r.out;
    // The named check that found it says so.
    nlohmann::json refused;
    for (size_t at = 0, nl; (nl = r.out.find('\n', at)) != std::string::npos; at = nl + 1)
        if (auto j = nlohmann::json::parse(r.out.substr(at, nl - at), nullptr, false); j.contains("checks"))
            refused = j;
    ASSERT_EQ(refused["checks"].size(), 10u) << r.out;
    for (const auto& k : refused["checks"]) EXPECT_EQ(k["ok"], k["name"] != "clients") << k.dump();
    kill(holder, SIGKILL);
    waitpid(holder, nullptr, 0);
    sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%'");
    r = omero({"upgrade", "plan", "--json", "--to", (opt / "OMERO.server-5.4.10").string()}, o);
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    auto plan = nlohmann::json::parse(r.out);
    EXPECT_EQ(plan["ready"], true);
    EXPECT_EQ(plan["checks"].size(), 10u) << plan.dump(1);
    for (const auto& k : plan["checks"]) EXPECT_EQ(k["ok"], true) << k.dump();
    EXPECT_EQ(plan["db_from"], "OMERO5.2__0");
    EXPECT_EQ(plan["db_to"], "OMERO5.4__0");
    EXPECT_EQ(plan["db_plan"]["hops"].size(), 2u) << plan.dump(1);
    EXPECT_NE(plan["skipped"].dump().find("install package omero-plugin-admin"), std::string::npos) << plan.dump(1);
    EXPECT_NE(plan["skipped"].dump().find("install package omero-plugin-web"), std::string::npos);
    r = omero({"upgrade", "run", "--optimize", "--to", (opt / "OMERO.server-5.4.10").string()}, o);
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_NE(r.err.find("==> optimize: omero db optimize --full"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("==> start:"), std::string::npos) << r.err;
    EXPECT_EQ(version(), "OMERO5.4__0");
    r = omero({"upgrade", "check"}, o);
    EXPECT_EQ(r.code, 126);
    EXPECT_NE(r.err.find("omero-plugin-admin"), std::string::npos) << r.err;
    set("omero.upgrades.url", "http://127.0.0.1:" + std::to_string(free_port()) + "/");
    EXPECT_EQ(omero({"upgrade", "check"}).code, 2) << "the registry cannot be asked";
}

// A running 5.3 server and OMERO.web on a symlinked OMERODIR: both
// stopped, the backup taken while they are down, both back on 5.4 with
// the static files synced; a second run is refused while one is unfinished.
TEST_F(Upgrade, RunningServerAndWebComeBackOnTheNewRelease) {
    ASSERT_EQ(run("/usr/bin/python3", {"-c", "import django, gunicorn"}).code, 0)
        << "/usr/bin/python3 lacks Django or gunicorn: run scripts/install-deps.sh";
    make_dist("5.3.5", opt / "OMERO.server-5.3.5");
    fs::create_directory_symlink("OMERO.server-5.3.5", omerodir);
    make_dist("5.4.10", opt / "OMERO.server-5.4.10");
    fs::copy(source_dir() / "tests/web", tmp / "py", fs::copy_options::recursive);
    create_52();
    configure();
    set("omero.web.python", "/usr/bin/python3");
    set("omero.web.application_server.port", std::to_string(free_port()));
    Result r = omero({"db", "upgrade", "--to", "OMERO5.3__0", "--no-backup"});
    ASSERT_EQ(r.code, 0) << r.err;
    r = omero({"admin", "start"});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    r = omero({"web", "start"});
    ASSERT_EQ(r.code, 0) << r.out << r.err;

    r = omero({"upgrade", "run", "--to", (opt / "OMERO.server-5.4.10").string()});
    ASSERT_EQ(r.code, 0) << r.out << r.err;
    for (const char* step :
         {"==> stop: omero web stop", "==> stop: omero admin stop", "==> backup: omero db clone",
          "==> start: omero admin start", "==> syncmedia: omero web syncmedia", "==> webstart: omero web start"})
        EXPECT_NE(r.err.find(step), std::string::npos) << step << "\n" << r.err;
    EXPECT_LT(r.err.find("==> stop: omero admin stop"), r.err.find("==> backup:")) << "backup after the stop";
    EXPECT_EQ(version(), "OMERO5.4__0");
    EXPECT_EQ(omero({"admin", "status"}).code, 0);
    EXPECT_EQ(omero({"web", "status"}).code, 0);
    EXPECT_TRUE(fs::exists(opt / "OMERO.server-5.4.10/var/django.pid"));
    // A finished run does not block the next; an unfinished one does.
    std::string journal = read_file(omerodir / "var/upgrade/journal");
    size_t finished = journal.rfind("\"event\":\"finished\"");
    ASSERT_NE(finished, std::string::npos) << journal;
    write_file(omerodir / "var/upgrade/journal", journal.substr(0, journal.rfind('\n', finished) + 1));
    r = omero({"upgrade", "run", "--to", (opt / "OMERO.server-5.3.5").string()});
    EXPECT_EQ(r.code, 28) << r.err;
    EXPECT_NE(r.err.find("omero upgrade resume"), std::string::npos) << r.err;
}

}  // namespace
