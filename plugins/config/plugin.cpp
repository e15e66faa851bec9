// The `config` plugin: the server's etc/grid/config.xml. Each command lives
// in its own file with its table row (get.cpp is `omero config get`, ...);
// this file only lists them.
#include "config.hpp"

namespace {

omero::sdk::Plugin make_plugin() {
    using namespace omero::config;
    omero::sdk::Plugin p{"config", OMERO_CONFIG_PLUGIN_VERSION, "omero developers",
                         "Server configuration: etc/grid/config.xml, compatible with omero-py"};
    p.command({.path = "config",
               .summary = "Read and change the server configuration (etc/grid/config.xml)",
               .help = "The file is shared with omero-py's bin/omero, IceGrid and the Java server. Writes take\n"
                       "the same lock omero-py takes, wait up to --lock-timeout for it, and replace the file\n"
                       "atomically (the previous one is kept as config.xml.bak). OMERO_CONFIG selects a profile\n"
                       "for one run without changing the stored one.",
               .options = kFileOptions});
    for (auto make : {all_command, def_command, get_command, list_command, set_command, append_command, remove_command,
                      drop_command, keys_command, load_command, edit_command, version_command, path_command,
                      lock_command, parse_command})
        p.command(make());
    return p;
}

}  // namespace

OMERO_PLUGIN(make_plugin)
