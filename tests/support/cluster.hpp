// cluster.hpp - one real PostgreSQL cluster per test binary
// (scripts/pg-cluster.sh), started before the first test on a free loopback
// port and stopped after the last.
#pragma once

#include "run.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace omero::test {

struct Cluster {
    std::filesystem::path dir;
    std::string port, password;
};

// Registers the cluster with GoogleTest; call once at static initialisation:
//   const auto* const kEnv = ::testing::AddGlobalTestEnvironment(cluster_environment());
class ClusterEnvironment;
::testing::Environment* cluster_environment();
// The running cluster (valid inside tests).
const Cluster& cluster();

// psql as the superuser over the cluster's socket, ON_ERROR_STOP, unaligned.
Result superuser(const std::string& db, const std::string& sql);
// The schema of a database as lines, one per column (type, domain,
// nullability, default; not their order), constraint, index, trigger, view
// and function body: two databases with the same lines have the same schema.
std::vector<std::string> schema_lines(const std::string& db);

// psql as the "omero" role over TCP, running a file.
Result psql_file(const std::string& db, const std::filesystem::path& file);

// A new UTF8 database owned by "omero", filled by `script` run as "omero"
// (psql's result: code 0 when it all ran).
Result create_database(const std::string& db, const std::filesystem::path& script);
// The OMERO 4.1 creation script (scripts/legacy-41.sh on ../shared), written
// once into dir; its path.
std::filesystem::path legacy_41_script(const std::filesystem::path& dir);
// A new database `db` owned by "omero" holding an OMERO 3.2 database
// (OMERO3A__11: ../shared/omero-sql-legacy's schema.sql, then data.sql with
// the root password), as its README builds one; copied from a template
// built once per test binary.
Result create_32_database(const std::string& db);
// The config.xml settings of a test server on this cluster's database `db`:
// its connection, free loopback ports for the registry and the router, tcp
// only, `data` as omero.data.dir, a small pool, TLS 1.2 for Glacier2.
std::vector<std::pair<std::string, std::string>> server_settings(const std::string& db,
                                                                 const std::filesystem::path& data);

// The versions a 4.1 -> 5.4 upgrade can leave behind: dbpatch always names one.
extern const std::set<std::string> kLegacyChain;

}  // namespace omero::test
