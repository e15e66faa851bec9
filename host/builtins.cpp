// builtins.cpp - the host's own commands. One row per command in
// builtin_table(); help, completion and --json usage come from these rows.
#include "args.hpp"
#include "cli.hpp"
#include "first_party.hpp"
#include "loader.hpp"
#include "services.hpp"
#include "version.hpp"

#include <omero/exit_codes.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>

namespace fs = std::filesystem;

namespace omero::host {

namespace {

const OptionInfo kJson{.name = "json", .help = "print JSON"};

size_t opt(const CommandInfo& c, const ParsedArgs& p, const std::string& name) {
    for (size_t i = 0; i < c.options.size(); ++i)
        if (c.options[i].name == name) return p.counts[i];
    return 0;
}

std::string opt_value(const CommandInfo& c, const ParsedArgs& p, const std::string& name) {
    for (size_t i = 0; i < c.options.size(); ++i)
        if (c.options[i].name == name && !p.values[i].empty()) return p.values[i].back();
    return {};
}

const CommandInfo& info(const char* path) {
    for (const Builtin& b : builtin_table())
        if (b.info.path == path) return b.info;
    throw std::logic_error("no builtin");
}

int run_help(Cli& cli, const ParsedArgs& p) {
    if (opt(info("help"), p, "man")) {
        cli.load_details();
        if (p.positionals.size() > 1) {
            std::fputs("omero help: error: --man takes one top-level command (or none)\n", stderr);
            return OMERO_EXIT_USAGE;
        }
        std::string name = p.positionals.empty() ? "omero" : p.positionals[0];
        std::fputs(man_page(name, cli.commands(), kVersion).c_str(), stdout);
        return OMERO_EXIT_OK;
    }
    if (opt(info("help"), p, "json")) {
        cli.load_details();
        std::vector<CommandSource> selected;
        std::string prefix;
        for (const std::string& w : p.positionals) prefix += (prefix.empty() ? "" : " ") + w;
        for (const CommandSource& c : cli.commands())
            if (prefix.empty() || c.info.path == prefix || c.info.path.rfind(prefix + " ", 0) == 0)
                selected.push_back(c);
        std::fputs(json_usage(selected).c_str(), stdout);
        return OMERO_EXIT_OK;
    }
    return cli.help(p.positionals);
}

int run_version(Cli&, const ParsedArgs&) {
    std::printf("%s\n", kVersion);
    return OMERO_EXIT_OK;
}

int run_load(Cli& cli, const ParsedArgs& p) {
    bool keep_going = opt(info("load"), p, "keep-going") > 0;
    std::vector<std::string> files = p.positionals;
    if (files.empty()) files.push_back("-");
    int last = OMERO_EXIT_OK;
    for (const std::string& f : files) {
        std::ifstream file;
        if (f != "-") {
            file.open(f);
            if (!file) {
                std::fprintf(stderr, "omero load: error: cannot read %s\n", f.c_str());
                return OMERO_EXIT_FAILURE;
            }
        }
        std::istream& in = f == "-" ? std::cin : file;
        for (std::string line; std::getline(in, line);) {
            size_t start = line.find_first_not_of(" \t\r");
            if (start == std::string::npos || line[start] == '#') continue;
            std::vector<std::string> words = split_words(line);
            if (!words.empty() && words[0] == "omero") words.erase(words.begin());
            int rc = words.empty() ? OMERO_EXIT_OK : cli.dispatch(words);
            if (rc != OMERO_EXIT_OK) {
                if (!keep_going) return rc;
                std::fprintf(stderr, "Ignoring error: %s\n", line.c_str());
                last = rc;
            }
        }
    }
    return keep_going ? OMERO_EXIT_OK : last;
}

nlohmann::json plugin_json(const PluginEntry& e) {
    nlohmann::json j = {{"name", e.name},
                        {"state", state_name(e.state)},
                        {"reason", e.reason},
                        {"manifest", e.manifest_path.string()},
                        {"library", e.library_path.string()},
                        {"origin", e.origin}};
    if (e.manifest) {
        j["version"] = e.manifest->version;
        j["vendor"] = e.manifest->vendor;
        j["summary"] = e.manifest->summary;
        j["abi"] = {{"min", e.manifest->abi_min}, {"max", e.manifest->abi_max}};
        nlohmann::json cmds = nlohmann::json::array();
        for (const CommandInfo& c : e.manifest->commands) cmds.push_back(c.path);
        j["commands"] = cmds;
        nlohmann::json hops = nlohmann::json::array();
        for (const HopInfo& h : e.manifest->hops)
            hops.push_back({{"from", h.from}, {"to", h.to}, {"summary", h.summary}});
        j["hops"] = hops;
    }
    return j;
}

int run_plugin_list(Cli& cli, const ParsedArgs& p) {
    const auto& plugins = cli.plugins(/*deep=*/true);
    const std::vector<std::string> missing = cli.not_installed();
    if (opt(info("plugin list"), p, "json")) {
        nlohmann::json arr = nlohmann::json::array();
        for (const PluginEntry& e : plugins) arr.push_back(plugin_json(e));
        for (const std::string& n : missing)
            arr.push_back({{"name", n}, {"state", "not-installed"}, {"package", package_of(n)}});
        std::printf("%s\n", arr.dump(2).c_str());
        return OMERO_EXIT_OK;
    }
    for (const PluginEntry& e : plugins) {
        std::string version = e.manifest ? e.manifest->version : "-";
        std::string where = e.library_path.empty() ? e.manifest_path.string() : e.library_path.string();
        std::printf("%-14s %-10s %-12s %s%s\n", e.name.c_str(), version.c_str(), state_name(e.state), where.c_str(),
                    e.reason.empty() ? "" : ("  (" + e.reason + ")").c_str());
    }
    // First-party plugins this release ships that are not here: what to install.
    for (const std::string& n : missing)
        std::printf("%-14s %-10s %-12s install package %s\n", n.c_str(), "-", "not-installed", package_of(n).c_str());
    if (plugins.empty() && missing.empty())
        std::fprintf(stderr, "no plugins found; see 'omero help' for the search path\n");
    return OMERO_EXIT_OK;
}

int run_plugin_info(Cli& cli, const ParsedArgs& p) {
    const std::string& name = p.positionals.at(0);
    for (const PluginEntry& e : cli.plugins(/*deep=*/true)) {
        if (e.name != name) continue;
        if (opt(info("plugin info"), p, "json")) {
            std::printf("%s\n", plugin_json(e).dump(2).c_str());
            return OMERO_EXIT_OK;
        }
        std::printf("name:      %s\nstate:     %s%s\nmanifest:  %s\nlibrary:   %s\norigin:    %s\n", e.name.c_str(),
                    state_name(e.state), e.reason.empty() ? "" : (" (" + e.reason + ")").c_str(),
                    e.manifest_path.c_str(), e.library_path.c_str(), e.origin.c_str());
        if (e.manifest) {
            const Manifest& m = *e.manifest;
            std::printf("version:   %s\nvendor:    %s\nsummary:   %s\nabi:       %u..%u\ncommands: ", m.version.c_str(),
                        m.vendor.c_str(), m.summary.c_str(), m.abi_min, m.abi_max);
            for (const CommandInfo& c : m.commands) std::printf(" '%s'", c.path.c_str());
            std::printf("\n");
            for (const HopInfo& h : m.hops)
                std::printf("hop:       %s -> %s  %s\n", h.from.c_str(), h.to.c_str(), h.summary.c_str());
        }
        return OMERO_EXIT_OK;
    }
    std::fprintf(stderr, "omero plugin info: error: no plugin named '%s'; see 'omero plugin list'\n", name.c_str());
    return OMERO_EXIT_FAILURE;
}

// Build-time: loads LIB, asks it what it is, and writes its manifest.
int run_plugin_manifest(Cli&, const ParsedArgs& p) {
    fs::path lib = p.positionals.at(0);
    std::string out = opt_value(info("plugin manifest"), p, "output");
    try {
        LoadedPlugin lp = load_library(fs::absolute(lib), host_api(), host_context());
        Manifest m = manifest_from_api(*lp.api, lp.plugin_abi_min, lp.plugin_abi_max, lib.filename().string());
        if (std::string why = manifest_problem(m, builtin_commands()); !why.empty()) {
            std::fprintf(stderr,
                         "omero plugin manifest: error: %s: %s\nhint: fix the plugin's command table and build again\n",
                         lib.string().c_str(), why.c_str());
            return OMERO_EXIT_FAILURE;
        }
        std::string text = manifest_to_json(m);
        if (out.empty() || out == "-") {
            std::fputs(text.c_str(), stdout);
            return std::fflush(stdout) == 0 ? OMERO_EXIT_OK : OMERO_EXIT_FAILURE;
        }
        // Beside the target, then renamed: a half-written manifest is never read.
        std::string tmp = out + ".tmp";
        {
            std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
            f << text;
            f.close();
            if (!f) throw std::runtime_error("cannot write " + tmp);
        }
        if (std::rename(tmp.c_str(), out.c_str()) != 0) throw std::runtime_error("cannot rename " + tmp + " to " + out);
        return OMERO_EXIT_OK;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "omero plugin manifest: error: %s\n", e.what());
        return OMERO_EXIT_FAILURE;
    }
}

int run_completion(Cli&, const ParsedArgs& p) {
    if (p.positionals.at(0) != "bash") {
        std::fprintf(stderr, "omero completion: error: unsupported shell '%s' (supported: bash)\n",
                     p.positionals[0].c_str());
        return OMERO_EXIT_USAGE;
    }
    std::fputs(bash_completion_script().c_str(), stdout);
    return OMERO_EXIT_OK;
}

int run_complete(Cli& cli, const ParsedArgs& p) {
    if (!p.positionals.empty() && !p.positionals.back().empty() && p.positionals.back()[0] == '-')
        cli.load_details();  // completing an option
    for (const std::string& c : complete(cli.commands(), p.positionals)) std::printf("%s\n", c.c_str());
    return OMERO_EXIT_OK;
}

}  // namespace

