// services.hpp - the omero_host_api the host hands to plugins.
#pragma once

#include <omero/plugin_abi.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace omero::config {
class Document;
}
namespace omero::host {
struct PluginEntry;
}

// The opaque context behind every host service call (one per process).
struct omero_host {
    std::string command;  // "config get", for messages
    bool json = false;
    bool quiet = false;
    std::optional<std::filesystem::path> server_dir;  // $OMERODIR
    std::string last_error;

    // Progress reporting state.
    bool progress_shown = false;
    std::chrono::steady_clock::time_point progress_start, progress_last;

    // Plugins found by the command line (for for_each_hop).
    const std::vector<omero::host::PluginEntry>* plugins = nullptr;

    // Config read once per process; dropped after a write.
    std::shared_ptr<const omero::config::Document> config_cache;
};

namespace omero::host {

const omero_host_api* host_api();
omero_host* host_context();

// The server dir from $OMERODIR (empty value = unset).
std::optional<std::filesystem::path> server_dir_from_env();

// True once Ctrl-C was pressed after a plugin asked (cancelled() installs the handler).
bool cancel_requested();

}  // namespace omero::host
