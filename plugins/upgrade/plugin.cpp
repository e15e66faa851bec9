// The `upgrade` plugin: a whole OMERO server carried to the next release
// as one plan (plan, run, resume, rollback, check). Each command lives in
// its own file with its table row; this file only lists them.
#include "upgrade.hpp"

namespace {

omero::sdk::Plugin make_plugin() {
    omero::sdk::Plugin p{"upgrade", OMERO_UPGRADE_PLUGIN_VERSION, "omero developers",
                         "Carry an OMERO server to a new release: plan, run, resume, rollback"};
    p.command({.path = "upgrade",
               .summary = "Upgrade the whole server to a new release, as one resumable plan",
               .help = "The upgrade guide's steps (backup, stop, swap, config.xml and local edits, database hops,\n"
                       "start, web) as one plan: preview it with 'plan', do it with 'run', continue it with\n"
                       "'resume', undo it with 'rollback'. The journal is $OMERODIR/var/upgrade/journal."});
    using namespace omero::upgrade;
    for (auto make : {plan_command, run_command, resume_command, rollback_command, check_command}) p.command(make());
    return p;
}

}  // namespace

OMERO_PLUGIN(make_plugin)
