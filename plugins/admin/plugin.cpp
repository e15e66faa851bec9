// The `admin` plugin: the OMERO server on IceGrid. Each command lives in its
// own file with its table row (start.cpp is `omero admin start` and
// `startasync`, ...); this file only lists them.
#include "admin.hpp"

namespace {

omero::sdk::Plugin make_plugin() {
    omero::sdk::Plugin p{"admin", OMERO_ADMIN_PLUGIN_VERSION, "omero developers",
                         "The OMERO server on IceGrid: rewrite, start, stop, status"};
    p.command({.path = "admin",
               .summary = "Start, stop and check the OMERO server (IceGrid)",
               .help = "Live files come from etc/templates (admin rewrite); IceGrid is asked in-process through\n"
                       "the Ice API with etc/internal.cfg. The node is $OMERO_MASTER, else master."});
    using namespace omero::admin;
    for (auto make : {start_commands, stop_commands, restart_commands, status_commands})
        for (auto& c : make()) p.command(std::move(c));
    for (auto make : {rewrite_command, jvmcfg_command, deploy_command, ice_command, checkupgrade_command,
                      diagnostics_command, check_command})
        p.command(make());
    p.command(node_command());
    return p;
}

}  // namespace

OMERO_PLUGIN(make_plugin)
