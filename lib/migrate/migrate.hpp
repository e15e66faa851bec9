// migrate.hpp - the database migration engine: applying OMERO's SQL scripts
// and the hop plugins' steps safely. `db upgrade`, `db status` and `db init`
// go through it (and `upgrade run` through them), so the machinery exists once:
//   history.hpp     the database's version, the upgrade lock, omero_cli_history
//   hop_plugin.hpp  what hop plugins declare, and their callbacks
//   plan.hpp        the hops of a path, scripts read once, shims applied, --fix
//   checks.hpp      pre-checks and declared checks, read-only
//   statements.hpp  running a script's statements (progress, cancel, file:line)
//   apply.hpp       running a plan, a transaction per hop
//   create_script.hpp  the script that creates a fresh database (db script, db init), password hashes
#pragma once

#include "migrate/apply.hpp"
#include "migrate/checks.hpp"
#include "migrate/history.hpp"
#include "migrate/hop_plugin.hpp"
#include "migrate/plan.hpp"
#include "migrate/statements.hpp"
