// upgrade.hpp - the `omero upgrade` commands, one file each (plan.cpp is
// `omero upgrade plan`, run.cpp `run` and `resume`, rollback.cpp, check.cpp),
// and the modules they share, one header each:
//   journal.hpp  the plan as the journal keeps it, the journal, the lock
//   survey.hpp   the facts gathered read-only before anything changes
//   checks.hpp   the named checks that turn those facts into problems
//   site.hpp     the web server's site files: found, re-pointed, reloaded
//   steps.hpp    the steps of run and rollback, each journaled
//   summary.hpp  the end of run and rollback: times, downtime, what next
//   calls.hpp    the other plugins' commands, through the host
// What a distribution is, its archives, its local edits and the swap are in
// lib/dist (omero::dist); nginx and Apache in lib/frontend.
//
// The other plugins are used only through the host's command service
// (Context::run): `db upgrade|dump|restore|clone|status`, `admin
// stop|start|status|check|diagnostics`, `web stop|start|status|check|
// syncmedia`, so each stays optional; a missing one is named with its package.
#pragma once

#include <omero/plugin.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>

namespace omero::dist {}

namespace omero::upgrade {

namespace fs = std::filesystem;
using nlohmann::json;
using omero::sdk::Command;
using omero::sdk::Context;
using omero::sdk::Option;
using namespace omero::dist;

Command plan_command();
Command run_command();
Command resume_command();
Command rollback_command();
Command check_command();

}  // namespace omero::upgrade
