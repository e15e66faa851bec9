// args.hpp - parse a command's arguments from its table (Boost.Program_options).
#pragma once

#include "command_info.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace omero::host {

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct ParsedArgs {
    std::vector<size_t> counts;                     // per option, in table order
    std::vector<std::vector<std::string>> values;   // per option, in table order
    std::vector<std::string> positionals;
};

// Throws UsageError with a message such as "unrecognised option '--x'".
ParsedArgs parse_args(const CommandInfo& cmd, const std::vector<std::string>& argv);

// True when argv asks for help (-h/--help before any "--").
bool wants_help(const std::vector<std::string>& argv);

}  // namespace omero::host
