// `omero admin jvmcfg`: the JVM settings rewrite puts into templates.xml.
#include "admin.hpp"

namespace omero::admin {

namespace {

int run(Context& c) {
    Server s = server(c);
    auto settings = jvm_settings(read_props(s.dir));
    c.out("JVM Settings:\n============\n");
    for (const JvmSettings& js : settings) {
        std::string opts;
        for (const std::string& o : js.options) opts += (opts.empty() ? "" : " ") + o;
        c.out(js.name + "=" + opts + " # " + js.origin + "\n");
    }
    return 0;
}

}  // namespace

Command jvmcfg_command() {
    return {.path = "admin jvmcfg",
            .summary = "Print the JVM memory settings of the Java servers",
            .help =
                "From omero.jvmcfg.* (strategy percent or manual, percent, heap_size, system_memory,\n"
                "min/max_system_memory, heap_dump, append; each also per server: omero.jvmcfg.percent.blitz).\n"
                "Nothing is written.",
            .run = run};
}

}  // namespace omero::admin
