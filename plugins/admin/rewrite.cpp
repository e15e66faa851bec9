// `omero admin rewrite`: the live IceGrid files from etc/templates and the
// properties. Works on a running server (the reference's exit 100 there
// was a bug): the files take effect at the next start or `admin deploy`.
#include "admin.hpp"

namespace omero::admin {

namespace {

int run(Context& c) {
    Server s = server(c);
    auto changed = rewrite(c, s);
    for (const fs::path& f : changed) c.err("Wrote " + fs::relative(f, s.dir).string() + "\n");
    if (changed.empty()) c.err("The live files are up to date\n");
    return 0;
}

}  // namespace

Command rewrite_command() {
    return {.path = "admin rewrite",
            .summary = "Regenerate etc/*.cfg, etc/grid/*.xml and etc/ice.config from the templates",
            .help =
                "Tokens (@omero.ports.*@ with omero.ports.prefix, @omero.master.host@,\n"
                "@omero.client.endpoints@, @omero.tables.module@) come from etc/omero.properties and\n"
                "config.xml; templates.xml gets the Glacier2 IceSSL properties and the JVM settings\n"
                "(see admin jvmcfg). master.cfg gets IceGrid.Registry.LMDB.Path, which Ice 3.7 needs.\n"
                "Each file is written atomically, and only when it changes.",
            .run = run};
}

}  // namespace omero::admin
