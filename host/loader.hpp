// loader.hpp - loading a plugin library and negotiating the ABI with it.
#pragma once

#include "discovery.hpp"

#include <omero/plugin_abi.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace omero::host {

struct LoadError : std::runtime_error {
    LoadError(PluginState s, const std::string& why) : std::runtime_error(why), state(s) {}
    PluginState state;
};

struct LoadedPlugin {
    const omero_plugin_api* api = nullptr;
    uint32_t abi = 0;
    uint32_t plugin_abi_min = 0, plugin_abi_max = 0;
};

// Loads with RTLD_NOW|RTLD_LOCAL by absolute path and never unloads.
// Throws LoadError (invalid / incompatible) with a reason.
LoadedPlugin load_library(const std::filesystem::path& library, const omero_host_api* api, omero_host* host);

// Empty when the loaded plugin declares what its manifest says; else why not.
std::string mismatch_with_manifest(const LoadedPlugin& p, const Manifest& m);

// A discovered plugin, loaded and checked against its manifest. Throws
// LoadError whose message names the plugin, its library, state and reason.
LoadedPlugin load_plugin(const PluginEntry& e, const omero_host_api* api, omero_host* host);

}  // namespace omero::host
