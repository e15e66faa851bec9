// cluster.hpp - one real PostgreSQL cluster per test binary
// (scripts/pg-cluster.sh), started before the first test on a free loopback
// port and stopped after the last.
#pragma once

#include "run.hpp"

#include <gtest/gtest.h>

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

}  // namespace omero::test
