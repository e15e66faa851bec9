// `omero upgrade check`: the release registry's answer, for cron: the
// query of `admin checkupgrade`, run through the host.
#include "survey.hpp"
#include "calls.hpp"

#include "util/error.hpp"

namespace omero::upgrade {

Command check_command() {
    return {.path = "upgrade check",
            .summary = "Ask the release registry whether a newer OMERO exists (for cron)",
            .help =
                "The query of 'admin checkupgrade': exit 0 up to date, 1 an upgrade is available (its message on\n"
                "stderr), 2 the registry could not be asked.",
            .run = [](Context& c) {
                std::string why;
                int rc = call(c, {"admin", "checkupgrade"}, nullptr, &why);
                if (rc == OMERO_EXIT_PLUGIN_UNAVAILABLE) throw Error(rc, why);
                return rc;
            }};
}

}  // namespace omero::upgrade
