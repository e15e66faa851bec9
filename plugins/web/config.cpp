// `omero web config FORM`: the nginx or Apache file that puts OMERO.web
// behind a web server, from the omero.web.* properties; --check has the
// installed server parse it.
#include "frontend/site_config.hpp"
#include "web.hpp"

#include "util/file.hpp"
#include "frontend/servers.hpp"
#include "util/process.hpp"

#include <cstdlib>
#include <unistd.h>

namespace omero::web {

using namespace omero::frontend;

namespace {

// Has the installed nginx or Apache parse `text` (wrapped so it is a whole
// configuration). Returns what it said; throws Error(168) when it refused.
std::string check(Form f, const std::string& text, const FrontEnd& v) {
    bool ngx = is_nginx(f);
    SiteCheck how{.nginx = ngx, .server_level = f == Form::nginx || f == Form::apache, .http_port = v.http_port};
    std::string why;
    auto said = check_site_text(text, how, &why);
    if (!said)
        throw Error(OMERO_EXIT_WEB_CHECK_FAILED,
                    "--check: " + why +
                        (why.find("not installed") != std::string::npos
                             ? std::string(" (Debian: apt install ") + (ngx ? "nginx" : "apache2") + ")"
                             : ""));
    std::string exe = ngx ? "nginx" : "apache2";
    if (!said->empty()) throw Error(OMERO_EXIT_WEB_CHECK_FAILED, exe + " refused the generated file:\n" + *said);
    return exe + " -t: the configuration is valid";
}

int run(Context& c) {
    std::string name(c.arg(0));
    auto form = parse_form(name);
    if (!form)
        throw Error(OMERO_EXIT_USAGE,
                    "web config: unknown server type '" + name +
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
        throw Error(OMERO_EXIT_USAGE,
                    "--max-body-size takes a size such as 0 (no limit), 512k, 2m or 1g, not '" + v.max_body_size + "'");
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
    auto out = c.value("output");
    // A file for the machine's web server (a site or location file, not
    // nginx-development's whole nginx.conf, which names files of its own) is
    // checked before it replaces one, when that server is installed;
    // --check checks in any case.
    if (c.flag("check"))
        verdict = check(*form, text, v);
    else if (out && *form != Form::nginx_development && !find_program(is_nginx(*form) ? "nginx" : "apache2").empty())
        check(*form, text, v);
    if (out) {
        // Through Debian's sites-enabled/omero -> ../sites-available/omero to
        // its target, the previous text kept where no include glob loads it.
        fs::path bak, given = std::string(*out);
        fs::path target = write_through(given, text, &bak);
        c.err("Wrote " + target.string() + (target == given ? "" : ", which " + given.string() + " links to,") +
              (bak.empty() ? "" : " (the previous one kept as " + bak.string() + ")") + "\n");
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
            .help =
                "FORM is nginx (a server block for a system nginx), nginx-development (a whole nginx.conf\n"
                "to run as the omero user), nginx-location (location blocks to include), apache (a\n"
                "<VirtualHost>) or apache-location (directives to include in one). Built from\n"
                "omero.web.prefix, static_url, static_root, application_server.host/.port and\n"
                "nginx_server_extra_config. The nginx forms are omero-web's, byte for byte, plus one line\n"
                "(error_page 502 in @proxy_to_app) so that the maintenance page is really shown while\n"
                "OMERO.web is down; --as-omero-web leaves it out.\n"
                "Re-run it after each upgrade: the static alias must point at this OMERODIR.",
            .options = {{.name = "http",
                         .value_name = "PORT",
                         .help = "the port the web server listens on (80; 8080 for nginx-development)",
                         .type = OMERO_VALUE_INTEGER,
                         .min = 1,
                         .max = 65535},
                        {.name = "servername",
                         .value_name = "NAME",
                         .help = "server_name / ServerName ($hostname for nginx; none for Apache)"},
                        {.name = "max-body-size",
                         .value_name = "SIZE",
                         .help = "largest upload: 0 (no limit), 512k, 2m, 1g",
                         .default_value = "0"},
                        {.name = "output",
                         .short_name = 'o',
                         .value_name = "FILE",
                         .help = "write FILE atomically (through a symlink; the old one kept as a hidden .FILE.bak "
                                 "beside it; checked first by the installed server) instead of stdout"},
                        {.name = "as-omero-web",
                         .help = "nginx: omero-web's exact output, whose maintenance page nginx never shows"},
                        {.name = "check",
                         .help = "have the installed nginx (nginx -t) or Apache (apache2 -t) parse the result"},
                        {.name = "system", .help = "ignored (omero-web's hidden flag)", .flags = OMERO_OPT_HIDDEN}},
            .args = {{.name = "FORM", .help = "nginx | nginx-development | nginx-location | apache | apache-location"}},
            .run = run};
}

}  // namespace omero::web
