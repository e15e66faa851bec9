// The hop services: every hop the plugins found declare (from their
// manifests, loading none), each one's library loaded on demand, and the
// first-party hop plugins this release ships but this machine lacks, named
// with their package.
#include "service_calls.hpp"

#include "first_party.hpp"
#include "loader.hpp"

#include <omero/exit_codes.h>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstring>

namespace omero::host {

namespace {

// Every plugin found (nullptr outside a command line, e.g. in unit tests).
const std::vector<PluginEntry>* all_plugins(omero_host* h) { return h->all_plugins ? &h->all_plugins() : nullptr; }

}  // namespace

int h_for_each_hop(omero_host* h, omero_hop_sink sink, void* user) {
    const std::vector<PluginEntry>* plugins = all_plugins(h);
    if (!plugins) return OMERO_OK;
    for (const PluginEntry& e : *plugins) {
        if (e.state != PluginState::ok || e.manifest->hops.empty()) continue;
        try {
            LoadedPlugin lp = load_library(e.library_path, host_api(), h);
            if (lp.api->struct_size < offsetof(omero_plugin_api, n_hops) + sizeof lp.api->n_hops) continue;
            for (size_t i = 0; i < lp.api->n_hops; ++i) sink(user, lp.api->name, lp.api->hops[i]);
        } catch (const LoadError& ex) {
            // One broken plugin never hides the others' hops.
            host_logger().warn("plugin '{}' ({}) is {}: {}; its hops are skipped", e.name, e.library_path.string(),
                               state_name(ex.state), ex.what());
        }
    }
    return OMERO_OK;
}

int h_list_hops(omero_host* h, omero_hop_info_sink sink, void* user) {
    const std::vector<PluginEntry>* plugins = all_plugins(h);
    if (!plugins) return OMERO_OK;
    auto str = [](const std::string& s) { return omero_str{s.data(), s.size()}; };
    for (const PluginEntry& e : *plugins) {
        // A plugin the admin disabled serves nothing; a broken one is listed as unusable.
        if (!e.manifest || e.state == PluginState::shadowed || e.state == PluginState::disabled) continue;
        const std::string package = package_of(e.name);
        for (const HopInfo& hop : e.manifest->hops) {
            omero_hop_info info{};
            info.struct_size = sizeof info;
            info.plugin = str(e.name);
            info.plugin_version = str(e.manifest->version);
            info.from = str(hop.from);
            info.to = str(hop.to);
            info.summary = str(hop.summary);
            info.notes = str(hop.notes);
            info.flags = hop.flags;
            info.usable = e.state == PluginState::ok;
            std::string reason = info.usable ? "" : std::string(state_name(e.state)) + ": " + e.reason;
            info.reason = str(reason);
            info.package = str(package);
            sink(user, &info);
        }
    }
    // A first-party hop plugin this release ships but this machine lacks (a
    // packager's subset): named by the release its hop starts from
    // ("hop-4-2" serves OMERO4.2__x), so `db` can refuse that hop and name
    // the package instead of running the release's script without it.
    for (const std::string& name : first_party_plugins()) {
        unsigned major = 0, minor = 0;
        char tail = 0;
        if (std::sscanf(name.c_str(), "hop-%u-%u%c", &major, &minor, &tail) != 2) continue;
        bool present = false;
        for (const PluginEntry& e : *plugins) present |= e.name == name;
        if (present) continue;
        // Every 3.x release's database is OMERO3A__<n> (3.2 is OMERO3A__11).
        const std::string from =
            major == 3 ? std::string("OMERO3A") : "OMERO" + std::to_string(major) + "." + std::to_string(minor);
        const std::string package = package_of(name), reason = "not installed";
        omero_hop_info info{};
        info.struct_size = sizeof info;
        info.plugin = str(name);
        info.from = str(from);
        info.reason = str(reason);
        info.package = str(package);
        sink(user, &info);
    }
    return OMERO_OK;
}

int h_load_hop(omero_host* h, const char* plugin, const char* from, const char* to, const omero_upgrade_hop** out) {
    const std::vector<PluginEntry>* plugins = all_plugins(h);
    if (!plugins || !plugin || !from || !to || !out) return OMERO_E_FAILED;
    for (const PluginEntry& e : *plugins) {
        if (e.name != plugin || e.state == PluginState::shadowed) continue;
        if (e.state != PluginState::ok) {
            h->last_error = "plugin '" + e.name + "' is " + state_name(e.state) + ": " + e.reason;
            return OMERO_E_UNAVAILABLE;
        }
        try {
            LoadedPlugin lp = load_plugin(e, host_api(), h);
            if (lp.api->struct_size >= offsetof(omero_plugin_api, n_hops) + sizeof lp.api->n_hops)
                for (size_t i = 0; i < lp.api->n_hops; ++i) {
                    const omero_upgrade_hop* hop = lp.api->hops[i];
                    if (hop && hop->from && hop->to && std::strcmp(hop->from, from) == 0 &&
                        std::strcmp(hop->to, to) == 0) {
                        *out = hop;
                        return OMERO_OK;
                    }
                }
            h->last_error = "plugin '" + e.name + "' does not serve the hop " + from + " -> " + to;
            return OMERO_NOT_FOUND;
        } catch (const LoadError& ex) {
            h->last_error = ex.what() + std::string("; reinstall package ") + package_of(e.name);
            return OMERO_E_UNAVAILABLE;
        }
    }
    h->last_error = std::string("plugin '") + plugin + "' is not installed; install package " + package_of(plugin);
    return OMERO_E_UNAVAILABLE;
}

}  // namespace omero::host
