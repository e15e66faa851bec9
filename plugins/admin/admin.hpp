// admin.hpp - what the `omero admin` commands share: the server's paths,
// rewriting the live files, asking IceGrid whether the server is up, and
// waiting for it. One file per command beside it (start.cpp is `omero admin
// start` and `startasync`, ...), each with its table rows.
#pragma once

#include "gridfiles.hpp"

#include "util/error.hpp"

#include <nlohmann/json.hpp>
#include <omero/plugin.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include <sys/types.h>

namespace omero::admin {

using omero::sdk::Command;
using omero::sdk::Context;
using omero::sdk::Option;

std::vector<Command> status_commands();   // status, waitup, waitdown
std::vector<Command> start_commands();    // start, startasync
std::vector<Command> stop_commands();     // stop, stopasync
std::vector<Command> restart_commands();  // restart, restartasync
Command rewrite_command();
Command jvmcfg_command();
Command deploy_command();
Command ice_command();
Command checkupgrade_command();
Command diagnostics_command();
Command check_command();  // what start needs, read-only (upgrade plan asks it)
Command node_command();   // `omero node`, the reference's worker-node command

// The release registry's answer (admin checkupgrade, diagnostics):
// code 0 none, 1 available (message is the registry's text), 2 error.
struct UpgradeCheck {
    int code = 0;
    std::string message;
    bool disabled = false;  // omero.upgrades.url is set and empty
};
UpgradeCheck check_upgrade(Context& c, const std::string& agent);

struct Server {
    fs::path dir;                 // $OMERODIR
    std::string node = "master";  // $OMERO_MASTER, else master
    fs::path etc() const { return dir / "etc"; }
    fs::path internal_cfg() const { return etc() / "internal.cfg"; }
    fs::path master_cfg() const { return etc() / "master.cfg"; }
    fs::path descriptor() const { return etc() / "grid" / "default.xml"; }
    fs::path var() const { return dir / "var"; }
    fs::path log_dir() const { return var() / "log"; }
    fs::path pid_file() const { return var() / "master" / "master.pid"; }
};
Server server(Context& c);

// Writes the live files (`admin rewrite`): each atomically; templates.xml
// under its lock, as omero-py's ConfigXml writes it. Returns the files that
// changed. Works on a running node: IceGrid reads them at (re)deployment.
std::vector<fs::path> rewrite(Context& c, const Server& s);

// The reference's status: node ping, then (unless node_only) the Glacier2
// session manager probe. Throws Error(62) without etc/internal.cfg.
bool is_up(const Server& s, bool node_only, std::string* why = nullptr,
           std::chrono::milliseconds timeout = std::chrono::milliseconds(3000));

// The pid of this server's icegridnode from var/master/master.pid, when that
// process runs and is an icegridnode (0 otherwise). When is_up says no and
// this is not 0, the registry is hung or stopped, not down.
long live_node_pid(const Server& s);
// Polls is_up until it equals `up` or wait_s passes (printing a dot per
// poll like the reference when `dots`). True when reached.
bool wait_for(Context& c, const Server& s, bool up, double wait_s, bool node_only, bool dots);

// The --wait row: how long start and stop wait (the reference's 300 s).
Option wait_option();
double wait_seconds(Context& c);

// The service manager's environment check (omero.server.servicemanager.checkenv).
void check_service_env(Context& c);

// The account the node runs the servers as (nobody when the node runs as
// root), and whether it may write a directory.
std::tuple<uid_t, gid_t, std::string> server_account(const Server& s);
bool writable_by(const fs::path& p, uid_t uid, gid_t gid);

// `omero db status --json` through the host (never the db plugin's code):
// its exit status, its state object ({} when none), and the error text.
struct DbStatus {
    int code = 0;
    nlohmann::json state = nlohmann::json::object();
    std::string why;
};
DbStatus db_status(Context& c);

// `icegridadmin` with the server's internal.cfg, stdin closed unless interactive.
int run_icegridadmin(Context& c, const Server& s, const std::vector<std::string>& commands, bool interactive);

}  // namespace omero::admin
