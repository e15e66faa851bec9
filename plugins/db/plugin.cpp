// The `db` plugin: the OMERO database in PostgreSQL. Each command lives in
// its own file with its table row (status.cpp is `omero db status`, ...);
// this file only lists them.
#include "db.hpp"

namespace {

omero::sdk::Plugin make_plugin() {
    omero::sdk::Plugin p{"db", OMERO_DB_PLUGIN_VERSION, "omero developers",
                         "The OMERO database: status, init, upgrade, dump, restore, optimize"};
    p.command({.path = "db",
               .summary = "Create, upgrade, back up, restore and optimize the OMERO database",
               .help = "Connection: omero.db.host, omero.db.port, omero.db.name, omero.db.user and omero.db.pass\n"
                       "(the password may also come from PGPASSWORD or ~/.pgpass, or a prompt on a terminal).\n"
                       "Scripts: $OMERODIR/sql/psql/<VERSION>__<PATCH>/; hop plugins add checks and fixes."});
    using namespace omero::db;
    for (auto make : {status_command, upgrade_command, init_command, script_command, password_command, dump_command,
                      restore_command, clone_command, optimize_command})
        p.command(make());
    return p;
}

}  // namespace

OMERO_PLUGIN(make_plugin)
