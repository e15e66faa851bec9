// The per-release hop plugins on the real chain: a 2010 OMERO 4.1 database,
// built from ../shared/omero-sql-legacy, carried to 5.4 by one
// `omero db upgrade` on PostgreSQL 15 with the real 4.x and 5.x scripts laid
// out as a distribution's sql/psql/, with no manual step.
#include "cluster.hpp"
#include "run.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using namespace omero::test;

namespace {

const auto* const kEnv = ::testing::AddGlobalTestEnvironment(cluster_environment());

// Recipe A of ../shared/omero-sql-legacy/README.md with its tested
// correction (only "_key" names): the 8.x names of multi-column UNIQUE
// constraints, as a 4.1 database created on PostgreSQL 8.x has them.
const char* const kRecipeA = R"(DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.conrelid::regclass::text AS tbl, c.conname,
                  c.conrelid::regclass::text || '_' || a.attname || '_key' AS oldname
             FROM pg_constraint c
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'u' AND array_length(c.conkey, 1) > 1
              AND c.connamespace = 'public'::regnamespace AND c.conname LIKE '%\_key'
  LOOP
    EXECUTE format('ALTER TABLE %I RENAME CONSTRAINT %I TO %I', r.tbl, r.conname, r.oldname);
  END LOOP;
END $$)";

// Recipe C (two of alice's links to bob's images across groups) and two
// channels that break the 4.3 CHECK: one the release's data fix repairs,
// one it misses (samplesPerPixel = 0).
const char* const kFaults = R"(
INSERT INTO experimenter (id, permissions, version, omename, firstname, lastname)
     VALUES (1001, 0, 0, 'alice', 'Alice', 'A'), (1002, 0, 0, 'bob', 'Bob', 'B');
INSERT INTO experimentergroup (id, permissions, version, name, creation_id, group_id, owner_id, update_id)
     VALUES (1001, -103, 0, 'lab_a', 0, 0, 0, 0), (1002, -103, 0, 'lab_b', 0, 0, 0, 0);
INSERT INTO groupexperimentermap (id, permissions, version, parent, child, child_index,
                                  creation_id, group_id, owner_id, update_id)
     VALUES (1001, -35, 0, 1001, 1001, 0, 0, 0, 0, 0), (1002, -35, 0, 1, 1001, 1, 0, 0, 0, 0),
            (1003, -35, 0, 1002, 1002, 0, 0, 0, 0, 0), (1004, -35, 0, 1, 1002, 1, 0, 0, 0, 0),
            (1005, -35, 0, 1002, 1001, 2, 0, 0, 0, 0);
INSERT INTO dataset (id, permissions, version, name, creation_id, group_id, owner_id, update_id)
     VALUES (1001, -103, 0, 'alice dataset', 0, 1001, 1001, 0);
INSERT INTO image (id, permissions, version, name, acquisitiondate, creation_id, group_id, owner_id, update_id)
     VALUES (1001, -103, 0, 'bob image', now(), 0, 1002, 1002, 0),
            (1002, -103, 0, 'bob image 2', now(), 0, 1002, 1002, 0);
INSERT INTO datasetimagelink (id, permissions, version, parent, child, creation_id, group_id, owner_id, update_id)
     VALUES (1001, -103, 0, 1001, 1001, 0, 1001, 1001, 0), (1002, -103, 0, 1001, 1002, 0, 1001, 1001, 0);
INSERT INTO logicalchannel (id, permissions, version, name, excitationwave, emissionwave,
                            samplesperpixel, creation_id, group_id, owner_id, update_id)
     VALUES (2001, -103, 0, 'bad wavelength', 0, 520, 1, 0, 0, 0, 0),
            (2002, -103, 0, 'no samples', 488, 520, 0, 0, 0, 0, 0);
)";

// The upstream differences between a 4.1 database carried to 5.4 and a
// fresh 5.4 one (../shared/omero-sql-legacy/README.md, "Whole chain" and
// ../shared/omero-sql/README.md), and this tool's history table. Anything
// else is a failure.
bool allowed(const std::string& line) {
    static const std::regex allow[] = {
        std::regex("^col _fs_deletelog\\.params "),      // the 5.1 script never drops it
        std::regex("^col wellsample\\.old_timepoint "),  // the 4.2 script renames, never drops
        std::regex("^col dbpatch\\.permissions "),       // default -35 (4.1 data.sql), -52 when fresh
        // ordered-collection triggers: *_index_insert/_update after 4.2, *_index_move when fresh
        std::regex("^(fn|trg) .*_index_(move|insert|update|trigger|trigger_insert|trigger_update)( |$)"),
        std::regex("omero_cli_history"),
    };
    for (const std::regex& r : allow)
        if (std::regex_search(line, r)) return true;
    return false;
}

