#include "loader.hpp"

#define BOOST_DLL_USE_STD_FS
#include <boost/dll/shared_library.hpp>

#include "elf_symbols.hpp"
#include "plugin_guard.hpp"

#include "util/clock.hpp"

#include <dlfcn.h>

#include <map>
#include <set>
#include <string_view>

namespace fs = std::filesystem;

namespace omero::host {

static LoadedPlugin load_once(const fs::path& abs, const omero_host_api* api, omero_host* host);

// Why a library would not load, in words a sysadmin can act on (Boost.DLL
// only keeps an errno such as "Bad file descriptor").
static std::string load_failure(const fs::path& abs) {
    if (elf_exports(abs, OMERO_PLUGIN_ENTRY_NAME) == ElfCheck::not_elf)
        return "not an ELF shared library for this machine (damaged or wrong file?)";
    if (dlopen(abs.c_str(), RTLD_NOW | RTLD_LOCAL)) return "loads now (a transient failure?)";
    const char* e = dlerror();
    return e ? e : "unknown error";
}

LoadedPlugin load_library(const fs::path& library, const omero_host_api* api, omero_host* host) {
    std::error_code ec;
    fs::path abs = fs::absolute(library, ec);
    // A library is loaded and negotiated once per process.
    static auto* loaded = new std::map<fs::path, LoadedPlugin>();
    if (auto it = loaded->find(abs); it != loaded->end()) return it->second;
    // A library's constructors and its negotiation are plugin code: bounded, and a crash is named.
    const std::string name = abs.stem().string().substr(abs.stem().string().rfind("libomero-", 0) == 0 ? 9 : 0);
    LoadedPlugin p;
    {
        CrashGuard crash(name, "loading (" + abs.string() + ")");
        auto limit = plugin_load_timeout();
        Watchdog watchdog("omero: plugin '" + name + "' (" + abs.string() + ") did not finish loading within " +
                              seconds_text(limit) + " s; it is broken: disable it with OMERO_PLUGINS_DISABLE=" + name +
                              " (OMERO_PLUGIN_LOAD_TIMEOUT sets the bound)",
                          limit);
        p = load_once(abs, api, host);
    }
    loaded->emplace(abs, p);
    return p;
}

static LoadedPlugin load_once(const fs::path& abs, const omero_host_api* api, omero_host* host) {
    boost::dll::fs::error_code dll_ec;
    // Deliberately leaked: plugins are never unloaded (their code may still be
    // referenced by function pointers the host holds until exit).
    auto* lib = new boost::dll::shared_library(abs, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local,
                                               dll_ec);
    if (dll_ec || !lib->is_loaded()) {
        delete lib;
        throw LoadError(PluginState::invalid, "cannot load " + abs.string() + ": " + load_failure(abs));
    }
    if (!lib->has(OMERO_PLUGIN_ENTRY_NAME))
        throw LoadError(PluginState::invalid, "library does not export " OMERO_PLUGIN_ENTRY_NAME "()");
    auto& entry = lib->get<int(omero_negotiation*)>(OMERO_PLUGIN_ENTRY_NAME);

    omero_negotiation n{};
    n.struct_size = sizeof n;
    n.host_abi_min = kHostAbiMin;
    n.host_abi_max = kHostAbiMax;
    n.host_api = api;
    n.host = host;
    int rc = entry(&n);
    auto range = [](uint32_t a, uint32_t b) { return std::to_string(a) + ".." + std::to_string(b); };
    if (rc == OMERO_NEGOTIATE_INCOMPATIBLE)
        throw LoadError(PluginState::incompatible, "plugin needs ABI " + range(n.plugin_abi_min, n.plugin_abi_max) +
                                                       ", this omero offers " + range(kHostAbiMin, kHostAbiMax));
    if (rc != OMERO_NEGOTIATE_OK || !n.plugin)
        throw LoadError(PluginState::invalid,
                        "plugin failed to initialise (negotiation returned " + std::to_string(rc) + ")");
    if (n.abi_chosen < kHostAbiMin || n.abi_chosen > kHostAbiMax)
        throw LoadError(PluginState::incompatible, "plugin chose ABI " + std::to_string(n.abi_chosen) + ", outside " +
                                                       range(kHostAbiMin, kHostAbiMax));
    if (n.plugin->struct_size < offsetof(omero_plugin_api, n_commands) + sizeof(size_t))
        throw LoadError(PluginState::invalid, "plugin table is too small");
    return {n.plugin, n.abi_chosen, n.plugin_abi_min, n.plugin_abi_max};
}

LoadedPlugin load_plugin(const PluginEntry& e, const omero_host_api* api, omero_host* host) {
    auto named = [&](PluginState state, const std::string& why) {
        return LoadError(
            state, "plugin '" + e.name + "' (" + e.library_path.string() + ") is " + state_name(state) + ": " + why);
    };
    LoadedPlugin lp;
    try {
        lp = load_library(e.library_path, api, host);
    } catch (const LoadError& ex) {
        throw named(ex.state, ex.what());
    }
    if (std::string why = mismatch_with_manifest(lp, *e.manifest); !why.empty()) throw named(PluginState::invalid, why);
    return lp;
}

std::string mismatch_with_manifest(const LoadedPlugin& p, const Manifest& m) {
    const omero_plugin_api& api = *p.api;
    if (m.name != (api.name ? api.name : ""))
        return "library calls itself '" + std::string(api.name ? api.name : "") + "', manifest says '" + m.name + "'";
    // The paths alone (this runs on every start of a plugin command): the
    // library's, with the groups the manifest step adds for multi-word ones.
    std::set<std::string_view> declared, listed;
    for (size_t i = 0; i < api.n_commands; ++i) {
        std::string_view path = api.commands[i]->path ? api.commands[i]->path : "";
        declared.insert(path);
        for (size_t sp = path.find(' '); sp != std::string_view::npos; sp = path.find(' ', sp + 1))
            declared.insert(path.substr(0, sp));
    }
    for (const CommandInfo& c : m.commands) listed.insert(c.path);
    if (declared != listed) return "manifest commands differ from the library's; regenerate the manifest";
    return {};
}

}  // namespace omero::host
