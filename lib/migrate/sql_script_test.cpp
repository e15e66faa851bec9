// sql_script_test.cpp - the SQL splitter, on crafted input and on every
// real OMERO script in ../shared.
#include "run.hpp"
#include "migrate/sql_script.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace omero::migrate;

TEST(SqlSplit, QuotingCommentsAndMetaCommands) {
    auto s = split_sql(
        "BEGIN;\n-- a comment; not a statement\nCREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE "
        "sql;\n"
        "/* nested /* comment; */ still; */ SELECT 'it''s; fine', E'back\\'slash;', \"we;ird\";;\n"
        "\\set ACTION '''ABORT'''\n\\timing\nSELECT :ACTION, :'ACTION', 1::int, $1;\nSELECT $$a;b$$ ;\nCOMMIT;\n");
    ASSERT_EQ(s.size(), 6u);
    EXPECT_TRUE(s[0].transaction_control);
    EXPECT_EQ(s[1].line, 3u);
    EXPECT_NE(s[1].sql.find("SELECT 1; $body$"), std::string::npos);
    EXPECT_EQ(s[2].line, 4u);
    EXPECT_NE(s[2].sql.find("E'back\\'slash;'"), std::string::npos);
    EXPECT_EQ(s[3].sql, "SELECT 'ABORT', '''ABORT''', 1::int, $1");
    EXPECT_EQ(s[3].line, 7u);
    EXPECT_EQ(s[4].sql, "SELECT $$a;b$$");
    EXPECT_TRUE(s[5].transaction_control);
    EXPECT_THROW(split_sql("SELECT 'open"), ScriptError);
    EXPECT_THROW(split_sql("\\connect other\n"), ScriptError);
    EXPECT_TRUE(split_sql("CREATE INDEX CONCURRENTLY i ON t (x);")[0].non_transactional);
}

TEST(SqlSplit, EveryRealScriptSplits) {
    fs::path shared = omero::test::shared_dir();
    if (shared.empty()) GTEST_SKIP() << "../shared is absent: the real OMERO scripts are not here";
    size_t files = 0;
    for (const char* sub : {"omero-sql", "omero-sql-legacy"})
        for (auto& e : fs::recursive_directory_iterator(shared / sub)) {
            if (e.path().extension() != ".sql") continue;
            std::ifstream in(e.path(), std::ios::binary);
            std::stringstream ss;
            ss << in.rdbuf();
            std::vector<Statement> st;
            ASSERT_NO_THROW(st = split_sql(ss.str())) << e.path();
            EXPECT_FALSE(st.empty()) << e.path();
            ++files;
        }
    EXPECT_GT(files, 15u);
    // The 4.1 -> 4.2 script's psql variable is interpolated as psql does.
    std::ifstream in(shared / "omero-sql-legacy/OMERO4.2__0/OMERO4.1__0.sql");
    std::stringstream ss;
    ss << in.rdbuf();
    bool found = false;
    for (auto& s : split_sql(ss.str())) found |= s.sql.find("cast('ABORT' as text)") != std::string::npos;
    EXPECT_TRUE(found);
}

TEST(SqlSplit, RefusesWhatPsqlWouldDoDifferently) {
    try {
        split_sql("BEGIN;\nSELECT 1;\nROLLBACK;\n");
        FAIL() << "ROLLBACK accepted";
    } catch (const ScriptError& e) {
        EXPECT_EQ(e.line, 3u);
        EXPECT_NE(std::string(e.what()).find("ROLLBACK"), std::string::npos);
    }
    EXPECT_NO_THROW(split_sql("SAVEPOINT a;\nROLLBACK TO SAVEPOINT a;\n"));
    EXPECT_FALSE(split_sql("ROLLBACK TO SAVEPOINT a;")[0].transaction_control);
    try {
        split_sql("BEGIN;\nCOPY public.t (a, b) FROM stdin;\n1\t2\n\\.\nCOMMIT;\n");
        FAIL() << "COPY FROM stdin accepted";
    } catch (const ScriptError& e) {
        EXPECT_EQ(e.line, 2u);
        EXPECT_NE(std::string(e.what()).find("COPY"), std::string::npos);
    }
}
