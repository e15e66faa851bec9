// `omero web restart`: stop, then start with start's options.
#include "web.hpp"

namespace omero::web {

namespace {

int run(Context& c) {
    Settings s = load_settings(c);
    StartOptions o = start_options_from(c);
    if (int rc = stop_web(c, s, 30); rc != 0) return rc;
    return start_web(c, s, o);
}

}  // namespace

Command restart_command() {
    return {.path = "web restart",
            .summary = "Stop OMERO.web, then start it",
            .help = "Like 'web stop' then 'web start' with the same options.",
            .options = start_options(),
            .run = run};
}

}  // namespace omero::web
