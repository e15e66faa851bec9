// grid.hpp - the running server as IceGrid sees it, through the Ice C++ API
// (Debian's libzeroc-ice-dev): one communicator configured from
// etc/internal.cfg, an admin session with IceGridAdmin.Username/Password,
// and every call bounded by a timeout. Nothing here spawns a process.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace omero::admin {

struct ServerStatus {
    std::string id;
    std::string node;   // where IceGrid placed it
    std::string state;  // "active", "activating", "activation timed out", "inactive", ...
    int pid = 0;        // 0 when not running
    bool enabled = true;
    std::string activation;  // always, on-demand, session, manual
};

struct AppPorts {
    std::string application;
    std::optional<std::string> ssl, tcp;  // ROUTERPORT, the -p of INSECUREROUTER
};

class Grid {
public:
    // Reads the locator and admin credentials from internal_cfg. Nothing is
    // contacted yet. timeout bounds each call (connection and invocation).
    Grid(const std::filesystem::path& internal_cfg, std::chrono::milliseconds timeout);
    ~Grid();
    Grid(const Grid&) = delete;
    Grid& operator=(const Grid&) = delete;

    // The registry answers and names `node` as up. Never throws: false with
    // *why when something does not answer.
    bool node_up(const std::string& node, std::string* why = nullptr);
    // The reference's full check: a Glacier2 session manager found through
    // IceGrid/Query refuses a dummy session (CannotCreateSessionException):
    // Blitz answers. Never throws.
    bool sessions_up(std::string* why = nullptr);
    // Every server with its state. Throws std::runtime_error when the
    // registry cannot be reached.
    std::vector<ServerStatus> servers();
    std::vector<std::string> nodes();
    // Asks the node to stop its servers and exit.
    void shutdown_node(const std::string& node);
    // The ports of each deployed application, from its descriptor's variables.
    std::vector<AppPorts> application_ports();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace omero::admin
