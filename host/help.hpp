// help.hpp - usage, help, --json usage and completion, all rendered from
// the command tables (CommandInfo).
#pragma once

#include "command_info.hpp"

#include <string>
#include <vector>

namespace omero::host {

struct CommandSource {
    CommandInfo info;
    std::string plugin;  // empty for built-ins
};

std::string usage_line(const CommandInfo& c);
// Full help of one command; `children` are the subcommands of a group.
std::string command_help(const CommandInfo& c, const std::vector<const CommandInfo*>& children);
// `omero help` with no topic.
std::string overview(const std::vector<CommandSource>& commands, const std::vector<std::string>& not_installed);
// The tables as JSON, for tools and wrappers.
std::string json_usage(const std::vector<CommandSource>& commands);
// Closest names to `word` (edit distance), for "did you mean".
std::vector<std::string> suggestions(const std::string& word, const std::vector<std::string>& candidates);
// Candidates for the word being completed, given the words before it.
std::vector<std::string> complete(const std::vector<CommandSource>& commands, const std::vector<std::string>& words);
std::string bash_completion_script();

// A man page (roff) for `name` ("omero" or a top-level command such as
// "config") from the same tables as help: every command under it, its
// options with their constraints, and the exit codes.
std::string man_page(const std::string& name, const std::vector<CommandSource>& commands, const std::string& version);

}  // namespace omero::host
