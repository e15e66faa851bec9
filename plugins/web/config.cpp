// `omero web config FORM`: the nginx or Apache file that puts OMERO.web
// behind a web server, from the omero.web.* properties; --check has the
// installed server parse it.
#include "frontend.hpp"
#include "web.hpp"

#include "util/file.hpp"
#include "util/process.hpp"

#include <cstdlib>
#include <unistd.h>

namespace omero::web {

namespace {

std::string find_program(const std::vector<std::string>& names) {
    for (const std::string& n : names)
        if (std::string p = omero::find_program(n); !p.empty()) return p;
    return "";
}

std::string apache_modules_dir() {
    for (const char* d : {"/usr/lib/apache2/modules", "/usr/lib64/httpd/modules", "/usr/lib/httpd/modules"})
        if (fs::exists(fs::path(d) / "mod_proxy.so")) return d;
    return "";
}

// Has the installed nginx or Apache parse `text` (wrapped so it is a whole
// configuration). Returns what it said; throws Error(168) when it refused.
std::string check(Form f, const std::string& text, const FrontEnd& v) {
    bool ngx = is_nginx(f);
    std::string exe = ngx ? find_program({"nginx"}) : find_program({"apache2", "httpd"});
    if (exe.empty())
        throw Error(OMERO_EXIT_WEB_CHECK_FAILED, std::string("--check: ") + (ngx ? "nginx" : "apache2 (or httpd)") +
                                                     " is not installed (Debian: apt install " +
                                                     (ngx ? "nginx" : "apache2") + ")");
    std::string tmpl = (fs::temp_directory_path() / "omero-web-check.XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw Error(OMERO_EXIT_FAILURE, "--check: cannot create a temporary directory");
    fs::path dir = tmpl;
    struct Cleanup {
        fs::path d;
        ~Cleanup() {
            std::error_code ec;
            fs::remove_all(d, ec);
        }
    } cleanup{dir};
    fs::path file = dir / (std::string(form_name(f)) + ".conf"), main = dir / "main.conf";
    write_file_atomic(file, text, false);
    std::vector<std::string> argv;
    if (ngx) {
        std::string t = dir.string();
        std::string temps = "client_body_temp_path " + t + "/b; proxy_temp_path " + t + "/p; fastcgi_temp_path " + t +
                            "/f; uwsgi_temp_path " + t + "/u; scgi_temp_path " + t + "/s;\n";
        std::string w = "error_log stderr;\npid " + t + "/nginx.pid;\nevents {}\nhttp {\n" + temps;
        if (f == Form::nginx) w += "include " + file.string() + ";\n}\n";
        if (f == Form::nginx_location) w += "server {\nlisten " + std::to_string(v.http_port) + ";\ninclude " + file.string() + ";\n}\n}\n";
        if (f == Form::nginx_development) main = file;
        else write_file_atomic(main, w, false);
        argv = {exe, "-t", "-q", "-p", t, "-e", "stderr", "-c", main.string()};
    } else {
        std::string mods = apache_modules_dir();
        if (mods.empty()) throw Error(OMERO_EXIT_WEB_CHECK_FAILED, "--check: Apache's modules (mod_proxy.so) not found");
        std::string t = dir.string(), w = "ServerRoot " + t + "\nDefaultRuntimeDir " + t + "\nPidFile " + t +
                                          "/httpd.pid\nErrorLog /dev/stderr\nServerName localhost\n";
        for (const char* m : {"mpm_event", "authz_core", "alias", "headers", "proxy", "proxy_http"})
            w += std::string("LoadModule ") + m + "_module " + mods + "/mod_" + m + ".so\n";
        w += "Listen 127.0.0.1:" + std::to_string(v.http_port) + "\n";
        if (f == Form::apache) w += "Include " + file.string() + "\n";
        else w += "<VirtualHost *:" + std::to_string(v.http_port) + ">\nInclude " + file.string() + "\n</VirtualHost>\n";
        write_file_atomic(main, w, false);
        argv = {exe, "-t", "-f", main.string()};
    }
    ChildResult r = run_child(argv, ChildOptions{.capture_stdout = true, .timeout = std::chrono::seconds(30)});
    std::string said = r.err + r.out;
    if (r.status != 0)
        throw Error(OMERO_EXIT_WEB_CHECK_FAILED, exe + " refused the generated file (exit " + std::to_string(r.status) +
                                                     "):\n" + said);
    return exe + " -t: the configuration is valid";
}

int run(Context& c) {
    std::string name(c.arg(0));
    auto form = parse_form(name);
    if (!form)
        throw Error(OMERO_EXIT_USAGE, "web config: unknown server type '" + name +
                                          "'; choose nginx, nginx-development, nginx-location, apache or apache-location");
    Settings s = load_settings(c);
    if (s.server_type != "wsgi-tcp")
        throw Error(OMERO_EXIT_WEB_SERVER_TYPE,
                    "Web template configuration requires wsgi-tcp: omero.web.application_server is '" + s.server_type +
                        "' and the generated files proxy to gunicorn over TCP; run: omero config set "
                        "omero.web.application_server wsgi-tcp");
    FrontEnd v;
    v.root = s.omerodir.string();
    v.static_url = s.static_url;
    while (v.static_url.size() > 1 && v.static_url.back() == '/') v.static_url.pop_back();
    if (v.static_url.empty() || v.static_url[0] != '/')
        throw Error(OMERO_EXIT_FAILURE, "omero.web.static_url='" + s.static_url +
                                            "' is not a path on this server, so there is nothing for the web server "
                                            "to serve; set it to a path such as /static/");
    v.static_root = s.static_root.string();
    v.extra = s.extra_config;
    v.http_port = static_cast<int>(c.integer("http").value_or(*form == Form::nginx_development ? 8080 : 80));
    if (v.http_port == s.port)
        throw Error(OMERO_EXIT_WEB_PORT_CONFLICT, "Port conflict: HTTP(" + std::to_string(v.http_port) + ") and wsgi(" +
                                                      std::to_string(s.port) +
                                                      "). Give another --http, or move the application server: omero "
                                                      "config set omero.web.application_server.port PORT");
    v.max_body_size = std::string(c.value("max-body-size").value_or("0"));
    if (!size_bytes(v.max_body_size))
        throw Error(OMERO_EXIT_USAGE, "--max-body-size takes a size such as 0 (no limit), 512k, 2m or 1g, not '" +
                                          v.max_body_size + "'");
    v.server_name = std::string(c.value("servername").value_or(""));
    for (unsigned char ch : v.server_name)
        if (ch < ' ' || std::strchr(";{}\"'#\\", ch) || (ch == ' ' && !is_nginx(*form)))
            throw Error(OMERO_EXIT_USAGE, "--servername takes host names (" +
                                              std::string(is_nginx(*form) ? "separated by blanks" : "one for Apache") +
                                              "), not '" + v.server_name + "'");
    v.script_name = s.script_name();
    v.prefix_name = s.prefix_name();
    v.upstream = s.upstream();
    v.as_omero_web = c.flag("as-omero-web");
    std::string text = render(*form, v);
    std::string verdict;
    if (c.flag("check")) verdict = check(*form, text, v);
    if (auto out = c.value("output")) {
        write_file_atomic(fs::path(*out), text);
        c.err("Wrote " + std::string(*out) + "\n");
    } else {
        c.out(text);
    }
    if (!verdict.empty()) c.err(verdict + "\n");
    return 0;
}

}  // namespace

Command config_command() {
    return {.path = "web config",
            .summary = "Print the nginx or Apache configuration for OMERO.web",
            .help = "FORM is nginx (a server block for a system nginx), nginx-development (a whole nginx.conf\n"
                    "to run as the omero user), nginx-location (location blocks to include), apache (a\n"
                    "<VirtualHost>) or apache-location (directives to include in one). Built from\n"
                    "omero.web.prefix, static_url, static_root, application_server.host/.port and\n"
                    "nginx_server_extra_config. The nginx forms are omero-web's, byte for byte, plus one line\n"
                    "(error_page 502 in @proxy_to_app) so that the maintenance page is really shown while\n"
                    "OMERO.web is down; --as-omero-web leaves it out.\n"
                    "Re-run it after each upgrade: the static alias must point at this OMERODIR.",
            .options = {{.name = "http", .value_name = "PORT", .help = "the port the web server listens on (80; 8080 for nginx-development)",
                         .type = OMERO_VALUE_INTEGER, .min = 1, .max = 65535},
                        {.name = "servername", .value_name = "NAME", .help = "server_name / ServerName ($hostname for nginx; none for Apache)"},
                        {.name = "max-body-size", .value_name = "SIZE", .help = "largest upload: 0 (no limit), 512k, 2m, 1g", .default_value = "0"},
                        {.name = "output", .short_name = 'o', .value_name = "FILE", .help = "write FILE atomically (the old one kept as FILE.bak) instead of stdout"},
                        {.name = "as-omero-web", .help = "nginx: omero-web's exact output, whose maintenance page nginx never shows"},
                        {.name = "check", .help = "have the installed nginx (nginx -t) or Apache (apache2 -t) parse the result"},
                        {.name = "system", .help = "ignored (omero-web's hidden flag)", .flags = OMERO_OPT_HIDDEN}},
            .args = {{.name = "FORM", .help = "nginx | nginx-development | nginx-location | apache | apache-location"}},
            .run = run};
}

}  // namespace omero::web
