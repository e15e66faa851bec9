#include "frontend/site_config.hpp"

#include <cctype>
#include <fstream>
#include <sstream>

namespace omero::frontend {

namespace fs = std::filesystem;

namespace {

// Writes lines with one indent; an empty line stays empty.
class Out {
public:
    explicit Out(std::string& s) : s_(s) {}
    Out& at(std::string_view indent) {
        indent_ = indent;
        return *this;
    }
    Out& operator()(std::string_view line = {}) {
        if (!line.empty()) s_.append(indent_).append(line);
        s_ += '\n';
        return *this;
    }

private:
    std::string& s_;
    std::string indent_;
};

std::string extra_block(const FrontEnd& v) {
    if (v.extra.empty()) return "";
    std::string s = "# <<<<< omero.web.nginx_server_extra_config\n";
    for (const std::string& l : v.extra) s += l + "\n";
    return s + "# omero.web.nginx_server_extra_config >>>>>";
}

// The four nginx locations every form shares: the maintenance page, the
// static files, the proxy to gunicorn and the prefix that routes to it.
void nginx_locations(Out& o, std::string_view in, const FrontEnd& v, const std::string& pass) {
    const std::string& p = v.prefix_name;
    o.at(in)("# maintenance page serve from here")("location @maintenance" + p + " {")(
        "    root " + v.root + "/etc/templates/error;")("    try_files $uri /maintainance.html =502;")("}");
    o();
    o.at(in)("# weblitz django apps serve media from here")("location " + v.static_url +
                                                            " {")("    alias " + v.static_root + ";")("}");
    o();
    o.at(in)("location @proxy_to_app" + p + " {")("    proxy_set_header X-Forwarded-Proto $scheme;")(
        "    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;")("    proxy_set_header Host $http_host;")(
        "    proxy_redirect off;")("    proxy_buffering off;");
    // omero-web's files put error_page only in the prefix's location; a
    // named location does not inherit it, so nginx's own 502 page was shown
    // instead of the maintenance page.
    if (!v.as_omero_web) o("    error_page 502 @maintenance" + p + ";");
    o();
    o.at(in)("    proxy_pass http://" + pass + ";")("}");
    o();
    o.at(in)("location " + v.script_name + " {");
    o();
    o.at(in)("    error_page 502 @maintenance" + p + ";")("    # checks for static file, if not found proxy to app")(
        "    try_files $uri @proxy_to_app" + p + ";")("}");
}

std::string nginx_server(const FrontEnd& v) {
    std::string s;
    Out o(s);
    o("upstream omeroweb" + v.prefix_name + " {")("    server " + v.upstream + " fail_timeout=0;")("}")();
    o("server {")
        .at("    ")("listen " + std::to_string(v.http_port) +
                    ";")("server_name " + (v.server_name.empty() ? "$hostname" : v.server_name) + ";")();
    o("sendfile on;")("client_max_body_size " + v.max_body_size + ";")();
    o.at("")(extra_block(v))();
    nginx_locations(o, "    ", v, "omeroweb" + v.prefix_name);
    o.at("")()("}");
    return s;
}

std::string nginx_development(const FrontEnd& v) {
    const std::string& r = v.root;
    std::string s;
    Out o(s);
    o("# ")("# nginx userland template")(
        "# this configuration is designed for running nginx as the omero user or similar")("# nginx -c etc/nginx.conf")(
        "# for inclusion in a system-wide nginx configuration see omero web config nginx")("#");
    o("pid " + r + "/var/pid.nginx;")("error_log " + r + "/var/log/nginx_error.log;")("worker_processes  5;")(
        "working_directory " + r + "/var;")();
    o("events {")("    worker_connections  1024;")("}")()();
    o("http {").at("    ")("access_log    " + r + "/var/log/nginx_access.log;")(
        "include       " + r + "/etc/mime.types;")("default_type  application/octet-stream;")("client_body_temp_path " +
                                                                                              r + "/var/nginx_tmp;")();
    o("keepalive_timeout 65;")();
    o("upstream omeroweb" + v.prefix_name + " {")("    server " + v.upstream + " fail_timeout=0;")("}");
    s += "    \n";  // the reference has four blanks on this line
    o("server {")
        .at("        ")("listen " + std::to_string(v.http_port) + ";")("server_name _;")("proxy_temp_path " + r +
                                                                                         "/var/nginx_tmp;")();
    o("sendfile on;")("client_max_body_size " + v.max_body_size + ";")();
    o.at("")(extra_block(v))();
    nginx_locations(o, "        ", v, "omeroweb" + v.prefix_name);
    o.at("")();
    o.at("    ")("}");
    o.at("")()("}");
    return s;
}

std::string nginx_location(const FrontEnd& v) {
    std::string s;
    Out o(s);
    o("# These location blocks should be included in your server configuration")("# For example:")("#")("##server {")(
        "##    listen 80;")("##    server_name $hostname;")("##")("##    # SSL configuration ...")("##")(
        "##    sendfile on;")("##    client_max_body_size 0;")("##")(
        "##    # Include generated file from omero web config nginx-location:")(
        "##    include /opt/omero/web/omero-web-location.include;")("##}")();
    nginx_locations(o, "", v, v.upstream);
    return s;
}

// Apache httpd (mod_alias, mod_proxy_http, mod_headers): the same routing.
// The maintenance page answers 502 and 503 (mod_proxy's "backend refused").
void apache_directives(Out& o, std::string_view in, const FrontEnd& v) {
    std::string maint = "/omero-maintenance" + v.prefix_name;
    std::string errors = v.root + "/etc/templates/error";
    std::string script = v.script_name;
    std::string target = "http://" + v.upstream + script;
    long long body = size_bytes(v.max_body_size).value_or(0);
    o.at(in)("# Request bodies (uploads): 0 = no limit (nginx's client_max_body_size " + v.max_body_size +
             ")")("LimitRequestBody " + std::to_string(body));
    o();
    o.at(in)("# maintenance page, served while OMERO.web is down")("Alias " + maint + " " + errors)(
        "<Directory " + errors + ">")("    Require all granted")("</Directory>")(
        "ErrorDocument 502 " + maint + "/maintainance.html")("ErrorDocument 503 " + maint + "/maintainance.html");
    o();
    o.at(in)("# weblitz django apps serve media from here")("Alias " + v.static_url + " " + v.static_root)(
        "<Directory " + v.static_root + ">")("    Require all granted")("</Directory>");
    o();
    o.at(in)("# everything else under " + script + " goes to OMERO.web (gunicorn at " + v.upstream +
             ")")("ProxyPass " + maint + " !")("ProxyPass " + v.static_url + " !")("ProxyPreserveHost On")(
        "RequestHeader set X-Forwarded-Proto \"expr=%{REQUEST_SCHEME}\"")(
        "ProxyPass " + script + " " + target + " retry=0")("ProxyPassReverse " + script + " " + target);
}

std::string apache(const FrontEnd& v) {
    std::string s;
    Out o(s);
    o("# OMERO.web behind Apache httpd, from 'omero web config apache'.")(
        "# Needs: a2enmod alias headers proxy proxy_http")(
        "# and 'Listen " + std::to_string(v.http_port) + "' in ports.conf when that port is not already listened on.");
    o("<VirtualHost *:" + std::to_string(v.http_port) + ">");
    if (!v.server_name.empty()) o.at("    ")("ServerName " + v.server_name)();
    apache_directives(o, "    ", v);
    o.at("")("</VirtualHost>");
    return s;
}

std::string apache_location(const FrontEnd& v) {
    std::string s;
    Out o(s);
    o("# These directives should be included in your <VirtualHost>, e.g.")("##<VirtualHost *:80>")(
        "##    ServerName omero.example.org")("##    # Include generated file from omero web config apache-location:")(
        "##    Include /opt/omero/web/omero-web-apache.include")("##</VirtualHost>")(
        "# Needs: a2enmod alias headers proxy proxy_http")();
    apache_directives(o, "", v);
    return s;
}

}  // namespace

std::optional<Form> parse_form(std::string_view n) {
    for (Form f : {Form::nginx, Form::nginx_development, Form::nginx_location, Form::apache, Form::apache_location})
        if (n == form_name(f)) return f;
    return std::nullopt;
}

const char* form_name(Form f) {
    switch (f) {
        case Form::nginx:
            return "nginx";
        case Form::nginx_development:
            return "nginx-development";
        case Form::nginx_location:
            return "nginx-location";
        case Form::apache:
            return "apache";
        case Form::apache_location:
            return "apache-location";
    }
    return "";
}

bool is_nginx(Form f) { return f == Form::nginx || f == Form::nginx_development || f == Form::nginx_location; }

std::string render(Form f, const FrontEnd& v) {
    std::string s;
    switch (f) {
        case Form::nginx:
            s = nginx_server(v);
            break;
        case Form::nginx_development:
            s = nginx_development(v);
            break;
        case Form::nginx_location:
            s = nginx_location(v);
            break;
        case Form::apache:
            s = apache(v);
            break;
        case Form::apache_location:
            s = apache_location(v);
            break;
    }
    return s + "\n";
}

std::optional<long long> size_bytes(std::string_view s) {
    if (s.empty()) return std::nullopt;
    long long mult = 1;
    char last = static_cast<char>(std::tolower(static_cast<unsigned char>(s.back())));
    if (last == 'k' || last == 'm' || last == 'g') {
        mult = last == 'k' ? 1024LL : last == 'm' ? 1024LL * 1024 : 1024LL * 1024 * 1024;
        s.remove_suffix(1);
    }
    if (s.empty() || s.size() > 12) return std::nullopt;
    long long n = 0;
    for (char ch : s) {
        if (!std::isdigit(static_cast<unsigned char>(ch))) return std::nullopt;
        n = n * 10 + (ch - '0');
    }
    return n * mult;
}

std::vector<StaticAlias> find_aliases(const fs::path& file) {
    std::vector<StaticAlias> out;
    std::ifstream in(file);
    if (!in) return out;
    // nginx: the URL of the innermost open `location`, then its `alias`.
    std::vector<std::string> locations;  // one per open brace ("" when not a location)
    std::string pending;                 // a location whose "{" is still to come
    std::string line;
    for (int no = 1; std::getline(in, line); ++no) {
        if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        std::istringstream words(line);
        std::vector<std::string> w;
        for (std::string x; words >> x;) w.push_back(x);
        for (size_t i = 0; i < w.size(); ++i) {
            const std::string& t = w[i];
            bool apache = t == "Alias" || (t == "alias" && i == 0 && w.size() >= 3 && w[1].back() != ';');
            if (apache && w.size() >= i + 3) {
                out.push_back({file, no, "apache", w[i + 1], w[i + 2]});
                break;
            }
            if (t == "location" && i + 1 < w.size()) {
                size_t u = i + 1;
                if ((w[u] == "=" || w[u] == "^~" || w[u] == "~" || w[u] == "~*") && u + 1 < w.size()) ++u;
                pending = w[u];
                i = u;
                if (pending.back() == '{') {
                    pending.pop_back();
                    locations.push_back(pending);
                    pending.clear();
                }
                continue;
            }
            if (t.back() == '{') {
                locations.push_back(pending);
                pending.clear();
            } else if (t == "}") {
                if (!locations.empty()) locations.pop_back();
            } else if (t == "alias" && i + 1 < w.size()) {
                std::string path = w[i + 1];
                if (path.back() == ';') path.pop_back();
                out.push_back({file, no, "nginx", locations.empty() ? "" : locations.back(), path});
                ++i;
            }
        }
    }
    return out;
}

std::vector<fs::path> system_frontend_files() {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const char* f : {"/etc/nginx/nginx.conf", "/etc/apache2/apache2.conf", "/etc/httpd/conf/httpd.conf"})
        if (fs::is_regular_file(f, ec)) files.emplace_back(f);
    for (const char* d : {"/etc/nginx/conf.d", "/etc/nginx/sites-enabled", "/etc/apache2/sites-enabled",
                          "/etc/apache2/conf-enabled", "/etc/httpd/conf.d"}) {
        for (const auto& e : fs::directory_iterator(d, ec))
            if (fs::is_regular_file(e.path(), ec)) files.push_back(e.path());
    }
    return files;
}

}  // namespace omero::frontend
