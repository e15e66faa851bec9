// plan.hpp - a plan: the hops on the path, each with its script read once
// (digested, the plugins' shims applied in memory, split into statements),
// its plugins, and the fixes asked for with --fix.
#pragma once

#include "migrate/hop_plugin.hpp"
#include "migrate/sql_script.hpp"
#include "migrate/versions.hpp"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace omero::migrate {

// `--fix NAME[:K=V,...]`, e.g. "move-to-group:GRP=3,USR=20". Throws Error(2).
struct FixRequest {
    std::string text, name;
    std::map<std::string, std::string> values;
};
FixRequest parse_fix(const std::string& text);

struct AppliedShim {
    std::string plugin, why;
    size_t count = 0;
};
struct PlannedFix {
    std::string plugin, name, text, source;  // source: the file, or "plugin <name>"
    std::vector<Statement> statements;
};

struct PlannedHop {
    Hop hop;
    std::vector<Statement> statements;  // of the script with the shims applied (empty for a plugin-only hop)
    std::vector<Statement> precheck;
    std::string sha256;              // of the distribution's script, as read (once)
    std::vector<PluginHop> plugins;  // in plugin-name order
    std::vector<AppliedShim> shims;  // applied to the script's text before it was split
    std::vector<PlannedFix> fixes;   // asked for with --fix, in the order given
    // Set by preflight() for the first hop when its declared checks ran on
    // today's data and passed: the hop then does not run them again (the
    // upgrade lock is held from before the pre-flight; no fix runs before it).
    mutable bool checks_passed = false;

    // The script's path, or "plugin hop A -> B (p1, p2)" when no script serves it.
    std::string name() const;
    // True when nobody else writes the hop's dbpatch row.
    bool engine_writes_dbpatch() const;
};

// Reads each hop's files once, applies the plugins' shims to the script's
// text and splits it (errors name file:line); the plugins serving a hop come
// from `plugins_for`. Each requested fix must be declared by a plugin of a
// hop on the path, with every parameter it names (integers). A hop whose
// plugin says which release ships its script, but whose script this
// distribution lacks, is refused (exit 25) naming that release.
std::vector<PlannedHop> plan_hops(const std::vector<Hop>& path,
                                  const std::function<std::vector<PluginHop>(const Hop&)>& plugins_for,
                                  const std::vector<FixRequest>& fixes = {});

// A planned hop's plugins ("hop-4-1 0.1.0, ..."), applied shims and fixes,
// each as one line (the history row, the hop-done event).
std::string plugin_list(const PlannedHop& h);
std::string shim_list(const PlannedHop& h);
std::string fix_list(const PlannedHop& h);

}  // namespace omero::migrate
