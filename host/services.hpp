// services.hpp - the omero_host_api the host hands to plugins.
#pragma once

#include <omero/plugin_abi.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace omero::config {
class Document;
}
namespace omero::host {
struct PluginEntry;
}

// The opaque context behind every host service call: a frame per running
// command. The command line's is the root (host_context(), the one plugins
// get at negotiation, valid for the process lifetime); a command run through
// run_command gets a child frame whose parent is its caller's, so nothing of
// the caller's is changed and nothing needs restoring.
struct omero_host {
    omero_host* parent = nullptr;  // the caller's frame; nullptr for the root
    std::string command;           // "config get", for messages
    bool json = false;
    bool quiet = false;
    std::optional<std::filesystem::path> server_dir;  // $OMERODIR
    std::string last_error;

    // Progress reporting state (the root frame's is the terminal's: a
    // nested command's progress line is the same line).
    bool progress_shown = false;
    std::chrono::steady_clock::time_point progress_start, progress_last;
    std::string progress_label;  // the last plain line's label, less its numbers

    // Every plugin the command line finds (for the hop services; searched
    // when first called: a command that runs no hop never reads them all).
    std::function<const std::vector<omero::host::PluginEntry>&()> all_plugins;

    // Config read once per process; dropped after a write.
    std::shared_ptr<const omero::config::Document> config_cache;

    // Where stdout goes while a command runs another through run_command
    // with a sink (nullptr: the real stdout).
    omero_sink capture = nullptr;
    void* capture_user = nullptr;
    // The last message a command reported with report_error (for --json).
    std::string reported_error;
    // Runs a command line inside this process in the given frame (set by the command line).
    std::function<int(omero_host&, const std::vector<std::string>&)> dispatch;
    int depth = 0;  // nesting of run_command: 0 for the root
    // The running command was called through run_command with its stdout
    // captured: its error goes to the caller (last_error), not to stderr.
    bool errors_to_caller = false;
};

namespace spdlog {
class logger;
}

namespace omero::host {

// The host's logger (stderr, "omero: LEVEL: text", the level from -d/-q),
// made when first used.
spdlog::logger& host_logger();

const omero_host_api* host_api();
omero_host* host_context();

// The server dir from $OMERODIR (empty value = unset).
std::optional<std::filesystem::path> server_dir_from_env();

// The one wording of "OMERODIR is not set", with what to do.
const char* no_server_dir_message();
// ... and of "OMERODIR is set but is no directory".
std::string server_dir_missing_message(const std::filesystem::path& dir);
// OMERO_OK, OMERO_E_NO_SERVER_DIR or OMERO_E_SERVER_DIR_MISSING (message in h.last_error).
int check_server_dir(omero_host& h);

// Writes a whole buffer to fd (EINTR retried, EPIPE ignored).
void write_all(int fd, const char* p, size_t n);
// The errno of the first failed write to stdout (0: none).
int stdout_write_error();

// True once Ctrl-C was pressed after a plugin asked (cancelled() installs the handler).
bool cancel_requested();

}  // namespace omero::host