// UNIQUE constraints and indexes compared without their names: the 4.2
// script names them <table>_parent_key, a fresh database
// <table>_parent_child_owner_id_key (names only, README "Whole chain").
std::string without_unique_name(const std::string& line) {
    static const std::regex con("^con (\\S+) \\S+ UNIQUE "), idx("^idx \\S+ CREATE UNIQUE INDEX \\S+ ON ");
    std::string s = std::regex_replace(line, con, "con $1 * UNIQUE ");
    return std::regex_replace(s, idx, "idx * CREATE UNIQUE INDEX * ON ");
}

class Legacy : public ::testing::Test {
protected:
    TempDir tmp;
    fs::path srv = tmp / "OMERO.server";
    fs::path shared = shared_dir();
    std::string dbname;

    void SetUp() override {
        if (shared.empty()) GTEST_SKIP() << "../shared is absent: no OMERO 4.x scripts";
        static int counter = 0;
        dbname = "l" + std::to_string(getpid()) + "_" + std::to_string(++counter);
        // The distribution's sql/psql: the 4.x and 5.0 -> 5.1 scripts, then the 5.x chain.
        fs::create_directories(srv / "sql/psql");
        for (const char* v :
             {"OMERO4__0", "OMERO4.1__0", "OMERO4.2__0", "OMERO4.3__0", "OMERO4.4__0", "OMERO5.0__0", "OMERO5.1__1"})
            fs::copy(shared / "omero-sql-legacy" / v, srv / "sql/psql" / v, fs::copy_options::recursive);
        for (const char* v : {"OMERO5.2__0", "OMERO5.3__0", "OMERO5.4__0"})
            fs::copy(shared / "omero-sql" / v, srv / "sql/psql" / v, fs::copy_options::recursive);
        for (auto kv : {std::pair{"omero.db.host", std::string("127.0.0.1")},
                        {"omero.db.port", cluster().port},
                        {"omero.db.name", dbname},
                        {"omero.db.pass", cluster().password}})
            ASSERT_EQ(omero({"config", "set", kv.first, kv.second}).code, 0);
        if (std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()).find("32") ==
            std::string::npos)
            create_41(dbname);
        else
            create_32(dbname);
    }
    // A 3.2 database as its schema.sql and data.sql create it.
    void create_32(const std::string& name) {
        Result r = create_32_database(name);
        ASSERT_EQ(r.code, 0) << r.err;
        ASSERT_EQ(version(), "OMERO3A__11\n");
    }

    RunOptions env(RunOptions o = {}) {
        o.env.emplace("OMERODIR", srv.string());
        o.env.emplace("OMERO_PLUGIN_PATH", (build_dir() / "lib/omero/plugins/abi1").string());
        o.env.emplace("OMERO_CONFIG", std::nullopt);
        o.env.emplace("PGPASSWORD", std::nullopt);
        o.env.emplace("HOME", tmp.path().string());
        return o;
    }
    Result omero(std::vector<std::string> args, RunOptions o = {}) { return run(omero_exe(), args, env(std::move(o))); }
    Result db(std::vector<std::string> args, RunOptions o = {}) {
        args.insert(args.begin(), "db");
        return omero(std::move(args), std::move(o));
    }
    std::string sql(const std::string& q, const std::string& database = "") {
        Result r = superuser(database.empty() ? dbname : database, q);
        EXPECT_EQ(r.code, 0) << q << ": " << r.err;
        return r.out;
    }
    std::string version() {
        return sql("SELECT currentversion || '__' || currentpatch FROM dbpatch ORDER BY id DESC LIMIT 1");
    }
    // A 4.1 database as `bin/omero db script` of 4.1 created it.
    void create_41(const std::string& name) {
        Result r = create_database(name, legacy_41_script(tmp.path()));
        ASSERT_EQ(r.code, 0) << r.err;
        ASSERT_EQ(version(), "OMERO4.1__0\n");
    }
    // Compares the upgraded database with a fresh 5.4 `db init`; returns the
    // differences the allow-list does not explain.
    std::vector<std::string> unexplained_differences() {
        std::string fresh = dbname + "_fresh";
        Result r = db({"init", "--version", "OMERO5.4", "--patch", "0", "--name", fresh, "--password", "x"});
        EXPECT_EQ(r.code, 0) << r.err;
        auto lines = [&](const std::string& d) {
            std::multiset<std::string> s;
            for (const std::string& l : schema_lines(d))
                if (!allowed(l)) s.insert(without_unique_name(l));
            return s;
        };
        std::multiset<std::string> up = lines(dbname), fr = lines(fresh);
        EXPECT_GT(up.size(), 3000u);
        std::vector<std::string> diff;
        std::set_symmetric_difference(up.begin(), up.end(), fr.begin(), fr.end(), std::back_inserter(diff));
        return diff;
    }
};

