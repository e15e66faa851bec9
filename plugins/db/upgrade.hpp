// upgrade.hpp - applying OMERO's SQL scripts safely.
//
// One connection for the whole run; a session advisory lock held
// throughout; each hop (its script plus any plugin fixes) in one
// transaction we own, so a failure or a kill leaves the database at the
// previous complete version; every attempt recorded in omero_cli_history.
#pragma once

#include "pg.hpp"
#include "sql_script.hpp"
#include "versions.hpp"

#include <omero/plugin.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace omero::db {

inline constexpr long long kUpgradeLockKey = 0x6f6d65726f5f7570LL;  // "omero_up"

// The newest dbpatch row, e.g. "OMERO5.4__0"; nullopt when there is no dbpatch.
std::optional<Version> current_version(Pg& db);

// Takes the upgrade lock, waiting up to `timeout`; throws DbError(21)
// naming the holder (pid, host, since) when it cannot.
void take_upgrade_lock(Pg& db, std::chrono::seconds timeout);

void ensure_history_table(Pg& db);

struct PlannedHop {
    Hop hop;
    std::vector<Statement> statements;          // of the script (empty for a plugin-only hop)
    std::vector<Statement> precheck;
    std::string sha256;                          // of the script file
    std::vector<omero::sdk::Context::HopRef> plugin_hops;  // contributed by plugins for this hop
};

// Reads and splits each hop's files (errors name file:line).
std::vector<PlannedHop> plan_hops(const std::vector<Hop>& path, const std::vector<omero::sdk::Context::HopRef>& plugin_hops);

// Runs the plan; returns the exit code. Progress, messages and JSON events go
// through the context.
int apply_plan(omero::sdk::Context& c, Pg& db, const std::vector<PlannedHop>& plan);

// Runs the statements of a whole-database script in one transaction (db init).
void run_in_transaction(omero::sdk::Context& c, Pg& db, const std::vector<Statement>& statements,
                        const std::string& name);

std::string sha256_file(const std::filesystem::path& p);

// ANALYZE every user table that holds data, in one statement.
void analyze_user_tables(Pg& db);

}  // namespace omero::db
