// gridfiles.hpp - `admin rewrite` and `admin jvmcfg` as functions: the live
// IceGrid files generated from etc/templates/ and the properties, and the
// JVM memory settings of the four Java servers (omero-py's jvmcfg rules).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace omero::admin {

namespace fs = std::filesystem;

// Properties: etc/omero.properties (up to "### END") overlaid with the
// active profile of etc/grid/config.xml; `config` keeps config.xml's alone
// (jvmcfg reads only those, as the reference does).
struct Props {
    std::map<std::string, std::string> all, config;
    std::string get(const std::string& key, const std::string& fallback = "") const;
};
Props read_props(const fs::path& omerodir);

// The @token@ values of the reference's table (ports with their prefix,
// master host, client endpoints, tables module); for ice.config the
// master host defaults to localhost.
std::map<std::string, std::string> tokens(const Props& p, bool for_ice_config);
std::string substitute(std::string text, const std::map<std::string, std::string>& tokens);
// A port the server listens on, with its prefix: "ssl", "tcp", "registry", ...
int port(const Props& p, const std::string& name);
// The ports the server listens on, by name: the Glacier2 client ports of
// omero.client.icetransports ("ssl", "tcp"), then "registry".
std::vector<std::pair<std::string, int>> listen_ports(const Props& p);
// The Glacier2 client ports alone.
std::vector<int> client_ports(const Props& p);

// The generated master.cfg, with what the installed Ice needs: Ice 3.7
// stores the registry in LMDB (IceGrid.Registry.LMDB.Path), and refuses to
// start without it; IceGrid.Registry.Data is the 3.6 name.
std::string adapt_master_cfg(std::string text);

// omero.server.nodedescriptors ("master:Blitz-0,Indexer-0 worker1:Processor-0"):
// default.xml's master node keeps its first server (Glacier2) and gets the
// servers named for it; each other node gets a <node> of its own. Throws
// Error(1) naming the property when it cannot be read.
std::string apply_node_descriptors(const std::string& xml, const std::string& descriptors);
// The nodes other than master that the descriptors name.
std::vector<std::string> worker_nodes(const std::string& descriptors);
// etc/<node>.cfg for a worker node: its name, data, endpoints and logs
// (used with etc/internal.cfg, which points at the master's registry).
std::string node_cfg(const std::string& node);

// One Java server's memory settings: its JVM options and the settings they
// came from, as `admin jvmcfg` prints them.
struct JvmSettings {
    std::string name;                  // blitz, indexer, pixeldata, repository
    std::vector<std::string> options;  // -Xmx600m, ...
    std::string origin;                // Settings({...})
};
// Throws Error(11) naming the property when a setting is unusable.
std::vector<JvmSettings> jvm_settings(const Props& p);

// etc/grid/templates.xml from etc/templates/grid/templates.xml: the
// Glacier2 IceSSL properties, the MEMORY: options and REPLACEMENT:
// properties filled in, comments and layout whitespace dropped, written as
// Python's ElementTree writes it (the reference's output). Throws Error(11).
std::string render_templates_xml(const std::string& template_text, const Props& p);

// Everything `admin rewrite` writes, in order: (target, content).
std::vector<std::pair<fs::path, std::string>> generate(const fs::path& omerodir, const Props& p);

}  // namespace omero::admin