// A 4.1 database created on PostgreSQL >= 9.0 (its UNIQUE constraints named
// <table>_parent_child_key, none of the 3A-era triggers): one command, with
// the verified backup, to 5.4; the same schema as a fresh 5.4 database.
TEST_F(Legacy, ChainCarries41To54WithNoManualStep) {
    Result r = db({"status"});
    EXPECT_EQ(r.code, 2) << r.err;
    for (const char* p : {"hop-4-1", "hop-4-2", "hop-4-3", "hop-4-4", "hop-5-0", "hop-5-1", "hop-5-2", "hop-5-3"})
        EXPECT_NE(r.out.find(std::string("plugin ") + p + " "), std::string::npos) << p << "\n" << r.out;
    r = db({"upgrade", "--dry-run"});
    EXPECT_EQ(r.code, 2) << r.err << r.out;
    EXPECT_NE(r.out.find("<table>_parent_key: drop either (hop-4-1; applied 24x)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("3A-era upgrade created: skip them when absent (hop-4-1; applied 16x)"), std::string::npos);
    EXPECT_NE(r.out.find("use '%' (hop-4-2; applied 1x)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("use '%' (hop-5-0; applied 2x)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("no dead rows left (hop-5-0; applied 34x)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("check: cross-group-links (hop-4-1): passed"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("have already passed: not read a second time (hop-4-1; applied 1x)"), std::string::npos);
    EXPECT_NE(r.out.find("--fix move-to-group:GRP=ID,USR=ID"), std::string::npos) << r.out;
    EXPECT_EQ(version(), "OMERO4.1__0\n");

    r = db({"upgrade", "--backup-dir", (tmp / "backups").string()});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("backup verified"), std::string::npos) << r.err;
    EXPECT_EQ(version(), "OMERO5.4__0\n");
    EXPECT_EQ(sql("SELECT count(*) FROM dbpatch"), "9\n");
    EXPECT_EQ(sql("SELECT count(*) FROM omero_cli_history WHERE outcome = 'success'"), "8\n");
    // The shims are recorded with the hop they changed; the distribution's files are untouched.
    EXPECT_NE(sql("SELECT shims FROM omero_cli_history WHERE to_version = 'OMERO4.2__0'").find("(x24)"),
              std::string::npos);
    EXPECT_EQ(read_file(srv / "sql/psql/OMERO4.3__0/OMERO4.2__0.sql"),
              read_file(shared / "omero-sql-legacy/OMERO4.3__0/OMERO4.2__0.sql"));
    for (const std::string& d : unexplained_differences()) ADD_FAILURE() << d;
    EXPECT_EQ(db({"status"}).code, 0);
}

// The same 4.1 database with the names PostgreSQL 8.x gave (recipe A): the
// same plugins, the same result.
TEST_F(Legacy, ChainCarriesADatabaseWithPostgreSQL8Names) {
    sql(kRecipeA);
    EXPECT_EQ(sql("SELECT count(*) FROM pg_constraint WHERE conname LIKE '%\\_parent\\_child\\_key'"), "0\n");
    Result r = db({"upgrade", "--no-backup"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(version(), "OMERO5.4__0\n");
    for (const std::string& d : unexplained_differences()) ADD_FAILURE() << d;
}

// Data the 4.2 and 4.3 scripts would stop on: --dry-run names every row; the
// upgrade refuses before changing anything (no backup, no history, no
// hop); --fix makes it pass, each fix inside its hop.
TEST_F(Legacy, SeededFaultsAreNamedRefusedAndFixed) {
    sql(kFaults);
    Result r = db({"upgrade", "--dry-run"});
    EXPECT_EQ(r.code, 24) << r.err << r.out;
    for (const char* row : {"DatasetImageLink(id=1001, group=1001, owner=1001) child -> Image(id=1001, group=1002",
                            "DatasetImageLink(id=1002, group=1001, owner=1001) child -> Image(id=1002, group=1002",
                            "logicalchannel(id=2001, group=0, owner=0) breaks CHECK (excitationWave > 0",
                            "logicalchannel(id=2002, group=0, owner=0) breaks CHECK (samplesPerPixel > 0)"})
        EXPECT_NE(r.out.find(row), std::string::npos) << row << "\n" << r.out;

    const std::string backups = (tmp / "backups").string();
    auto nothing_changed = [&] {
        EXPECT_EQ(version(), "OMERO4.1__0\n");
        EXPECT_EQ(sql("SELECT to_regclass('omero_cli_history') IS NULL"), "t\n");
        EXPECT_FALSE(fs::exists(backups));
    };
    r = db({"upgrade", "--backup-dir", backups});
    EXPECT_EQ(r.code, 24) << r.err;
    EXPECT_NE(r.err.find("found 2 offending rows"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("logicalchannel(id=2002"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("nothing was changed"), std::string::npos) << r.err;
    nothing_changed();

    // The release's own data fix misses samplesPerPixel: still refused, still unchanged.
    r = db({"upgrade", "--backup-dir", backups, "--fix", "move-to-group:GRP=1002,USR=1001", "--fix", "4.2-data-fix"});
    EXPECT_EQ(r.code, 24) << r.err;
    EXPECT_NE(r.err.find("channel-samples-per-pixel"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("cross-group-links"), std::string::npos) << r.err;
    nothing_changed();

    // Bad --fix words are usage errors that change nothing.
    EXPECT_EQ(db({"upgrade", "--fix", "move-to-group:GRP=lab_b,USR=1001"}).code, 2);
    EXPECT_EQ(db({"upgrade", "--fix", "move-to-group:GRP=1002"}).code, 2);
    EXPECT_EQ(db({"upgrade", "--fix", "no-such-fix"}).code, 2);
    nothing_changed();

    r = db({"upgrade", "--no-backup", "--fix", "move-to-group:GRP=1002,USR=1001", "--fix", "4.2-data-fix", "--fix",
            "samples-per-pixel"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(version(), "OMERO5.4__0\n");
    EXPECT_EQ(sql("SELECT group_id FROM dataset WHERE id = 1001"), "1002\n");
    EXPECT_EQ(sql("SELECT group_id FROM datasetimagelink ORDER BY id"), "1002\n1002\n");
    EXPECT_EQ(sql("SELECT id, excitationwave IS NULL, samplesperpixel IS NULL FROM logicalchannel WHERE id > 2000 "
                  "ORDER BY id"),
              "2001|t|f\n2002|f|t\n");
    EXPECT_EQ(sql("SELECT fixes FROM omero_cli_history WHERE fixes IS NOT NULL ORDER BY id"),
              "hop-4-1: move-to-group:GRP=1002,USR=1001\nhop-4-2: 4.2-data-fix; hop-4-2: samples-per-pixel\n");
}

// kill -9 at random moments of the whole chain, many times: dbpatch always
// names a complete version, and a re-run finishes.
TEST_F(Legacy, KilledChainAlwaysLeavesACompleteVersion) {
    std::mt19937 rng(test_seed());
    std::uniform_int_distribution<int> delay_ms(50, 1500);
    std::set<std::string> seen;
    for (int i = 0; i < 8 && version() != "OMERO5.4__0\n"; ++i) {
        pid_t pid = fork();
        if (pid == 0) {
            setenv("OMERODIR", srv.c_str(), 1);
            setenv("OMERO_PLUGIN_PATH", (build_dir() / "lib/omero/plugins/abi1").c_str(), 1);
            setenv("HOME", tmp.path().c_str(), 1);
            int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, 1);
            dup2(devnull, 2);
            execl(omero_exe().c_str(), "omero", "db", "upgrade", "--no-backup", "--lock-timeout", "30s", nullptr);
            _exit(127);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        // The killed client's backend may still be rolling back: wait until it is gone.
        for (int k = 0; k < 100 && sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND pid <> pg_backend_pid()") != "0\n";
             ++k)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::string v = version();
        v.pop_back();
        EXPECT_TRUE(kLegacyChain.count(v)) << v;
        seen.insert(v);
    }
    Result r = db({"upgrade", "--no-backup"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(version(), "OMERO5.4__0\n");
    EXPECT_EQ(sql("SELECT count(*) FROM omero_cli_history WHERE outcome = 'running'"), "0\n");
    EXPECT_EQ(sql("SELECT count(DISTINCT to_version) FROM omero_cli_history WHERE outcome = 'success'"), "8\n");
}

// A 2009 OMERO 3.2 database, carried to 5.4 by one `omero db upgrade`: the
// same schema as a 4.1 database carried to 5.4 (nothing allowed to differ),
// and as a fresh 5.4 one (the 4.1 chain's documented differences only).
TEST_F(Legacy, Chain32To54MatchesA41BornDatabase) {
    Result r = db({"status"});
    EXPECT_EQ(r.code, 2) << r.err << r.out;
    for (const char* p : {"hop-3-2", "hop-4-0", "hop-4-1"})
        EXPECT_NE(r.out.find(std::string("plugin ") + p + " "), std::string::npos) << p << "\n" << r.out;
    EXPECT_NE(r.out.find("empty-transmittancerange, empty-categoryimagelink"), std::string::npos) << r.out;
    r = db({"upgrade", "--dry-run"});
    EXPECT_EQ(r.code, 2) << r.err << r.out;
    EXPECT_NE(r.out.find("a database created before 4.0 (OMERO 3.x) has count tables"), std::string::npos) << r.out;

    r = db({"upgrade", "--backup-dir", (tmp / "backups").string()});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(version(), "OMERO5.4__0\n");
    EXPECT_EQ(sql("SELECT count(*) FROM omero_cli_history WHERE outcome = 'success'"), "10\n");
    EXPECT_EQ(sql("SELECT count(*) FROM pg_class WHERE relname LIKE 'count\\_%' AND relkind = 'r'"),
              "0\n");  // no 3.x count table is left
    for (const std::string& d : unexplained_differences()) ADD_FAILURE() << "vs fresh 5.4: " << d;

    const std::string born41 = dbname + "_41";
    ASSERT_EQ(create_database(born41, legacy_41_script(tmp.path())).code, 0);
    ASSERT_EQ(db({"upgrade", "--no-backup", "--name", born41}).code, 0);
    std::vector<std::string> a = schema_lines(dbname), b = schema_lines(born41), diff;
    EXPECT_GT(a.size(), 3000u);
    std::set_symmetric_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(diff));
    for (const std::string& d : diff) ADD_FAILURE() << "3.2-born vs 4.1-born: " << d;
}

// Recipe E: a row in a table the 4.0 script asserts empty. status and the
// plan name it (exit 24); the upgrade refuses with nothing changed; once
// the row is gone (or --fix discard-3x-data) it passes.
TEST_F(Legacy, Recipe32ENonEmptyTableIsNamedRefusedThenPasses) {
    sql("INSERT INTO category (id, permissions, name, version, creation_id, group_id, owner_id, update_id) "
        "VALUES (1001, -35, 'legacy category', 0, 0, 0, 0, 0)");
    const char* row = "category(id=1001, group=0, owner=0) 4.0 drops this table";
    Result r = db({"status"});
    EXPECT_EQ(r.code, 24) << r.err << r.out;
    EXPECT_NE(r.out.find(row), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(fix: --fix discard-3x-data)"), std::string::npos) << r.out;
    r = db({"upgrade", "--dry-run"});
    EXPECT_EQ(r.code, 24) << r.err << r.out;
    EXPECT_NE(r.out.find(row), std::string::npos) << r.out;
    const std::string backups = (tmp / "backups").string();
    r = db({"upgrade", "--backup-dir", backups});
    EXPECT_EQ(r.code, 24) << r.err;
    EXPECT_NE(r.err.find(row), std::string::npos) << r.err;
    EXPECT_EQ(version(), "OMERO3A__11\n");
    EXPECT_EQ(sql("SELECT count(*) FROM dbpatch"), "1\n");
    EXPECT_EQ(sql("SELECT to_regclass('seq_table') IS NULL AND to_regclass('omero_cli_history') IS NULL"), "t\n");
    EXPECT_FALSE(fs::exists(backups));

    // The fix, inside the hop, to 4.1 only.
    r = db({"upgrade", "--no-backup", "--to", "OMERO4.1__0", "--fix", "discard-3x-data"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(version(), "OMERO4.1__0\n");
    EXPECT_EQ(sql("SELECT fixes FROM omero_cli_history WHERE fixes IS NOT NULL"), "hop-3-2: discard-3x-data\n");
}

TEST_F(Legacy, Recipe32EPassesOnceTheRowIsGone) {
    sql("INSERT INTO category (id, permissions, name, version, creation_id, group_id, owner_id, update_id) "
        "VALUES (1001, -35, 'legacy category', 0, 0, 0, 0, 0)");
    EXPECT_EQ(db({"upgrade", "--no-backup", "--to", "OMERO4__0"}).code, 24);
    sql("DELETE FROM category");
    Result r = db({"upgrade", "--no-backup", "--to", "OMERO4__0"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(version(), "OMERO4__0\n");
}

// kill -9 at random moments of the 3.2 -> 4.1 part: dbpatch always names a
// complete version, and a re-run finishes to 5.4.
TEST_F(Legacy, Killed32ChainAlwaysLeavesACompleteVersion) {
    std::mt19937 rng(test_seed());
    std::uniform_int_distribution<int> delay_ms(30, 900);
    const std::set<std::string> complete = {"OMERO3A__11", "OMERO4__0", "OMERO4.1__0"};
    for (int i = 0; i < 8 && version() != "OMERO4.1__0\n"; ++i) {
        pid_t pid = fork();
        if (pid == 0) {
            setenv("OMERODIR", srv.c_str(), 1);
            setenv("OMERO_PLUGIN_PATH", (build_dir() / "lib/omero/plugins/abi1").c_str(), 1);
            setenv("HOME", tmp.path().c_str(), 1);
            int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, 1);
            dup2(devnull, 2);
            execl(omero_exe().c_str(), "omero", "db", "upgrade", "--no-backup", "--to", "OMERO4.1__0", "--lock-timeout",
                  "30s", nullptr);
            _exit(127);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        for (int k = 0; k < 100 && sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                       "AND pid <> pg_backend_pid()") != "0\n";
             ++k)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::string v = version();
        v.pop_back();
        EXPECT_TRUE(complete.count(v)) << v;
    }
    Result r = db({"upgrade", "--no-backup"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(version(), "OMERO5.4__0\n");
    EXPECT_EQ(sql("SELECT count(*) FROM omero_cli_history WHERE outcome = 'running'"), "0\n");
}

// A packager left a hop plugin out: status and the plan name it and its
// package; the upgrade runs nothing.
TEST_F(Legacy, MissingHopPluginIsNamedAndNothingRuns) {
    fs::path plugins = tmp / "plugins";
    fs::create_directories(plugins);
    for (const auto& e : fs::directory_iterator(build_dir() / "lib/omero/plugins/abi1"))
        if (e.path().filename().string().find("hop-4-2") == std::string::npos)
            fs::copy(e.path(), plugins / e.path().filename());
    RunOptions o;
    o.env.emplace("OMERO_PLUGIN_PATH", plugins.string());
    Result r = db({"status"}, o);
    EXPECT_EQ(r.code, 126) << r.err << r.out;
    EXPECT_NE(r.out.find("needs plugin 'hop-4-2'"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("install package omero-plugin-hop-4-2"), std::string::npos) << r.out;
    r = db({"upgrade", "--dry-run"}, o);
    EXPECT_EQ(r.code, 126) << r.err;
    EXPECT_NE(r.err.find("omero-plugin-hop-4-2"), std::string::npos) << r.err;
    r = db({"upgrade", "--no-backup"}, o);
    EXPECT_EQ(r.code, 126) << r.err;
    EXPECT_EQ(version(), "OMERO4.1__0\n");
    EXPECT_EQ(sql("SELECT to_regclass('omero_cli_history') IS NULL"), "t\n");
}

// A distribution without the 5.0 -> 5.1 script: the plugin says which
// release ships it, and nothing runs (the plugin never stands in for it).
TEST_F(Legacy, MissingReleaseScriptNamesTheReleaseThatShipsIt) {
    fs::remove(srv / "sql/psql/OMERO5.1__1/OMERO5.0__0.sql");
    Result r = db({"upgrade", "--no-backup"});
    EXPECT_EQ(r.code, 25) << r.err;
    EXPECT_NE(r.err.find("ships with OMERO.server 5.1.2 to 5.5.1"), std::string::npos) << r.err;
    EXPECT_EQ(version(), "OMERO4.1__0\n");
    r = db({"status"});
    EXPECT_EQ(r.code, 25) << r.err << r.out;
    EXPECT_NE(r.out.find("OMERO5.1__1/OMERO5.0__0.sql, which this distribution lacks"), std::string::npos) << r.out;
}

}  // namespace
