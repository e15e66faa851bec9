// hop_plugin.hpp - the bridge to hop plugins (<omero/plugin_abi.h>): what a
// plugin declares for a hop (checks, fixes, shims), copied out of its C
// structs, and its callbacks called with a context on our connection.
#pragma once

#include "migrate/reporter.hpp"
#include "migrate/versions.hpp"
#include "pg/pg.hpp"

#include <omero/plugin_abi.h>

#include <functional>
#include <string>
#include <vector>

namespace omero::migrate {

using pg::Pg;
using pg::Row;

// What a hop plugin declares for the engine to run itself (the C structs
// of <omero/plugin_abi.h>, copied).
struct DeclaredCheck {
    std::string name, summary, sql, fixed_by;
};
struct DeclaredFix {
    std::string name, summary;
    std::vector<std::string> params;
    std::string script, sql;
};
struct DeclaredShim {
    std::string why, find, replace;
    unsigned min_count = 1, max_count = 1;
};

// A hop step a plugin contributes. `call` runs one phase (omero_hop_phase)
// with the context the engine built and returns the callback's status (0
// when the plugin has nothing for that phase).
struct PluginHop {
    std::string plugin, version, summary, notes;
    uint32_t flags = 0;  // omero_hop_flags
    std::function<int(int phase, const omero_hop_context& ctx)> call;
    std::vector<DeclaredCheck> checks;
    std::vector<DeclaredFix> fixes;
    std::vector<DeclaredShim> shims;
    std::string shipped_in;
};
// A check or fix name as <omero/plugin_abi.h> defines it, ^[a-z0-9][a-z0-9.-]*$
// (what --fix can name).
bool is_step_name(const std::string& name);

// Copies what a loaded hop declares (checks, fixes, shims, shipped_in),
// reading only the fields its struct_size says it has.
void read_declarations(const omero_upgrade_hop* hop, PluginHop& p);

// Calls every plugin's callback for `phase` (omero_hop_phase) on our
// connection, inside the caller's transaction; throws Error naming the
// plugin when one fails (25) or refuses (24).
void run_plugins(Reporter& r, Pg& db, const std::vector<PluginHop>& plugins, const Hop& hop, int phase, bool dry_run);

}  // namespace omero::migrate