const std::vector<Builtin>& builtin_table() {
    static const std::vector<Builtin> table = {
        {{.path = "help",
          .summary = "Show help for omero or one of its commands",
          .options = {{.name = "json", .help = "print the command tables as JSON (for tools and wrappers)"},
                      {.name = "man", .help = "print a man page (roff) for omero or one top-level command"}},
          .args = {{"COMMAND", "the command to explain, e.g. 'config set'", true, true}}},
         run_help},
        {{.path = "version", .summary = "Print the version of omero"}, run_version},
        {{.path = "load",
          .summary = "Run omero commands read from files or standard input",
          .help = "Each line is one command without the leading 'omero'; '#' starts a comment line.\n"
                  "Stops at the first failing command and exits with its status, unless -k.",
          .options = {{.name = "keep-going", .short_name = 'k', .help = "run every line; report failures and go on"}},
          .args = {{"FILE", "files to read ('-' or none: standard input)", true, true}}},
         run_load},
        {{.path = "plugin", .summary = "List and inspect plugins", .group = true}, nullptr},
        {{.path = "plugin list",
          .summary = "List every plugin found, with its state",
          .help = "States: ok, disabled (deny list), incompatible (ABI), invalid (broken manifest or library),\n"
                  "refused (unsafe permissions), shadowed (hidden by an earlier plugin of the same name).",
          .options = {kJson}},
         run_plugin_list},
        {{.path = "plugin info",
          .summary = "Show one plugin's manifest and state",
          .options = {kJson},
          .args = {{"NAME", "plugin name"}}},
         run_plugin_info},
        {{.path = "plugin manifest",
          .summary = "Write a plugin library's manifest (plugin authors: the build runs it)",
          .help = "Loads LIBRARY, checks its command tables (names, duplicates, option types, clashes\n"
                  "with built-ins; exit 1 naming what to fix) and writes NAME.omero-plugin.json, which\n"
                  "must sit beside the library. omero_add_plugin() in CMake runs it after each build;\n"
                  "`pkg-config --variable=manifest_tool omero-sdk` names it for other build systems.",
          .options =
              {{.name = "output", .short_name = 'o', .value_name = "FILE", .help = "write to FILE (default: stdout)"}},
          .args = {{"LIBRARY", "the plugin's shared library"}}},
         run_plugin_manifest},
        {{.path = "completion", .summary = "Print the shell completion script", .args = {{"SHELL", "bash"}}},
         run_completion},
        {{.path = "__complete",
          .summary = "Complete a command line (used by the completion script)",
          .args = {{"WORDS", "the words after 'omero'", true, true}},
          .hidden = true},
         run_complete},
    };
    return table;
}

const std::vector<std::string>& builtin_commands() {
    static const std::vector<std::string> tops = [] {
        std::vector<std::string> v;
        for (const Builtin& b : builtin_table()) v.push_back(b.info.top());
        return v;
    }();
    return tops;
}

}  // namespace omero::host
