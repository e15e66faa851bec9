// command_info.hpp - the host's view of one command table entry.
//
// Built-in commands, plugin manifests and loaded plugins all become
// CommandInfo, so parsing, help, completion and --json usage are generated
// from one description and cannot drift apart.
#pragma once

#include <omero/plugin_abi.h>

#include <string>
#include <vector>

namespace omero::host {

struct OptionInfo {
    std::string name;  // long name, no dashes
    char short_name = 0;
    std::string value_name;  // empty: a flag
    std::string help;
    bool repeatable = false;
    bool hidden = false;
    bool required = false;
    bool json = false;  // switches the command's output to JSON
    std::string default_value;
    uint32_t type = OMERO_VALUE_STRING;
    std::vector<std::string> choices;
    int64_t min = 0, max = 0;  // bounds when min < max

    bool takes_value() const { return !value_name.empty(); }
    bool bounded() const { return min < max; }
};

struct ArgInfo {
    std::string name;
    std::string help;
    bool optional = false;
    bool variadic = false;
};

struct CommandInfo {
    std::string path;  // "config get"
    std::string summary;
    std::string help;
    std::vector<OptionInfo> options;
    std::vector<ArgInfo> args;
    bool needs_server_dir = false;
    bool hidden = false;
    bool group = false;

    // The first word: the top-level command this belongs to.
    std::string top() const { return path.substr(0, path.find(' ')); }
};

struct HopInfo {
    std::string from, to, summary, notes;
    uint32_t flags = 0;
};

// Converts a plugin's C table into the host's view.
CommandInfo to_info(const omero_command_spec& spec);

// Name of a value type as manifests and help write it ("integer"), and back.
const char* value_type_name(uint32_t type);
uint32_t value_type_from_name(const std::string& name);  // throws std::runtime_error

// Checks one command table as a whole: names, duplicates, types, choices
// (defaults are checked against their type by manifest_problem). Empty when
// fine, else what is wrong.
std::string table_problem(const CommandInfo& c);

}  // namespace omero::host
