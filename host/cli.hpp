// cli.hpp - the host's command line: global options, dispatch, built-ins.
//
// To add a built-in command: add a row to builtin_table() in builtins.cpp.
// Plugin commands come from manifests; only the plugin that owns the command
// being run is loaded.
#pragma once

#include "discovery.hpp"
#include "help.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace omero::host {

struct ParsedArgs;

struct Globals {
    bool help = false, version = false, no_plugins = false, quiet = false, profile = false;
    int debug = 0;  // 0 off, 1 debug, 2+ trace
    std::vector<std::filesystem::path> paths;
};

class Cli;

struct Builtin {
    CommandInfo info;
    std::function<int(Cli&, const ParsedArgs&)> run;  // empty for a group
};

const std::vector<Builtin>& builtin_table();
// Their top-level words ("help", "plugin", ...), which no plugin may take.
const std::vector<std::string>& builtin_commands();

class Cli {
public:
    explicit Cli(Globals g);

    // Runs one command line (the words after the global options) in the
    // current frame (the root, or the frame of the run_command it serves).
    int dispatch(const std::vector<std::string>& args);
    // The same in `frame` (a child frame made by run_command).
    int dispatch_in(omero_host& frame, const std::vector<std::string>& args);

    const Globals& globals() const { return globals_; }
    // Plugins found, discovered once (with ELF checks when deep is set).
    const std::vector<PluginEntry>& plugins(bool deep = false);
    // Every usable command: built-ins first, then plugins' (from manifests).
    const std::vector<CommandSource>& commands();
    std::vector<std::string> not_installed();

    // Help for the words given (`omero help config get`); exit code.
    int help(const std::vector<std::string>& words);
    const PluginEntry* hop_plugin(const std::string& name);

    // Re-reads the usable plugins' manifests with their options, args and
    // help (start-up reads only summaries). Invalidates CommandInfo pointers.
    void load_details();

private:
    struct Resolved {
        const CommandInfo* info = nullptr;
        const Builtin* builtin = nullptr;
        const PluginEntry* plugin = nullptr;
        size_t words = 0;  // how many args named the command
    };
    Resolved resolve(const std::vector<std::string>& args);
    int unknown(const std::vector<std::string>& args, const Resolved& partial);
    int run_plugin(const Resolved& r, const std::vector<std::string>& rest);
    std::vector<const CommandInfo*> children(const std::string& path);
    const CommandInfo* find(const std::string& path);
    std::vector<std::string> hoist_group_options(const std::vector<std::string>& args);

    // The plugins the command line being dispatched resolves against: every
    // plugin, or only the first-party one its first word names (narrowed()).
    std::vector<PluginEntry>& view();
    std::vector<PluginEntry>* narrowed(const std::string& word);
    // discover() with this command line's options (only: see DiscoveryOptions).
    std::vector<PluginEntry> search(bool deep, std::string only = {}) const;

    Globals globals_;
    std::optional<std::vector<PluginEntry>> plugins_;
    bool deep_ = false;
    // First-party plugins found alone, by name; never erased (a running
    // command's entry lives here while it runs others through dispatch).
    std::map<std::string, std::optional<std::vector<PluginEntry>>> narrowed_;
    std::vector<PluginEntry>* view_ = nullptr;  // nullptr: every plugin
    omero_host* frame_;                         // the running command's frame
    std::vector<CommandSource> commands_cache_;
    const std::vector<PluginEntry>* cache_view_ = nullptr;  // what commands_cache_ was built from
};

// Entry point: busybox names, global options, dispatch.
int run_main(int argc, char** argv);

// Writes to stderr after flushing stdout, so that the two keep their order.
void err(const std::string& s);

// Splits a line into words the way a shell would (quotes, backslashes).
std::vector<std::string> split_words(const std::string& line);

// Sets the host logger's level from -d/-q (logger.cpp).
void setup_logging(const Globals& g);

}  // namespace omero::host
