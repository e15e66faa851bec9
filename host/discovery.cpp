#include "discovery.hpp"

#include "elf_symbols.hpp"

#include "util/file.hpp"

#include <fnmatch.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <map>
#include <system_error>

namespace fs = std::filesystem;

namespace omero::host {

const char* state_name(PluginState s) {
    switch (s) {
        case PluginState::ok:
            return "ok";
        case PluginState::disabled:
            return "disabled";
        case PluginState::incompatible:
            return "incompatible";
        case PluginState::invalid:
            return "invalid";
        case PluginState::refused:
            return "refused";
        case PluginState::shadowed:
            return "shadowed";
    }
    return "?";
}

bool running_setuid() { return getauxval(AT_SECURE) != 0; }

static const char* env(const char* name) {
    if (running_setuid()) return nullptr;
    const char* v = std::getenv(name);
    return v && *v ? v : nullptr;
}

static std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t i = 0; i <= s.size(); ++i)
        if (i == s.size() || s[i] == sep) {
            if (i > start) out.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    return out;
}

static fs::path exe_dir() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : exe.parent_path();
}

std::vector<SearchDir> search_dirs(const DiscoveryOptions& opts) {
    std::vector<SearchDir> dirs;
    for (const fs::path& p : opts.extra_dirs) dirs.push_back({p, "--path"});
    const std::string abi = "abi" + std::to_string(OMERO_ABI_VERSION);
    if (const char* pp = env("OMERO_PLUGIN_PATH")) {
        for (const std::string& d : split(pp, ':')) dirs.push_back({d, "OMERO_PLUGIN_PATH"});
        return dirs;
    }
    if (!running_setuid()) {
        if (const char* x = env("XDG_DATA_HOME"))
            dirs.push_back({fs::path(x) / "omero/plugins" / abi, "user"});
        else if (const char* home = std::getenv("HOME"))
            dirs.push_back({fs::path(home) / ".local/share/omero/plugins" / abi, "user"});
    }
    if (fs::path e = exe_dir(); !e.empty()) dirs.push_back({e.parent_path() / "lib/omero/plugins" / abi, "install"});
    dirs.push_back({fs::path("/usr/local/lib/omero/plugins") / abi, "system"});
    dirs.push_back({fs::path("/usr/lib/omero/plugins") / abi, "system"});
    // The same directory twice (the install tree is often a system dir) is
    // scanned once, and one that does not exist not at all: one stat each
    // (this runs on every start).
    std::vector<SearchDir> unique;
    std::vector<std::pair<dev_t, ino_t>> seen;
    for (auto& d : dirs) {
        struct stat st {};
        if (::stat(d.dir.c_str(), &st) != 0) continue;
        const std::pair<dev_t, ino_t> id{st.st_dev, st.st_ino};
        if (std::find(seen.begin(), seen.end(), id) != seen.end()) continue;
        seen.push_back(id);
        unique.push_back(std::move(d));
    }
    return unique;
}

static std::vector<std::string> deny_list() {
    std::vector<std::string> globs;
    if (const char* d = env("OMERO_PLUGINS_DISABLE"))
        for (auto& g : split(d, ',')) globs.push_back(g == "all" ? "*" : g);
    std::vector<fs::path> files = {"/etc/omero/plugins.deny"};
    if (const char* x = env("XDG_CONFIG_HOME"))
        files.push_back(fs::path(x) / "omero/plugins.deny");
    else if (const char* home = env("HOME"))
        files.push_back(fs::path(home) / ".config/omero/plugins.deny");
    for (const fs::path& f : files) {
        std::optional<std::string> text;
        try {
            text = read_file_if_exists(f, 1 << 20);  // one failed open when there is none (the usual case)
        } catch (const Error&) {
            continue;  // unreadable: as if absent
        }
        if (!text) continue;
        for (size_t start = 0; start < text->size();) {
            size_t end = text->find('\n', start);
            if (end == std::string::npos) end = text->size();
            std::string line = text->substr(start, end - start);
            start = end + 1;
            line.erase(0, line.find_first_not_of(" \t"));
            line.erase(line.find_last_not_of(" \t\r") + 1);
            if (!line.empty() && line[0] != '#') globs.push_back(line);
        }
    }
    return globs;
}

