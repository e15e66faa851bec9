// A plugin that only speaks ABI 2: the host (ABI 1) must call it incompatible.
#include <omero/plugin.hpp>

static omero::sdk::Plugin make() {
    omero::sdk::Plugin p{"newabi", "9.0.0", "omero tests", "Needs a newer host"};
    p.abi_min = p.abi_max = 2;
    p.command({.path = "newabi", .summary = "never runs", .run = [](omero::sdk::Context&) { return 0; }});
    return p;
}

OMERO_PLUGIN(make)
