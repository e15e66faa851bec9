// web.hpp - what the `omero web` commands share: the omero.web.* settings,
// the Python side (helper.py, run by OMERO.web's interpreter), the gunicorn
// pid file, and probing the application server over HTTP. One file per
// command beside it (start.cpp is `omero web start`, ...), each with its
// table row; the nginx/Apache files it writes come from lib/frontend.
#pragma once

#include "util/error.hpp"
#include "util/file.hpp"
#include "util/ports.hpp"

#include <nlohmann/json.hpp>
#include <omero/plugin.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace omero::web {

namespace fs = std::filesystem;
using omero::sdk::Command;
using omero::sdk::Context;
using omero::sdk::Option;

Command config_command();
Command syncmedia_command();
Command start_command();
Command stop_command();
Command restart_command();
Command status_command();
Command clearsessions_command();
Command diagnostics_command();
Command check_command();  // what start needs, read-only (upgrade plan asks it)

// The omero.web.* properties the commands use, with omero-web's defaults,
// each checked: a value that would break a generated file or a command
// line is an error naming the property and how to fix it.
struct Settings {
    fs::path omerodir;
    std::string server_type = "wsgi-tcp";   // omero.web.application_server
    std::string host = "127.0.0.1";         // .application_server.host
    int port = 4080;                        // .application_server.port
    int max_requests = 0;                   // .application_server.max_requests
    std::string prefix;                     // omero.web.prefix ("" unset)
    std::string static_url = "/static/";    // omero.web.static_url
    fs::path static_root;                   // omero.web.static_root, else $OMERODIR/var/static
    std::vector<std::string> extra_config;  // omero.web.nginx_server_extra_config (JSON list)
    int workers = 5, threads = 1, timeout = 60, worker_connections = 1000;
    std::string worker_class = "sync";
    std::vector<std::string> wsgi_args;  // omero.web.wsgi_args, split on blanks
    std::string python;                  // omero.web.python (ours), else python3 on PATH

    // omero-web's FORCE_SCRIPT_NAME: the prefix without its trailing "/", or "/".
    std::string script_name() const;
    // "_" + the prefix's word characters, or "" (names nginx upstreams and locations).
    std::string prefix_name() const;
    std::string upstream() const { return host + ":" + std::to_string(port); }
    // Where `web start` waits for an answer: http://host:port<script name>/.
    std::string probe_path() const;
    fs::path pid_file() const { return omerodir / "var" / "django.pid"; }
    fs::path log_dir() const { return omerodir / "var" / "log"; }
    fs::path app_log() const { return log_dir() / "OMEROweb.log"; }
    fs::path gunicorn_log() const { return log_dir() / "OMEROweb-gunicorn.log"; }
};
Settings load_settings(Context& c);

// The environment OMERO.web's Python runs with: OMERODIR, the Django
// settings module; secrets of ours (database and root passwords) removed.
struct PyEnv {
    std::vector<std::string> set;
    std::vector<std::string> unset;
};
PyEnv python_env(const Settings& s);

// helper.py's actions run by the interpreter: its JSON, one key per action.
// Throws Error(95) naming the interpreter and the action when one failed
// (or the interpreter cannot run), with what it printed.
nlohmann::json run_helper(Context& c, const Settings& s, const std::vector<std::string>& actions);

// The interpreter's versions of Python, Django, gunicorn and omeroweb
// (probe); never throws for a missing module, only for a missing interpreter.
nlohmann::json probe(Context& c, const Settings& s);
// Throws the right error when what `probe` found cannot run OMERO.web:
// 178 without gunicorn (when need_gunicorn), 95 without Django or omeroweb.
void require(const Settings& s, const nlohmann::json& probe, bool need_gunicorn);
// Each module `probe` could not import, with the exit code and message
// require() would give for it.
std::vector<std::pair<int, std::string>> missing_modules(const Settings& s, const nlohmann::json& probe,
                                                         bool need_gunicorn);

// The gunicorn master named by var/django.pid.
struct PidState {
    std::optional<long> pid;  // the number in the file
    bool alive = false;       // a live gunicorn process (not a reused pid)
    std::string why;          // when not alive: why the file is stale
};
PidState read_pid(const Settings& s);
// Removes a stale pid file with the reference's warning.
void remove_stale(Context& c, const Settings& s, const PidState& p);

// One HTTP/1.0 GET of path on host:port: the status code, or nullopt with
// why (refused, timed out, not HTTP).
std::optional<int> http_status(const std::string& host, int port, const std::string& path, int timeout_ms,
                               std::string* why = nullptr);

}  // namespace omero::web

namespace omero::web {

// `web start` and `web stop` as functions, for `web restart`.
struct StartOptions {
    bool foreground = false;
    bool keep_sessions = false;
    std::optional<int> workers;  // --workers, else omero.web.wsgi_workers
    int wait_s = 60;             // bounded wait for the first HTTP answer
};
int start_web(Context& c, const Settings& s, const StartOptions& o);
int stop_web(Context& c, const Settings& s, int wait_s);
// The table rows start and restart share.
std::vector<Option> start_options();
StartOptions start_options_from(Context& c);

}  // namespace omero::web
