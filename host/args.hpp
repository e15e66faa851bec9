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
    std::vector<size_t> counts;                    // per option, in table order
    std::vector<std::vector<std::string>> values;  // per option, in table order
    std::vector<std::string> positionals;
};

// Throws UsageError with a message such as "unrecognised option '--x'".
ParsedArgs parse_args(const CommandInfo& cmd, const std::vector<std::string>& argv);

// Checks one value against the option's type, choices and bounds and
// returns its canonical form (durations in ms, sizes in bytes); throws UsageError.
std::string check_value(const OptionInfo& o, const std::string& value);
// "from 1 to 64" for a bounded option, else empty.
std::string describe_bounds(const OptionInfo& o);

// True when argv asks for help (-h/--help before any "--").
bool wants_help(const std::vector<std::string>& argv);

}  // namespace omero::host
