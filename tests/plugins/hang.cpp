// A plugin whose negotiation hangs when OMERO_TEST_HANG is set (the build
// still makes its manifest), and one of whose commands crashes.
#include <omero/plugin.hpp>

#include <csignal>
#include <cstdlib>
#include <unistd.h>

static omero::sdk::Plugin make() {
    if (std::getenv("OMERO_TEST_HANG"))
        for (;;) pause();
    omero::sdk::Plugin p{"hang", "0.0.1", "omero tests", "Misbehaves on purpose"};
    p.command({.path = "hang crash", .summary = "Dies of SIGSEGV", .run = [](omero::sdk::Context&) -> int {
                   std::raise(SIGSEGV);
                   return 0;
               }});
    return p;
}

OMERO_PLUGIN(make)
