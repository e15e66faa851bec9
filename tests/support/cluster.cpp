#include "cluster.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>

namespace fs = std::filesystem;

namespace omero::test {

namespace {

Cluster* g_cluster = nullptr;

class Env : public ::testing::Environment {
public:
    void SetUp() override {
        tmp_ = std::make_unique<TempDir>();
        Result r = run(source_dir() / "scripts/pg-cluster.sh", {"start", (tmp_->path() / "pg").string()});
        ASSERT_EQ(r.code, 0) << r.err;
        g_cluster = new Cluster{tmp_->path() / "pg", r.out.substr(0, r.out.find('\n')),
                                read_file(tmp_->path() / "pg/password")};
        while (!g_cluster->password.empty() && g_cluster->password.back() == '\n') g_cluster->password.pop_back();
    }
    void TearDown() override {
        if (g_cluster) run(source_dir() / "scripts/pg-cluster.sh", {"stop", g_cluster->dir.string()});
        tmp_.reset();
    }

private:
    std::unique_ptr<TempDir> tmp_;
};

}  // namespace

::testing::Environment* cluster_environment() { return new Env; }

const Cluster& cluster() { return *g_cluster; }

Result superuser(const std::string& db, const std::string& sql) {
    return run(source_dir() / "scripts/pg-cluster.sh",
               {"psql", g_cluster->dir.string(), "-d", db, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql});
}

std::vector<std::string> schema_lines(const std::string& db) {
    static const char* const catalog =
        "SELECT 'col ' || table_name || '.' || column_name || ' ' || data_type || ' ' || coalesce(domain_name, '') || "
        "' ' || is_nullable || ' ' || coalesce(column_default, '') FROM information_schema.columns "
        "WHERE table_schema = 'public' "
        "UNION ALL SELECT 'con ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE connamespace = 'public'::regnamespace "
        "UNION ALL SELECT 'idx ' || indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public' "
        "UNION ALL SELECT 'trg ' || tgrelid::regclass || ' ' || tgname FROM pg_trigger WHERE NOT tgisinternal "
        "UNION ALL SELECT 'view ' || viewname || ' ' || md5(definition) FROM pg_views WHERE schemaname = 'public' "
        "UNION ALL SELECT 'fn ' || proname || ' ' || md5(lower(regexp_replace(prosrc, '\\s+', ' ', 'g'))) "
        "FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY 1";
    Result r = superuser(db, catalog);
    EXPECT_EQ(r.code, 0) << r.err;
    std::vector<std::string> lines;
    std::stringstream ss(r.out);
    for (std::string l; std::getline(ss, l);) lines.push_back(l);
    return lines;
}

Result psql_file(const std::string& db, const fs::path& file) {
    return run("/usr/bin/psql",
               {"-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", g_cluster->port, "-U", "omero", "-d", db, "-f",
                file.string()},
               {.env = {{"PGPASSWORD", g_cluster->password}}});
}

Result create_database(const std::string& db, const fs::path& script) {
    Result r = superuser("postgres", "CREATE DATABASE " + db + " OWNER omero ENCODING 'UTF8' TEMPLATE template0");
    return r.code != 0 ? r : psql_file(db, script);
}

Result create_32_database(const std::string& db) {
    static bool built = false;
    const std::string tmpl = "omero32_template";
    if (!built) {
        fs::path dir = shared_dir() / "omero-sql-legacy/OMERO3A__11";
        superuser("postgres", "DROP DATABASE IF EXISTS " + tmpl);
        Result r = superuser("postgres", "CREATE DATABASE " + tmpl + " OWNER omero ENCODING 'UTF8' TEMPLATE template0");
        if (r.code != 0) return r;
        // schema.sql has no BEGIN/COMMIT: one transaction (-1) instead of one per statement.
        std::string data = read_file(dir / "data.sql");
        size_t at = data.find("@ROOTPASS@");
        if (at != std::string::npos) data.replace(at, 10, "LSjpGNDDKH/7iZyIwB8OTA==");  // base64(md5("omero"))
        std::string script = (g_cluster->dir.parent_path() / "omero32.sql").string();
        write_file(script, "\\set ON_ERROR_STOP 1\n\\i " + (dir / "schema.sql").string() + "\n" + data);
        r = run("/usr/bin/psql",
                {"-q", "-1", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", g_cluster->port, "-U", "omero", "-d",
                 tmpl, "-f", script},
                {.env = {{"PGPASSWORD", g_cluster->password}}});
        if (r.code != 0) return r;
        built = true;
    }
    return superuser("postgres", "CREATE DATABASE " + db + " OWNER omero TEMPLATE " + tmpl);
}

fs::path legacy_41_script(const fs::path& dir) {
    fs::path script = dir / "OMERO4.1__0.sql";
    if (!fs::exists(script)) {
        Result r = run(source_dir() / "scripts/legacy-41.sh", {(shared_dir() / "omero-sql-legacy").string()});
        EXPECT_EQ(r.code, 0) << r.err;
        write_file(script, r.out);
    }
    return script;
}

const std::set<std::string> kLegacyChain = {"OMERO4.1__0", "OMERO4.2__0", "OMERO4.3__0", "OMERO4.4__0", "OMERO5.0__0",
                                            "OMERO5.1__1", "OMERO5.2__0", "OMERO5.3__0", "OMERO5.4__0"};

std::vector<std::pair<std::string, std::string>> server_settings(const std::string& db,
                                                                 const std::filesystem::path& data) {
    return {{"omero.db.host", "127.0.0.1"},
            {"omero.db.port", cluster().port},
            {"omero.db.name", db},
            {"omero.db.pass", cluster().password},
            {"omero.ports.registry", std::to_string(free_port())},
            {"omero.ports.ssl", std::to_string(free_port())},
            {"omero.ports.tcp", std::to_string(free_port())},
            {"omero.client.icetransports", "tcp"},
            {"omero.data.dir", data.string()},
            {"omero.db.poolsize", "10"},
            {"omero.glacier2.IceSSL.Protocols", "tls1_2"}};
}

}  // namespace omero::test