// A plugin someone else could have written is never loaded: refuse files and
// dirs writable by group or others, or owned by neither root nor us.
static std::string unsafe_reason(const fs::path& p) {
    struct stat st;
    if (stat(p.c_str(), &st) != 0) return {};
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", unsigned(st.st_mode & 07777));
        return p.string() + " is writable by " + ((st.st_mode & S_IWOTH) ? "others" : "its group") + " (mode " + mode +
               "); fix with: chmod go-w " + p.string();
    }
    if (st.st_uid != 0 && st.st_uid != geteuid())
        return p.string() + " is owned by uid " + std::to_string(st.st_uid) + ", neither root nor you";
    return {};
}

// A safe directory inside an unsafe one is not safe: whoever may write the
// parent can replace the child. Sticky directories (/tmp) are fine: there
// only a file's owner may rename or remove it.
static std::string unsafe_ancestor(const fs::path& dir) {
    std::error_code ec;
    const fs::path given = fs::absolute(dir, ec);
    if (ec) return {};
    // The path as given and, when a symlink is on the way, where it really
    // leads (walked only when it differs). Plain strings and stat(): this
    // runs on every start.
    std::vector<std::string> paths = {given.string()};
    char real[PATH_MAX];
    if (::realpath(paths[0].c_str(), real) && paths[0] != real) paths.emplace_back(real);
    for (std::string& p : paths) {
        while (p.size() > 1 && p.back() == '/') p.pop_back();
        while (p.size() > 1) {
            size_t slash = p.rfind('/');
            if (slash == std::string::npos) break;
            p.resize(slash == 0 ? 1 : slash);  // the parent
            struct stat st;
            if (::stat(p.c_str(), &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX)) {
                char mode[8];
                std::snprintf(mode, sizeof mode, "%04o", unsigned(st.st_mode & 07777));
                return "its parent directory " + p + " is writable by " +
                       ((st.st_mode & S_IWOTH) ? "others" : "its group") + " (mode " + mode +
                       "); fix with: chmod go-w " + p;
            }
        }
    }
    return {};
}

static std::vector<fs::path> manifests_in(const fs::path& dir, const std::string& only) {
    std::vector<fs::path> out;
    std::error_code ec;
    if (fs::is_regular_file(dir, ec))
        return only.empty() || dir.filename() == only + kManifestSuffix ? std::vector<fs::path>{dir}
                                                                        : std::vector<fs::path>{};
    if (!only.empty()) {
        fs::path one = dir / (only + kManifestSuffix);
        if (fs::exists(one, ec)) out.push_back(one);
        return out;
    }
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string n = it->path().filename().string();
        if (n.size() > std::string(kManifestSuffix).size() && n.ends_with(kManifestSuffix)) out.push_back(it->path());
    }
    std::sort(out.begin(), out.end());  // readdir order is random: make it defined
    return out;
}

