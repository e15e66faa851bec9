// process.hpp - running a helper program (pg_dump, pg_restore, nginx -t, ...)
// without a shell: its stdin is /dev/null (it can never prompt), its stderr
// is collected, and it dies with us (PR_SET_PDEATHSIG) instead of running on
// as an orphan.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace omero {

struct ChildResult {
    int status = -1;         // exit status, 128 + signal when killed, 127 when it could not run
    std::string err;         // what it wrote on stderr
    bool cancelled = false;  // `cancelled` turned true: the child was stopped
};

// Runs argv[0] (looked up in PATH) with the environment plus extra_env
// ("NAME=value" entries replace inherited ones). While it runs, `cancelled`
// is polled (5 times a second); when it turns true the child is sent
// SIGTERM (SIGKILL 5 s later) and reaped.
ChildResult run_child(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {},
                      const std::function<bool()>& cancelled = {});

}  // namespace omero
