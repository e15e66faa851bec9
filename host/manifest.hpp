// manifest.hpp - <name>.omero-plugin.json: what a plugin is, without running it.
//
// The manifest is generated at build time from the plugin's own declaration
// (`omero plugin manifest LIB`), so it cannot drift from the code. `help`,
// completion and `plugin list` read manifests only; a library is loaded only
// to run one of its commands.
#pragma once

#include "command_info.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace omero::host {

inline constexpr int kManifestSchema = 1;
inline constexpr const char* kManifestSuffix = ".omero-plugin.json";

struct Manifest {
    std::string name, vendor, version, summary;
    std::string library;  // file name, relative to the manifest's directory
    uint32_t abi_min = 0, abi_max = 0;
    std::vector<CommandInfo> commands;
    std::vector<HopInfo> hops;
    bool details = true;  // false: commands carry no options, args or help text
};

// Throws std::runtime_error with a reason when the file is not a valid manifest.
// Without details, only what start-up needs is kept (names, summaries, flags,
// hops): every start reads every manifest, and options are most of the text.
Manifest read_manifest(const std::filesystem::path& file, bool details = true);
std::string manifest_to_json(const Manifest& m);
Manifest manifest_from_api(const omero_plugin_api& api, uint32_t abi_min, uint32_t abi_max, const std::string& library);
bool valid_plugin_name(const std::string& name);
// Empty when the manifest's tables are sound; else what the plugin author
// must fix (names, duplicates, clashes with built-ins, option types).
std::string manifest_problem(const Manifest& m, const std::vector<std::string>& builtins);

}  // namespace omero::host
