// config.hpp - what the `omero config` commands share: the file options,
// opening the store, masking passwords, printing properties, JSON lists.
// One file per command beside it (get.cpp is `omero config get`, ...).
//
// Commands and flags follow omero-py's `bin/omero config`; the differences
// (each one where the reference silently drops what the user asked for) are
// listed in the README under "omero config".
#pragma once

#include "config/config_store.hpp"
#include "config/defaults.hpp"
#include "config/load_grammar.hpp"
#include "config/pyjson.hpp"
#include "util/file.hpp"

#include <omero/plugin.hpp>

#include <string>
#include <utility>
#include <vector>

namespace omero::config {

namespace fs = std::filesystem;
using omero::sdk::Command;
using omero::sdk::Context;
using omero::sdk::Option;

// Every command of the plugin, in help order (each defined in its own file).
Command all_command();
Command def_command();
Command get_command();
Command list_command();
Command set_command();
Command append_command();
Command remove_command();
Command drop_command();
Command keys_command();
Command load_command();
Command edit_command();
Command version_command();
Command path_command();
Command lock_command();
Command parse_command();

// --source and --lock-timeout: every subcommand (and the group) takes them.
extern const std::vector<Option> kFileOptions;
std::vector<Option> with_file_options(std::vector<Option> opts);

// The config file as given: --source as typed, else $OMERODIR/etc/grid/config.xml.
fs::path config_path(Context& c);
Store open_store(Context& c);

bool is_password_key(const std::string& key);
// The value as shown: passwords masked unless asked.
std::string shown(const std::string& key, const std::string& value, bool hide);
bool internal_key(const std::string& k);

// `get` and `list`: key=value lines (or one raw value).
int print_properties(Context& c, const std::vector<std::string>& keys);
// A file's text, '-' being standard input.
std::string read_input(const std::string& file);
// `load` and `edit`: key=value lines into the document, all or nothing.
void apply_lines(Document& d, const std::vector<std::pair<std::string, std::string>>& lines, bool quiet);
// `append` and `remove`: the property's JSON list, and the argument as JSON.
Json current_list(const Document& d, const std::string& key, bool for_remove);
Json parse_json_arg(std::string_view text);

}  // namespace omero::config
