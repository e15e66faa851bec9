// history.hpp - what the database says about its upgrades: its version
// (dbpatch), the upgrade lock, and omero_cli_history, the engine's record of
// every hop it ran (its rows are written by apply.cpp through these).
#pragma once

#include "migrate/versions.hpp"
#include "pg/pg.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace omero::migrate {

using pg::Pg;
using pg::Row;

inline constexpr long long kUpgradeLockKey = 0x6f6d65726f5f7570LL;  // "omero_up"

// The newest dbpatch row, e.g. "OMERO5.4__0"; nullopt when there is no
// dbpatch. Throws Error(26) naming the database when its dbpatch is not OMERO's.
std::optional<Version> current_version(Pg& db);
// Tables in the database's own schemas (an empty database has none).
size_t user_table_count(Pg& db);

// Takes the upgrade lock, waiting up to `timeout`; throws Error(21)
// naming the holder (pid, host, since) when it cannot.
void take_upgrade_lock(Pg& db, std::chrono::milliseconds timeout);

// Creates omero_cli_history when missing and marks the hops of runs that
// died as 'interrupted'. Call it holding the upgrade lock.
void ensure_history_table(Pg& db);

// ANALYZE every user table that holds data, in one statement.
void analyze_user_tables(Pg& db);

struct PlannedHop;

// The 'running' history row of a hop (inserted before its transaction, so a
// killed run leaves it for the next one to mark 'interrupted').
std::string running_row(Pg& db, const PlannedHop& h, const std::string& tool);
// Records a failed or cancelled hop (after its rollback).
void record_failure(Pg& db, const std::string& outcome, const std::string& error);
// Writes the dbpatch row of a hop that no script serves, as the scripts do.
void write_dbpatch(Pg& db, const PlannedHop& h, const std::function<bool()>& cancelled);
// Records the success and commits, in one message (and inserts the next hop's
// 'running' row); raises before COMMIT when dbpatch does not say the target.
void commit_hop(Pg& db, const PlannedHop& h, const PlannedHop* next, const std::string& tool);

}  // namespace omero::migrate
