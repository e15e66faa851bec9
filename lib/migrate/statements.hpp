// statements.hpp - running a script's statements on our connection: each
// one watched (progress, cancel), errors naming file:line.
#pragma once

#include "migrate/reporter.hpp"
#include "migrate/sql_script.hpp"
#include "pg/pg.hpp"

#include <string>
#include <vector>

namespace omero::migrate {

using pg::Pg;
using pg::Row;

// The statements that count as work (not BEGIN/COMMIT, not \echo).
size_t count_work(const std::vector<Statement>& s);

// Runs statements (skipping the script's own BEGIN/COMMIT) in the current
// transaction, `done` of `total` on the progress line; throws Error naming
// file:line. `prefix` (e.g. "BEGIN;") goes in the same message as the first
// statement: one round trip less per hop.
void run_statements(Reporter& r, Pg& db, const std::vector<Statement>& statements, const std::string& name,
                    size_t& done, size_t total, std::string prefix = {});

// Ends the transaction, whatever state the connection is in.
void rollback(Pg& db);

// Runs the statements of a whole-database script in one transaction (db init).
void run_in_transaction(Reporter& r, Pg& db, const std::vector<Statement>& statements, const std::string& name);

}  // namespace omero::migrate
