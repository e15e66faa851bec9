// cli_log.hpp - one line per command in $OMERODIR/var/log/cli.log.
// Only the command name, exit code and duration: never arguments (they may
// carry secrets).
#pragma once

#include <filesystem>
#include <string>

namespace omero::host {

void append_cli_log(const std::filesystem::path& server_dir, const std::string& command, int exit_code, double seconds);

}  // namespace omero::host
