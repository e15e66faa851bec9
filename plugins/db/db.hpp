// db.hpp - what the `omero db` commands share: connection settings, the
// hop path, the root password prompt, and a Reporter that forwards the
// migration engine's output to the host. One file per command beside it
// (status.cpp for `omero db status`, ...), each with its table row.
#pragma once

#include "pg/backup.hpp"
#include "pg/pg.hpp"
#include "migrate/migrate.hpp"

#include <omero/plugin.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace omero::db {

using omero::sdk::Command;
using omero::sdk::Context;
using omero::sdk::Option;
// The db commands are the front of lib/pg (connections, dumps) and
// lib/migrate (the engine): their names are this plugin's vocabulary.
using namespace omero::pg;
using namespace omero::migrate;

// Every command of the plugin, in help order (each defined in its own file).
Command status_command();
Command upgrade_command();
Command init_command();
Command script_command();
Command password_command();
Command dump_command();
Command restore_command();
Command clone_command();
Command optimize_command();

// The table rows every connecting command has, appended to its own.
std::vector<Option> with_conn(std::vector<Option> opts);
// --host/--port/--name/--user, else omero.db.*; the password from omero.db.pass.
ConnParams conn_params(Context& c);
// Progress of a dump, verify or restore on the host's progress line, in MiB.
Progress progress_in_mib(Context& c);
// -j/--jobs (1..64, checked by the host).
Option jobs_option(const char* help, const char* default_value = nullptr);

std::filesystem::path sql_root(Context& c);

// The hops the distribution's scripts and the installed hop plugins offer.
struct HopSources {
    std::vector<Hop> hops;                         // scripts, plus hops only plugins serve
    std::vector<omero::sdk::HopInfo> plugin_hops;  // from the manifests, usable or not
};
HopSources hop_sources(Context& c);
// The plugin steps of one hop, each loading its plugin on first use. Throws
// Error(126) naming the package when a plugin that serves it cannot be used.
std::vector<PluginHop> plugin_steps(Context& c, const HopSources& s, const Hop& h);
// Throws Error(126) naming every hop of `path` whose plugin is missing or
// broken, and every package to install, at once.
void require_plugins(const HopSources& s, const std::vector<Hop>& path);

// A hop's plugins and its check result, as `db status --json` and
// `db upgrade --dry-run --json` both report them.
nlohmann::json plugins_json(const PlannedHop& h);
nlohmann::json check_json(const CheckReport& c);
nlohmann::json shims_json(const PlannedHop& h);
nlohmann::json fixes_json(const PlannedHop& h);
// The shims, fixes and check findings of one hop, as plan lines.
std::string hop_details(const PlannedHop& h, const CheckReport& c);
// Every --fix of the command line, parsed.
std::vector<FixRequest> fix_requests(Context& c);

// --to, else omero.db.version + omero.db.patch, else the highest reachable.
std::optional<Version> target_version(Context& c, const std::vector<Hop>& hops);
std::string missing_path_message(Context& c, const Version& from, const std::optional<Version>& to);

// The OMERO root password: --password, OMERO_ROOT_PASSWORD, or a prompt on a terminal.
std::string root_password(Context& c);
// Version and patch for script/init: flags, else config, else the newest the server can create.
std::pair<std::string, std::string> script_version(Context& c);

// The engine's output through the host: text on stderr, events under --json.
class HostReporter : public Reporter {
public:
    explicit HostReporter(Context& c) : c_(c) {}
    bool json() const override { return c_.json(); }
    void info(std::string_view line) override {
        if (!c_.json()) c_.err(std::string(line) + "\n");
    }
    void event(const nlohmann::json& e) override { c_.emit_json(e.dump()); }
    void progress(uint64_t done, uint64_t total, std::string_view label) override { c_.progress(done, total, label); }
    void progress_done() override { c_.progress_done(); }
    bool cancelled() override { return c_.cancelled(); }

private:
    Context& c_;
};

inline const char* const kToolVersion = "omero " OMERO_DB_PLUGIN_VERSION;

}  // namespace omero::db
