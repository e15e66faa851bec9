// discovery.hpp - finding plugins and deciding, without running any of
// their code, which ones may be used.
//
// Search order (the first plugin of a name wins; later ones are "shadowed"):
//   1. each --path DIR, in the order given;
//   2. $OMERO_PLUGIN_PATH (colon-separated), which replaces 3-5 when set;
//   3. the user's dir: $XDG_DATA_HOME/omero/plugins/abi1 (~/.local/share/...);
//   4. the install tree: <exe dir>/../lib/omero/plugins/abi1;
//   5. system dirs: /usr/local/lib/omero/plugins/abi1, /usr/lib/omero/plugins/abi1.
// Environment variables and the user's dir are ignored when running set-uid.
// Disabled: names or globs in $OMERO_PLUGINS_DISABLE (comma-separated, or
// "all"), /etc/omero/plugins.deny and $XDG_CONFIG_HOME/omero/plugins.deny.
#pragma once

#include "manifest.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace omero::host {

inline constexpr uint32_t kHostAbiMin = 1;
inline constexpr uint32_t kHostAbiMax = OMERO_ABI_VERSION;

enum class PluginState { ok, disabled, incompatible, invalid, refused, shadowed };
const char* state_name(PluginState s);

struct SearchDir {
    std::filesystem::path dir;
    std::string origin;  // "--path", "OMERO_PLUGIN_PATH", "user", "install", "system"
};

struct PluginEntry {
    std::string name;
    std::filesystem::path manifest_path;
    std::filesystem::path library_path;
    std::string origin;
    std::optional<Manifest> manifest;  // set unless the manifest itself is unusable
    PluginState state = PluginState::ok;
    std::string reason;
};

struct DiscoveryOptions {
    std::vector<std::filesystem::path> extra_dirs;  // --path
    bool no_plugins = false;                        // --no-plugins
    bool check_libraries = false;                   // also read each library's symbols
    // Only the first manifest named for this plugin (one stat per search dir,
    // no directory read; the later ones it would shadow are not read): the
    // command line's search for a first-party plugin named by its first word
    // (Cli::narrowed). Empty: every manifest.
    std::string only;
};

bool running_setuid();
std::vector<SearchDir> search_dirs(const DiscoveryOptions& opts);
// A top-level command named like a first-party plugin belongs to that
// plugin: another plugin that declares `config evil` is refused alone and
// the config plugin stays usable.
std::vector<PluginEntry> discover(const DiscoveryOptions& opts, const std::vector<std::string>& builtin_commands,
                                  const std::vector<std::string>& first_party = {});

}  // namespace omero::host
