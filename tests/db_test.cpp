// `omero db` against a real PostgreSQL cluster (scripts/pg-cluster.sh),
// started once for this suite on a free loopback port and stopped after.
#include "cluster.hpp"
#include "run.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <regex>
#include <set>
#include <thread>

namespace fs = std::filesystem;
using namespace omero::test;

namespace {

const auto* const kEnv = ::testing::AddGlobalTestEnvironment(cluster_environment());

class Db : public ::testing::Test {
protected:
    TempDir tmp;
    fs::path srv = tmp / "OMERO.server";
    std::string dbname;

    void SetUp() override {
        static int counter = 0;
        dbname = "t" + std::to_string(getpid()) + "_" + std::to_string(++counter);
        fs::create_directories(srv / "sql");
        fs::copy(source_dir() / "sql/psql", srv / "sql/psql", fs::copy_options::recursive);
        config({"set", "omero.db.host", "127.0.0.1"});
        config({"set", "omero.db.port", cluster().port});
        config({"set", "omero.db.name", dbname});
        config({"set", "omero.db.pass", cluster().password});
    }

    RunOptions env(RunOptions o = {}) {
        o.env.emplace("OMERODIR", srv.string());
        o.env.emplace("OMERO_PLUGIN_PATH", (build_dir() / "lib/omero/plugins/abi1").string());
        o.env.emplace("OMERO_CONFIG", std::nullopt);
        o.env.emplace("PGPASSWORD", std::nullopt);
        o.env.emplace("HOME", tmp.path().string());
        o.env.emplace("OMERO_ROOT_PASSWORD", "root-secret");
        return o;
    }
    Result config(std::vector<std::string> args) {
        args.insert(args.begin(), "config");
        return run(omero_exe(), args, env());
    }
    Result db(std::vector<std::string> args, RunOptions o = {}) {
        args.insert(args.begin(), "db");
        return run(omero_exe(), args, env(std::move(o)));
    }
    std::string sql(const std::string& q, const std::string& database = "") {
        Result r = superuser(database.empty() ? dbname : database, q);
        EXPECT_EQ(r.code, 0) << q << ": " << r.err;
        return r.out;
    }
    void init_demo() {
        Result r = db({"init", "--version", "OMERO1.0", "--patch", "0"});
        ASSERT_EQ(r.code, 0) << r.err;
    }
    // An extra hop OMERO1.2__0 -> OMERO1.3__0 with the given body.
    void add_hop_13(const std::string& body) {
        write_file(srv / "sql/psql/OMERO1.3__0/OMERO1.2__0.sql",
                   "BEGIN;\nINSERT INTO dbpatch (currentVersion, currentPatch, previousVersion, previousPatch)\n"
                   "    VALUES ('OMERO1.3', 0, 'OMERO1.2', 0);\n" +
                       body +
                       "UPDATE dbpatch SET message = 'Database updated.', finished = clock_timestamp()\n"
                       "    WHERE id IN (SELECT id FROM dbpatch ORDER BY id DESC LIMIT 1);\nCOMMIT;\n");
    }
    // `omero db upgrade --no-backup` in the background, output discarded: for kill tests.
    pid_t spawn_upgrade() { return spawn({"omero", "db", "upgrade", "--no-backup"}); }
    pid_t spawn(const std::vector<std::string>& args, const char* extra_env = nullptr) {
        pid_t pid = fork();
        if (pid == 0) {
            setenv("OMERODIR", srv.c_str(), 1);
            setenv("OMERO_PLUGIN_PATH", (build_dir() / "lib/omero/plugins/abi1").c_str(), 1);
            setenv("TMPDIR", tmp.path().c_str(), 1);
            if (extra_env) putenv(const_cast<char*>(extra_env));
            int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, 1);
            dup2(devnull, 2);
            std::vector<char*> argv;
            for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
            argv.push_back(nullptr);
            execv(args[0] == "omero" ? omero_exe().c_str() : args[0].c_str(), argv.data());
            _exit(127);
        }
        return pid;
    }
    // Holds an exclusive lock on the image table for `seconds` (pg_dump waits behind it).
    pid_t hold_image_lock(int seconds) {
        return spawn(
            {(source_dir() / "scripts/pg-cluster.sh").string(), "psql", cluster().dir.string(), "-d", dbname, "-c",
             "BEGIN; LOCK TABLE image IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(" + std::to_string(seconds) + ")"});
    }
    void release_image_lock(pid_t locker) {
        sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%LOCK TABLE image%' "
            "AND pid <> pg_backend_pid()");
        waitpid(locker, nullptr, 0);
    }
    std::string version() {
        return sql("SELECT currentversion || '__' || currentpatch FROM dbpatch ORDER BY id DESC LIMIT 1");
    }
};

