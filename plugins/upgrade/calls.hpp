// calls.hpp - the other plugins' commands, used through the host's command
// service only (each plugin stays optional; a missing one is named with its
// package), and what the upgrade reads of their --json output.
#pragma once

#include "upgrade.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace omero::upgrade {

// A command of another plugin through the host; 126 with the package named
// when it is not installed. `captured` gets its output, `why` its error.
int call(Context& c, const std::vector<std::string>& words, std::string* captured = nullptr,
         std::string* why = nullptr);
// The last JSON object (holding `key`, when given) of a command's captured
// --json output: its result.
json last_object(const std::string& out, std::string_view key = {});
// "==> STEP: text" on stderr, or {"event": "step", ...} under --json.
void say(Context& c, const std::string& step, const std::string& text);
// Runs another plugin's command for a step, saying so. A failure throws
// Error with its exit status and reason; so does a plugin that is not
// installed, unless `optional` (then false, and the package is named).
bool invoke(Context& c, const std::string& step, const std::vector<std::string>& words, bool optional = false);
// Whether the server ("admin") or OMERO.web ("web") runs; false when the
// plugin is not installed.
bool running(Context& c, const std::string& plugin);
// Whether a database of that name can be connected to (db status --name).
bool database_exists(Context& c, const std::string& name);

}  // namespace omero::upgrade