std::vector<PluginEntry> discover(const DiscoveryOptions& opts, const std::vector<std::string>& builtin_commands,
                                  const std::vector<std::string>& first_party) {
    std::vector<PluginEntry> entries;
    if (opts.no_plugins) return entries;
    const std::vector<std::string> denied = deny_list();
    std::map<std::string, size_t> by_name;     // plugin name -> winning entry
    std::map<std::string, size_t> by_command;  // top-level command -> owning entry

    for (const SearchDir& sd : search_dirs(opts)) {
        // Looking for one plugin: the first of its name wins, later ones would only be shadowed.
        if (!opts.only.empty() && !entries.empty()) break;
        std::optional<std::string> dir_problem;  // looked at once the dir has a manifest
        for (const fs::path& mf : manifests_in(sd.dir, opts.only)) {
            if (!dir_problem) {
                dir_problem = unsafe_reason(sd.dir);
                if (dir_problem->empty()) dir_problem = unsafe_ancestor(sd.dir);
            }
            PluginEntry e;
            e.manifest_path = mf;
            e.origin = sd.origin;
            std::string file = mf.filename().string();
            e.name = file.substr(0, file.size() - std::string(kManifestSuffix).size());
            auto set = [&](PluginState s, std::string why) {
                e.state = s;
                e.reason = std::move(why);
            };
            std::string unsafe = dir_problem->empty() ? unsafe_reason(mf) : *dir_problem;
            if (!unsafe.empty()) {
                set(PluginState::refused, unsafe);
            } else {
                try {
                    e.manifest = read_manifest(mf, /*details=*/false);
                    if (e.manifest->name != e.name)
                        set(PluginState::invalid, "manifest names plugin '" + e.manifest->name +
                                                      "' but its file is named for '" + e.name + "'");
                    e.library_path = mf.parent_path() / e.manifest->library;
                } catch (const std::exception& ex) {
                    set(PluginState::invalid, ex.what());
                }
            }
            if (e.state == PluginState::ok) {
                std::error_code ec;
                if (!fs::is_regular_file(e.library_path, ec))
                    set(PluginState::invalid, "library " + e.library_path.string() + " not found");
                else if (std::string u = unsafe_reason(e.library_path); !u.empty())
                    set(PluginState::refused, u);
            }
            if (auto it = by_name.find(e.name); it != by_name.end()) {
                set(PluginState::shadowed, "hidden by " + entries[it->second].manifest_path.string());
            } else {
                by_name.emplace(e.name, entries.size());
            }
            if (e.state == PluginState::ok)
                for (const std::string& g : denied)
                    if (fnmatch(g.c_str(), e.name.c_str(), 0) == 0) {
                        set(PluginState::disabled, "disabled by the deny list ('" + g + "')");
                        break;
                    }
            if (e.state == PluginState::ok) {
                const Manifest& m = *e.manifest;
                if (std::max(m.abi_min, kHostAbiMin) > std::min(m.abi_max, kHostAbiMax))
                    set(PluginState::incompatible,
                        "plugin needs ABI " + std::to_string(m.abi_min) + ".." + std::to_string(m.abi_max) +
                            ", this omero offers " + std::to_string(kHostAbiMin) + ".." + std::to_string(kHostAbiMax));
            }
            if (e.state == PluginState::ok && opts.check_libraries) {
                switch (elf_exports(e.library_path, OMERO_PLUGIN_ENTRY_NAME)) {
                    case ElfCheck::exported:
                        break;
                    case ElfCheck::missing:
                        set(PluginState::invalid, "library does not export " OMERO_PLUGIN_ENTRY_NAME "()");
                        break;
                    case ElfCheck::not_elf:
                        set(PluginState::invalid, "library is not a 64-bit ELF file");
                        break;
                }
            }
            if (e.state == PluginState::ok) {
                for (const CommandInfo& c : e.manifest->commands) {
                    std::string top = c.top();
                    if (std::find(builtin_commands.begin(), builtin_commands.end(), top) != builtin_commands.end()) {
                        set(PluginState::invalid, "command '" + top + "' is a built-in command");
                        break;
                    }
                    if (top != e.name && std::find(first_party.begin(), first_party.end(), top) != first_party.end()) {
                        set(PluginState::refused, "declares 'omero " + c.path + "', but 'omero " + top +
                                                      "' belongs to the first-party plugin '" + top + "'");
                        break;
                    }
                    if (auto it = by_command.find(top); it != by_command.end() && entries[it->second].name != e.name) {
                        set(PluginState::shadowed, "command '" + top + "' is provided by plugin '" +
                                                       entries[it->second].name + "' (" +
                                                       entries[it->second].manifest_path.string() + ")");
                        break;
                    }
                }
                if (e.state == PluginState::ok)
                    for (const CommandInfo& c : e.manifest->commands) by_command.emplace(c.top(), entries.size());
            }
            entries.push_back(std::move(e));
        }
    }
    return entries;
}

}  // namespace omero::host