TEST_F(Db, PasswordMatchesReference) {
    Result r = db({"password", "--no-salt", "ome"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "UPDATE password SET hash = 'vvFwuczAmpyoRC0Nsv8FCw==' WHERE experimenter_id = 0;\n");
    EXPECT_EQ(db({"password", "omero"}).out,
              "UPDATE password SET hash = 'kYMkc9SyhupHyJP1Cl2Alg==' WHERE experimenter_id = 0;\n");
    EXPECT_EQ(db({"password", "--empty", "--user-id", "3"}).out,
              "UPDATE password SET hash = '' WHERE experimenter_id = 3;\n");
}

TEST_F(Db, ScriptIsByteCompatibleWithTheReference) {
    fs::path shared = shared_dir();
    if (shared.empty()) GTEST_SKIP() << "../shared is absent: no real OMERO5.4__0 scripts";
    fs::copy(shared / "omero-sql/OMERO5.4__0", srv / "sql/psql/OMERO5.4__0", fs::copy_options::recursive);
    Result r = db({"script", "--version", "OMERO5.4", "--patch", "0", "--password", "omero", "-f", "-"});
    ASSERT_EQ(r.code, 0) << r.err;
    // The fixed text is 373 180 bytes, plus TIME (24), DIR, SCRIPT and the hash (24). This
    // agrees with the script measured in omero-sql-web.md (373 251 bytes = 373 180 + 24 +
    // "sql/psql/OMERO5.4__0" + "<filename here>" + a 12-byte hash placeholder); the
    // "373 204" stated there counts TIME twice.
    std::string dir = (srv / "sql/psql/OMERO5.4__0").string();
    EXPECT_EQ(r.out.size(), 373180u + 24 + dir.size() + std::string("<filename here>").size() + 24);
    EXPECT_NE(r.out.find("-- GENERATED "), std::string::npos);
    EXPECT_NE(r.out.find(" from " + dir + "\n"), std::string::npos);
    EXPECT_NE(r.out.find("insert into password values (0,'kYMkc9SyhupHyJP1Cl2Alg==');"), std::string::npos);
    EXPECT_EQ(r.out.find("%(TIME)s"), std::string::npos);
    EXPECT_NE(r.err.find("Using password from commandline"), std::string::npos);
    // Without -f: <V>__<P>.sql in the working directory.
    r = db({"script", "--version", "OMERO5.4", "--patch", "0", "--password", "omero"}, {.cwd = tmp.path()});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(fs::exists(tmp / "OMERO5.4__0.sql"));
    EXPECT_NE(r.err.find("Saving to " + (tmp / "OMERO5.4__0.sql").string()), std::string::npos) << r.err;
    EXPECT_EQ(db({"script", "--version", "OMERO9.9", "--patch", "0", "--password", "x", "-f", "-"}).code, 2);
}

TEST_F(Db, InitStatusUpgradeStatus) {
    Result r = db({"status"});
    EXPECT_EQ(r.code, 20);  // the database does not exist yet
    EXPECT_NE(r.err.find("omero db init"), std::string::npos) << r.err;
    init_demo();
    EXPECT_EQ(db({"init"}).code, 26);  // never twice
    r = db({"status", "--json"});
    EXPECT_EQ(r.code, 2);
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["current"], "OMERO1.0__0");
    EXPECT_EQ(j["target"], "OMERO1.2__0");
    EXPECT_EQ(j["pending"].size(), 2u);

    r = db({"upgrade", "--dry-run"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.out.find("sha256:"), std::string::npos);
    EXPECT_EQ(version(), "OMERO1.0__0\n");

    r = db({"upgrade", "--no-backup", "--to", "OMERO1.1"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(version(), "OMERO1.1__0\n");
    r = db({"upgrade", "--json"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("\"event\":\"backup\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"event\":\"progress\""), std::string::npos);
    EXPECT_EQ(db({"status"}).code, 0);
    EXPECT_EQ(sql("SELECT count(*) FROM image WHERE description IS NOT NULL"), "5000\n");
    EXPECT_EQ(sql("SELECT count(*) FROM annotation"), "5000\n");
    EXPECT_EQ(sql("SELECT outcome, to_version, length(sha256) FROM omero_cli_history ORDER BY id"),
              "success|OMERO1.1__0|64\nsuccess|OMERO1.2__0|64\n");
    EXPECT_EQ(fs::status(*fs::directory_iterator(srv / "var/backups")).permissions() & fs::perms::mask,
              fs::perms::owner_all);     // a directory dump, 0700
    EXPECT_EQ(db({"upgrade"}).code, 0);  // nothing to do
}

TEST_F(Db, FailingStatementRollsItsHopBack) {
    init_demo();
    add_hop_13(
        "CREATE TABLE half_done (id int);\nINSERT INTO no_such_table VALUES (1);\nCREATE TABLE never (id int);\n");
    Result r = db({"upgrade", "--no-backup"});
    EXPECT_EQ(r.code, 23) << r.err;
    EXPECT_NE(r.err.find("OMERO1.3__0/OMERO1.2__0.sql:5"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("relation \"no_such_table\" does not exist"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("the database is at OMERO1.2__0"), std::string::npos) << r.err;
    EXPECT_EQ(version(), "OMERO1.2__0\n");  // the earlier hops stay
    EXPECT_EQ(sql("SELECT to_regclass('half_done') IS NULL"), "t\n");
    EXPECT_EQ(sql("SELECT outcome FROM omero_cli_history ORDER BY id"), "success\nsuccess\nfailed\n");
    EXPECT_NE(sql("SELECT error FROM omero_cli_history WHERE outcome = 'failed'").find("no_such_table"),
              std::string::npos);
}

TEST_F(Db, ScriptThatDoesNotRecordItsVersionIsRolledBack) {
    init_demo();
    write_file(srv / "sql/psql/OMERO1.3__0/OMERO1.2__0.sql", "BEGIN;\nCREATE TABLE forgot (id int);\nCOMMIT;\n");
    Result r = db({"upgrade", "--no-backup"});
    EXPECT_EQ(r.code, 23) << r.err;
    EXPECT_NE(r.err.find("did not record version OMERO1.3__0 in dbpatch"), std::string::npos) << r.err;
    EXPECT_EQ(version(), "OMERO1.2__0\n");
    EXPECT_EQ(sql("SELECT to_regclass('forgot') IS NULL"), "t\n");
}

TEST_F(Db, PrecheckFailureChangesNothing) {
    init_demo();
    sql("UPDATE image SET name = '' WHERE id = 1");
    Result r = db({"upgrade", "--no-backup"});
    EXPECT_EQ(r.code, 24) << r.err;
    EXPECT_NE(r.err.find("images without a name"), std::string::npos) << r.err;
    EXPECT_EQ(version(), "OMERO1.0__0\n");
    EXPECT_EQ(sql("SELECT outcome FROM omero_cli_history"), "precheck-failed\n");
}

// The hop contract (sdk/include/omero/plugin_abi.h) with a real hop plugin:
// checks in the hop's transaction, fixes before the script, NULLs bound,
// a hop no script serves, the plugin named in the history.
TEST_F(Db, HopPluginsCheckFixAndAreRecorded) {
    init_demo();
    sql("UPDATE image SET acquired = NULL WHERE id IN (1, 2)");
    RunOptions with_fixer;
    with_fixer.env.emplace("OMERO_PLUGIN_PATH",
                           (build_dir() / "lib/omero/plugins/abi1").string() + ":" OMERO_TEST_PLUGIN_DIR "/fixer");
    auto run_db = [&](std::vector<std::string> args, bool fix) {
        RunOptions o = with_fixer;
        if (fix) o.env.emplace("FIXER_FIX", "1");
        return db(std::move(args), o);
    };
    // The plan shows the plugin, its notes and its check's findings, read-only.
    Result r = run_db({"upgrade", "--dry-run"}, false);
    EXPECT_EQ(r.code, 24) << r.err;
    EXPECT_NE(r.out.find("image 1 (owner"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("image 2 (owner"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("plugin:   fixer 0.0.1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("note:     images without an acquisition date"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("OMERO1.2__0 -> OMERO1.3__0"), std::string::npos) << r.out;
    EXPECT_EQ(version(), "OMERO1.0__0\n");
    r = run_db({"status"}, false);
    EXPECT_EQ(r.code, 24) << r.err;  // a refusing check blocks the upgrade
    EXPECT_NE(r.out.find("plugin fixer 0.0.1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("a check refuses the rows named above"), std::string::npos) << r.out;

    // A refusing check: its hop changes nothing, not even what the check wrote.
    r = run_db({"upgrade", "--no-backup"}, false);
    EXPECT_EQ(r.code, 24) << r.err;
    EXPECT_NE(r.err.find("plugin 'fixer' refused the hop OMERO1.1__0 -> OMERO1.2__0"), std::string::npos) << r.err;
    EXPECT_EQ(version(), "OMERO1.1__0\n");
    EXPECT_EQ(sql("SELECT to_regclass('fixer_marker') IS NULL"), "t\n");
    EXPECT_EQ(sql("SELECT outcome, plugins FROM omero_cli_history ORDER BY id DESC LIMIT 1"),
              "precheck-failed|fixer 0.0.1\n");

    // Asked to fix: the fix runs before the script that needs it; the hop
    // without a script gets its dbpatch row from the engine.
    r = run_db({"upgrade", "--no-backup"}, true);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(version(), "OMERO1.3__0\n");
    EXPECT_EQ(sql("SELECT count(*) FROM image WHERE acquired = '2001-01-01'"), "2\n");
    EXPECT_EQ(sql("SELECT v IS NULL, was_null FROM fixer_after"), "t|t\n");
    EXPECT_EQ(
        sql("SELECT count(*) FROM information_schema.columns WHERE table_name = 'image' AND column_name = 'fixed'"),
        "1\n");
    EXPECT_EQ(sql("SELECT message FROM dbpatch ORDER BY id DESC LIMIT 1"), "Database updated by fixer 0.0.1\n");
    EXPECT_EQ(sql("SELECT script, outcome, plugins FROM omero_cli_history ORDER BY id DESC LIMIT 2"),
              "plugin hop OMERO1.2__0 -> OMERO1.3__0 (fixer)|success|fixer 0.0.1\n" +
                  (srv / "sql/psql/OMERO1.2__0/OMERO1.1__0.sql").string() + "|success|fixer 0.0.1\n");
}

// A declared check that cannot run on the first hop's own schema is the
// plugin's error: the same 24 from status, --dry-run and the run, which
// refuses before its backup and changes nothing.
TEST_F(Db, BrokenCheckOfTheFirstHopIsTheSameErrorEverywhere) {
    init_demo();
    ASSERT_EQ(db({"upgrade", "--to", "OMERO1.1__0", "--no-backup"}).code, 0);
    RunOptions o;
    o.env.emplace("OMERO_PLUGIN_PATH",
                  (build_dir() / "lib/omero/plugins/abi1").string() + ":" OMERO_TEST_PLUGIN_DIR "/fixer");
    o.env.emplace("FIXER_BROKEN_CHECK", "1");
    for (std::vector<std::string> args : {std::vector<std::string>{"status"}, {"upgrade", "--dry-run"}, {"upgrade"}}) {
        Result r = db(args, o);
        EXPECT_EQ(r.code, 24) << args.back() << "\n" << r.out << r.err;
        EXPECT_NE((r.out + r.err).find("no_such_column"), std::string::npos) << args.back() << "\n" << r.out << r.err;
        EXPECT_EQ(r.err.find("backing up"), std::string::npos) << r.err;
    }
    EXPECT_EQ(version(), "OMERO1.1__0\n");
}

TEST_F(Db, MissingHopNamesTheScript) {
    init_demo();
    fs::remove_all(srv / "sql/psql/OMERO1.1__0");
    Result r = db({"upgrade", "--to", "OMERO1.2__0", "--no-backup"});
    EXPECT_EQ(r.code, 25);
    EXPECT_NE(r.err.find("OMERO1.2__0/OMERO1.0__0.sql"), std::string::npos) << r.err;
}

TEST_F(Db, KillNineAlwaysLeavesACompleteVersion) {
    init_demo();
    std::string body;
    for (int i = 0; i < 12; ++i)
        body += "SELECT pg_sleep(0.03);\nCREATE TABLE slow_" + std::to_string(i) + " (n int);\n";
    add_hop_13(body);
    std::mt19937 rng(7);
    const std::set<std::string> complete = {"OMERO1.0__0\n", "OMERO1.1__0\n", "OMERO1.2__0\n", "OMERO1.3__0\n"};
    for (int round = 0; round < 8; ++round) {
        pid_t pid = spawn_upgrade();
        std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 500));
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        std::string v = version();
        ASSERT_TRUE(complete.count(v)) << v;
        // The schema matches the version: a hop's tables exist only once it is recorded.
        EXPECT_EQ(sql("SELECT to_regclass('slow_11') IS NOT NULL"), v == "OMERO1.3__0\n" ? "t\n" : "f\n");
        EXPECT_EQ(sql("SELECT to_regclass('annotation') IS NOT NULL"),
                  (v == "OMERO1.2__0\n" || v == "OMERO1.3__0\n") ? "t\n" : "f\n");
    }
    Result r = db({"upgrade", "--no-backup"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(version(), "OMERO1.3__0\n");
    // Each killed attempt that had begun a hop is in the history as interrupted; none is left running.
    EXPECT_EQ(sql("SELECT count(*) FROM omero_cli_history WHERE outcome = 'running'"), "0\n");
    EXPECT_NE(sql("SELECT count(*) FROM omero_cli_history WHERE outcome = 'interrupted'"), "0\n");
}

TEST_F(Db, CtrlCCancelsTheStatementAndRollsBack) {
    init_demo();
    ASSERT_EQ(db({"upgrade", "--no-backup"}).code, 0);
    add_hop_13("CREATE TABLE before_sleep (id int);\nSELECT pg_sleep(30);\n");
    pid_t pid = spawn_upgrade();
    // Wait until the server is inside the sleep, then press Ctrl-C.
    for (int i = 0; i < 100 && sql("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' "
                                   "AND pid <> pg_backend_pid()") != "1\n";
         ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto start = std::chrono::steady_clock::now();
    kill(pid, SIGINT);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));  // not the 30 s sleep
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 130);
    EXPECT_EQ(version(), "OMERO1.2__0\n");
    EXPECT_EQ(sql("SELECT to_regclass('before_sleep') IS NULL"), "t\n");
    EXPECT_EQ(sql("SELECT outcome FROM omero_cli_history ORDER BY id DESC LIMIT 1"), "cancelled\n");
}

TEST_F(Db, ConcurrentUpgradesApplyEachHopOnce) {
    init_demo();
    add_hop_13("SELECT pg_sleep(0.3);\n");
    Result a, b;
    std::thread t1([&] { a = db({"upgrade", "--no-backup"}); });
    std::thread t2([&] { b = db({"upgrade", "--no-backup"}); });
    t1.join();
    t2.join();
    EXPECT_EQ(a.code, 0) << a.err;
    EXPECT_EQ(b.code, 0) << b.err;
    EXPECT_EQ(sql("SELECT count(*) FROM dbpatch"), "4\n");
    EXPECT_EQ(sql("SELECT to_version, count(*) FROM omero_cli_history WHERE outcome = 'success' GROUP BY 1 ORDER BY 1"),
              "OMERO1.1__0|1\nOMERO1.2__0|1\nOMERO1.3__0|1\n");
}

TEST_F(Db, LockTimeoutNamesTheHolder) {
    init_demo();
    // Another session holds the upgrade lock for a few seconds.
    std::thread holder(
        [&] { sql("SELECT pg_advisory_lock(" + std::to_string(0x6f6d65726f5f7570LL) + "), pg_sleep(4)"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    Result r = db({"upgrade", "--no-backup", "--lock-timeout", "1"});
    holder.join();
    EXPECT_EQ(r.code, 21) << r.err;
    EXPECT_NE(r.err.find("another upgrade of " + dbname + " is running: PostgreSQL backend "), std::string::npos)
        << r.err;
    EXPECT_EQ(version(), "OMERO1.0__0\n");

    // Held by another omero: the process is named, not its backend.
    pid_t locker = hold_image_lock(30);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    pid_t first = spawn_upgrade();  // takes the upgrade lock, then waits behind the image lock
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    r = db({"upgrade", "--no-backup", "--lock-timeout", "1"});
    EXPECT_EQ(r.code, 21) << r.err;
    EXPECT_NE(r.err.find("is running: pid " + std::to_string(first) + " on "), std::string::npos) << r.err;
    release_image_lock(locker);
    waitpid(first, nullptr, 0);
}

TEST_F(Db, BackupFailureStopsTheUpgrade) {
    init_demo();
    write_file(tmp / "not-a-dir", "x");
    Result r = db({"upgrade", "--backup-dir", (tmp / "not-a-dir").string()});
    EXPECT_EQ(r.code, 22) << r.err;
    EXPECT_EQ(version(), "OMERO1.0__0\n");
}

TEST_F(Db, DumpRestoreSwitch) {
    init_demo();
    ASSERT_EQ(db({"upgrade", "--no-backup"}).code, 0);
    fs::path dump = tmp / "before.pgdump";
    Result r = db({"dump", "-f", dump.string()});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(fs::status(dump).permissions() & fs::perms::mask, fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_FALSE(fs::exists(dump.string() + ".partial"));
    EXPECT_EQ(db({"dump", "-f", dump.string()}).code, 22);  // never over an existing file

    std::string copy = dbname + "_copy";
    r = db({"restore", dump.string(), "--to", copy, "--switch", "-j", "2"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(config({"get", "omero.db.name"}).out, copy + "\n");
    for (const char* t : {"image", "annotation", "dbpatch", "experimenter", "password"})
        EXPECT_EQ(sql(std::string("SELECT count(*) FROM ") + t, copy), sql(std::string("SELECT count(*) FROM ") + t))
            << t;
    const char* schema_q =
        "SELECT table_name || '.' || column_name || ':' || data_type FROM information_schema.columns "
        "WHERE table_schema = 'public' ORDER BY 1";
    EXPECT_EQ(sql(schema_q, copy), sql(schema_q));
    EXPECT_EQ(db({"status"}).code, 0);  // now on the copy
    EXPECT_EQ(db({"restore", dump.string(), "--to", copy}).code, 26);
    EXPECT_EQ(db({"restore", dump.string()}).code, 2);  // --to is required
    // Directory format, in parallel.
    r = db({"dump", "-f", (tmp / "dir").string(), "--format", "directory", "-j", "2"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(fs::status(tmp / "dir").permissions() & fs::perms::mask, fs::perms::owner_all);
}

// kill -9 of a dump leaves no password on disk and no pg_dump running; the
// next dump removes the dead run's partial file; SIGTERM stops cleanly (130).
TEST_F(Db, KilledDumpLeavesNoSecretAndNoOrphan) {
    init_demo();
    auto pg_dumps = [&] { return run("/bin/sh", {"-c", "pgrep -f 'pg_dump .*" + dbname + "$' || true"}).out; };
    auto wait_for = [&](const std::function<bool()>& ok) {
        for (int i = 0; i < 100 && !ok(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        return ok();
    };
    fs::path dir = tmp / "dumps";
    fs::create_directories(dir);
    pid_t locker = hold_image_lock(30);
    ASSERT_TRUE(wait_for([&] {
        return sql("SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock' "
                   "AND relation = 'image'::regclass") == "1\n";
    }));
    pid_t dump = spawn({"omero", "db", "dump", "-f", (dir / "a.pgdump").string()});
    // Started, and its file open (a loaded machine may show the process first).
    ASSERT_TRUE(wait_for([&] { return !pg_dumps().empty() && fs::exists(dir / "a.pgdump.partial"); }))
        << "pg_dump did not start";
    kill(dump, SIGKILL);
    waitpid(dump, nullptr, 0);
    EXPECT_TRUE(wait_for([&] { return pg_dumps().empty(); })) << "pg_dump outlived omero: " << pg_dumps();
    for (const fs::path& where : {fs::path("/tmp"), tmp.path()})
        for (auto& e : fs::directory_iterator(where))
            EXPECT_EQ(e.path().filename().string().find("pgpass"), std::string::npos) << e.path();
    EXPECT_TRUE(fs::exists(dir / "a.pgdump.partial"));  // the dead run's, until the next dump

    // SIGTERM: pg_dump stopped, the partial removed, exit 130.
    dump = spawn({"omero", "db", "dump", "-f", (dir / "b.pgdump").string()});
    ASSERT_TRUE(wait_for([&] { return !pg_dumps().empty(); }));
    EXPECT_FALSE(fs::exists(dir / "a.pgdump.partial")) << "the dead run's partial dump was not cleaned up";
    kill(dump, SIGTERM);
    int status = 0;
    waitpid(dump, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 130) << status;
    EXPECT_TRUE(wait_for([&] { return pg_dumps().empty(); }));
    EXPECT_FALSE(fs::exists(dir / "b.pgdump.partial"));
    release_image_lock(locker);

    // A missing directory is an error unless asked for.
    Result r = db({"dump", "-f", (tmp / "no/such/dir/x.pgdump").string()});
    EXPECT_EQ(r.code, 22);
    EXPECT_NE(r.err.find("--parents"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(tmp / "no"));
    EXPECT_EQ(db({"dump", "--parents", "-f", (tmp / "no/such/dir/x.pgdump").string()}).code, 0);
}

TEST_F(Db, ForeignDatabasesAreNamedNotInitialised) {
    init_demo();
    std::string other = dbname + "_other";
    sql("CREATE DATABASE " + other + " OWNER omero", "postgres");
    sql("CREATE TABLE unrelated (x int)", other);
    RunOptions o;
    o.env.emplace("OMERO_CONFIG", std::nullopt);
    Result r = db({"status", "--name", other});
    EXPECT_EQ(r.code, 26) << r.out << r.err;
    EXPECT_NE(r.out.find("holds 1 tables but no dbpatch table"), std::string::npos) << r.out;
    r = db({"init", "--name", other});
    EXPECT_EQ(r.code, 26) << r.err;
    EXPECT_EQ(sql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", other), "1\n");
    sql("CREATE TABLE dbpatch (x int)", other);
    r = db({"status", "--name", other});
    EXPECT_EQ(r.code, 26) << r.err;
    EXPECT_NE(r.err.find("has a table dbpatch that is not OMERO's"), std::string::npos) << r.err;
    // db script writes the root password's hash: 0600.
    r = db({"script", "-f", (tmp / "s.sql").string(), "--version", "OMERO1.0", "--patch", "0", "--password", "x"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(fs::status(tmp / "s.sql").permissions() & fs::perms::mask,
              fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(Db, OptimizeAnalyzesAndVacuums) {
    init_demo();
    Result r = db({"optimize", "-j", "2"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("analysed"), std::string::npos);
    EXPECT_NE(sql("SELECT count(*) FROM pg_stat_user_tables WHERE last_analyze IS NOT NULL"), "0\n");
    // VACUUM FULL rewrites each table (and its indexes) into new files.
    std::string before = sql("SELECT pg_relation_filenode('image') || ' ' || pg_relation_filenode('image_pkey')");
    r = db({"optimize", "--full"});
    EXPECT_EQ(r.code, 0) << r.err;
    std::string after = sql("SELECT pg_relation_filenode('image') || ' ' || pg_relation_filenode('image_pkey')");
    EXPECT_NE(before.substr(0, before.find(' ')), after.substr(0, after.find(' ')));
    EXPECT_NE(before.substr(before.find(' ')), after.substr(after.find(' ')));
}

TEST_F(Db, ConnectionErrorsAreClearAndSecretFree) {
    config({"set", "omero.db.pass", "wrong-secret-123"});
    Result r = db({"status"});
    EXPECT_EQ(r.code, 20);
    EXPECT_NE(r.err.find("user omero on 127.0.0.1:" + cluster().port + ", database " + dbname), std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("omero.db.pass"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("wrong-secret-123"), std::string::npos);
    r = db({"status", "--port", "1"});
    EXPECT_EQ(r.code, 20);
    EXPECT_NE(r.err.find("127.0.0.1:1"), std::string::npos) << r.err;
    // The password may come from PGPASSWORD instead.
    config({"set", "omero.db.pass"});
    r = db({"init", "--version", "OMERO1.0", "--patch", "0"}, {.env = {{"PGPASSWORD", cluster().password}}});
    EXPECT_EQ(r.code, 0) << r.err;
    r = db({"status"}, {.env = {{"PGPASSWORD", cluster().password}}});
    EXPECT_EQ(r.code, 2) << r.err;
}

// A hop plugin built before omero_upgrade_hop grew (its struct_size ends at
// `flags`) still loads, is listed and runs: the struct only grows at the end.
TEST_F(Db, HopPluginWithTheFirstHopStructStillRuns) {
    init_demo();
    RunOptions o;
    o.env.emplace("OMERO_PLUGIN_PATH",
                  (build_dir() / "lib/omero/plugins/abi1").string() + ":" OMERO_TEST_PLUGIN_DIR "/oldhop");
    Result r = db({"upgrade", "--dry-run"}, o);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.out.find("plugin:   oldhop 0.0.1"), std::string::npos) << r.out;
    r = db({"upgrade", "--no-backup"}, o);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(version(), "OMERO1.3__0\n");
    EXPECT_EQ(sql("SELECT to_regclass('oldhop_ran') IS NOT NULL"), "t\n");
}

TEST_F(Db, RealChainMatchesAFreshDatabase) {
    fs::path shared = shared_dir();
    if (shared.empty()) GTEST_SKIP() << "../shared is absent: no real OMERO scripts";
    for (const char* v : {"OMERO5.2__0", "OMERO5.3__0", "OMERO5.4__0"})
        fs::copy(shared / "omero-sql" / v, srv / "sql/psql" / v, fs::copy_options::recursive);
    // The starting point: a real 5.1__1 database as `omero db script` made it.
    sql("CREATE DATABASE " + dbname + " OWNER omero ENCODING 'UTF8' TEMPLATE template0", "postgres");
    Result load = psql_file(dbname, shared / "omero-sql/generated-by-omero-db-script/V5_1_1__OMERO5.1_1.sql");
    ASSERT_EQ(load.code, 0) << load.err;
    EXPECT_EQ(db({"status"}).code, 2);
    Result r = db({"upgrade", "--no-backup"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(version(), "OMERO5.4__0\n");
    EXPECT_EQ(sql("SELECT previousversion || '>' || currentversion || ':' || message FROM dbpatch ORDER BY id"),
              "OMERO5.1>OMERO5.1:Database ready.\nOMERO5.1>OMERO5.2:Database updated.\n"
              "OMERO5.2>OMERO5.3:Database updated.\nOMERO5.3>OMERO5.4:Database updated.\n");

    std::string fresh = dbname + "_fresh";
    r = db({"init", "--version", "OMERO5.4", "--patch", "0", "--name", fresh});
    ASSERT_EQ(r.code, 0) << r.err;
    // The schema of both (support/cluster.hpp).
    auto lines = [&](const std::string& d) {
        std::vector<std::string> v = schema_lines(d);
        return std::set<std::string>(v.begin(), v.end());
    };
    std::set<std::string> up = lines(dbname), fr = lines(fresh), diff;
    std::set_symmetric_difference(up.begin(), up.end(), fr.begin(), fr.end(), std::inserter(diff, diff.end()));
    EXPECT_GT(up.size(), 3000u);
    // The known, harmless differences (../shared/omero-sql/README.md): two function bodies,
    // and the history table this tool adds.
    for (const std::string& d : diff)
        EXPECT_TRUE(d.rfind("fn projectiondef_renderingdef_index_move ", 0) == 0 ||
                    d.rfind("fn _fs_dir_delete ", 0) == 0 || d.find("omero_cli_history") != std::string::npos)
            << d;
}

}  // namespace
