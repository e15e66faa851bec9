// servers.hpp - the nginx and Apache httpd that run on this machine, as
// a sysadmin would handle them after changing a site file: which running
// master loads the file (nginx -T, apache2 -t -D DUMP_INCLUDES with the
// master's own arguments and environment), whether its whole configuration
// still parses (-t), and a reload (SIGHUP to nginx, SIGUSR1 - graceful - to
// Apache). Also a site file's text checked on its own, wrapped in a minimal
// configuration, before it is written anywhere.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace omero::frontend {

struct FrontServer {
    pid_t pid = 0;
    bool nginx = true;              // else Apache httpd
    std::string exe;                // its program (/usr/sbin/nginx)
    std::vector<std::string> args;  // its own arguments (-c FILE, -p DIR, -f FILE, -d DIR, -D X ...)
    std::vector<std::string> env;   // Apache: its environment (Debian's envvars set APACHE_RUN_DIR ...)
    std::string name() const;       // "nginx (pid 123)"
};

// The running nginx and Apache masters (readable through /proc).
std::vector<FrontServer> front_servers();

// What the server's configuration reads: the real paths of its files, from
// the server itself (-T, DUMP_INCLUDES) when the configuration parses today;
// when it does not, `refused` holds what the server said and the files come
// from its include directives read as text (includes.hpp), so a broken
// server that does not read a given site file can be told apart from one
// that does. nullopt: its main file is not known (with why).
struct LoadedFiles {
    std::vector<std::filesystem::path> files;
    std::string refused;  // "" when its own test passes
    bool has(const std::filesystem::path& real) const;
};
std::optional<LoadedFiles> loaded_files(const FrontServer& s, std::string* why);

// `-t` with the master's own arguments: "" when the configuration parses,
// else what the server said.
std::string test_config(const FrontServer& s);

// Tells the master to re-read its configuration; false with why.
bool reload(const FrontServer& s, std::string* why);

// A site file's text checked by the installed nginx or Apache, wrapped in a
// minimal configuration: nginx server blocks are included in http{},
// location blocks in a server{}; Apache <VirtualHost> files at the top,
// directives inside one. "" when it parses; else what the server said.
// nullopt when no such server is installed (`why` says which).
struct SiteCheck {
    bool nginx = true;
    bool server_level = true;  // nginx: holds `server {`; Apache: holds <VirtualHost
    int http_port = 8080;
};
std::optional<std::string> check_site_text(const std::string& text, const SiteCheck& how, std::string* why);
// Which server and level a site file is for, from its text.
SiteCheck site_kind(const std::string& text);

}  // namespace omero::frontend
