// A drop-in plugin with no commands: it only contributes an upgrade hop,
// the way a per-release upgrade plugin does.
#include <omero/plugin.hpp>

static omero::sdk::Plugin make() {
    omero::sdk::Plugin p{"hopper", "0.0.1", "omero tests", "Contributes one upgrade hop"};
    p.hop({.from = "TEST2__0",
           .to = "TEST3__0",
           .summary = "hop from a drop-in plugin",
           .notes = "read these notes first",
           .check =
               [](omero::sdk::HopContext& c) {
                   c.out("hopper check\n");
                   return 0;
               },
           .run =
               [](omero::sdk::HopContext& c) {
                   c.exec("UPDATE test SET x = 1");
                   return 0;
               }});
    return p;
}

OMERO_PLUGIN(make)
