// `omero config lock`: hold the configuration lock until Enter is pressed.
#include "config.hpp"

#include "util/file.hpp"

namespace omero::config {

namespace {

int run(Context& c) {
    Store store = open_store(c);
    WriteLock held = store.lock();
    c.out("Press enter to unlock");
    read_stdin_line();  // end of input unlocks too
    return 0;
}

}  // namespace

Command lock_command() {
    return {.path = "config lock",
            .summary = "Hold the configuration lock until Enter is pressed",
            .options = with_file_options({}),
            .run = run};
}

}  // namespace omero::config
