// site_config.hpp - the web server in front of OMERO.web: the nginx files of
// omero-web's `web config` (the same bytes for the same settings) and their
// Apache httpd counterparts, and finding the static aliases that the
// machine's nginx/Apache files point at (the upgrade guide's stale-alias trap).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace omero::frontend {

enum class Form { nginx, nginx_development, nginx_location, apache, apache_location };
std::optional<Form> parse_form(std::string_view name);
const char* form_name(Form f);
bool is_nginx(Form f);

// The values a file is generated from (omero-web's template variables).
struct FrontEnd {
    std::string root;                 // ROOT: $OMERODIR
    std::string static_url;           // STATIC_URL, its trailing "/" removed
    std::string static_root;          // STATIC_ROOT
    std::vector<std::string> extra;   // omero.web.nginx_server_extra_config (nginx only)
    int http_port = 80;               // HTTPPORT
    std::string max_body_size = "0";  // MAX_BODY_SIZE (nginx syntax: N, Nk, Nm, Ng)
    std::string server_name;          // SERVERNAME; "" = nginx's $hostname, no ServerName for Apache
    std::string script_name = "/";    // FORCE_SCRIPT_NAME
    std::string prefix_name;          // PREFIX_NAME
    std::string upstream;             // FASTCGI_EXTERNAL: host:port of gunicorn
    // omero-web's exact bytes. Else one line more in @proxy_to_app
    // (error_page 502 @maintenance), without which nginx never shows the
    // maintenance page: error_page is not inherited by a named location.
    bool as_omero_web = false;
};

// The file as `omero web config FORM` prints it (ending in the newline the
// reference's print adds).
std::string render(Form f, const FrontEnd& v);

// "0", "512", "10k", "2m", "1g" (nginx's size syntax) in bytes; nullopt otherwise.
std::optional<long long> size_bytes(std::string_view s);

// A static alias in a web server file: `location URL { alias PATH; }`
// (nginx) or `Alias URL PATH` (Apache).
struct StaticAlias {
    std::filesystem::path file;
    int line = 0;
    std::string server;  // "nginx" or "apache"
    std::string url;
    std::string path;
};
std::vector<StaticAlias> find_aliases(const std::filesystem::path& file);
// The files nginx and Apache read on Debian and RHEL-like systems, that exist.
std::vector<std::filesystem::path> system_frontend_files();

}  // namespace omero::frontend
