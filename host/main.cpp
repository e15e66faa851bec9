// omero - the OMERO server command line. See cli.hpp.
#include "cli.hpp"
#include "services.hpp"

#include <omero/exit_codes.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
    int rc = omero::host::run_main(argc, argv);
    // Output that did not reach its file (a full disk, /dev/full) is a failure,
    // never a silent success; a reader that went away (EPIPE) is not.
    int e = std::fflush(stdout) != 0 && errno != EPIPE ? errno : 0;
    if (!e && std::ferror(stdout) && errno != EPIPE) e = errno ? errno : EIO;
    if (!e) e = omero::host::stdout_write_error();
    if (e && rc == OMERO_EXIT_OK) {
        std::fprintf(stderr, "omero: error: cannot write to standard output: %s\n", std::strerror(e));
        rc = OMERO_EXIT_FAILURE;
    }
    return rc;
}
