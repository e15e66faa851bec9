#include "frontend/servers.hpp"

#include "frontend/includes.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"

#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace omero::frontend {

namespace fs = std::filesystem;

namespace {

std::optional<std::string> proc_file(pid_t pid, const char* name) {
    return read_file_if_exists(fs::path("/proc") / std::to_string(pid) / name, 1 << 20);
}

std::vector<std::string> split_nul(const std::string& s) {
    std::vector<std::string> out;
    for (size_t at = 0; at < s.size();) {
        size_t end = s.find('\0', at);
        if (end == std::string::npos) end = s.size();
        out.push_back(s.substr(at, end - at));
        at = end + 1;
    }
    return out;
}

std::string comm_of(pid_t pid) {
    auto c = proc_file(pid, "comm");
    std::string s = c ? *c : "";
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

// nginx rewrites its argv into "nginx: master process <the command line>":
// the words of that line, -g's value put back together.
std::vector<std::string> nginx_args(const std::string& title) {
    const std::string mark = "master process ";
    size_t at = title.find(mark);
    std::vector<std::string> words, out;
    if (at == std::string::npos) return out;
    std::string line = title.substr(at + mark.size());
    for (char& ch : line)
        if (ch == '\0') ch = ' ';
    for (size_t i = 0; i < line.size();) {
        size_t j = line.find(' ', i);
        if (j == std::string::npos) j = line.size();
        if (j > i) words.push_back(line.substr(i, j - i));
        i = j + 1;
    }
    for (size_t i = 1; i < words.size(); ++i) {  // words[0] is the program
        out.push_back(words[i]);
        if (words[i] == "-g")
            for (std::string g; i + 1 < words.size();) {
                g += (g.empty() ? "" : " ") + words[++i];
                if (g.back() == ';' || i + 1 == words.size()) {
                    out.push_back(g);
                    break;
                }
            }
    }
    return out;
}

ChildResult run_as(const FrontServer& s, std::vector<std::string> extra) {
    std::vector<std::string> argv = {s.exe};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ChildOptions o;
    o.capture_stdout = true;
    o.timeout = std::chrono::seconds(30);
    std::error_code ec;
    o.cwd = fs::read_symlink(fs::path("/proc") / std::to_string(s.pid) / "cwd", ec);
    if (ec) o.cwd.clear();
    o.extra_env = s.env;
    return run_child(argv, o);
}

// The arguments to test the master's configuration with: its own, less
// Apache's -k start|restart|graceful.
std::vector<std::string> config_args(const FrontServer& s) {
    std::vector<std::string> out;
    for (size_t i = 0; i < s.args.size(); ++i) {
        if (!s.nginx && s.args[i] == "-k") {
            ++i;
            continue;
        }
        if (s.nginx && s.args[i] == "-s") {  // a signal command line is not a master's
            ++i;
            continue;
        }
        out.push_back(s.args[i]);
    }
    return out;
}

// The value after `key` in a program's -V text: nginx's
// "--conf-path=/etc/nginx/nginx.conf", Apache's -D SERVER_CONFIG_FILE="...".
std::string value_after(const std::string& text, const std::string& key) {
    size_t at = text.find(key);
    if (at == std::string::npos) return "";
    at += key.size();
    if (at < text.size() && text[at] == '"') {
        size_t end = text.find('"', at + 1);
        return end == std::string::npos ? "" : text.substr(at + 1, end - at - 1);
    }
    size_t end = text.find_first_of(" \n", at);
    return text.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// Where the master's configuration starts: its -c/-p (nginx) or -f/-d
// (Apache), else what the program was built with (its -V, run at most once
// and only when needed); relative to the master's working directory as it
// resolved them.
std::optional<ConfRoot> conf_root(const FrontServer& s, std::string* why) {
    ConfRoot c;
    c.nginx = s.nginx;
    c.env = s.env;
    std::string file, root;
    for (size_t i = 0; i + 1 < s.args.size(); ++i) {
        const std::string& a = s.args[i];
        if (a == (s.nginx ? "-c" : "-f")) file = s.args[i + 1];
        if (a == (s.nginx ? "-p" : "-d")) root = s.args[i + 1];
    }
    std::optional<std::string> version;  // -V's text (nginx prints it on stderr, Apache on stdout)
    auto built_with = [&](const std::string& key) {
        if (!version) {
            ChildResult r = run_as(s, {"-V"});
            version = r.err + r.out;
        }
        return value_after(*version, key);
    };
    if (file.empty()) file = built_with(s.nginx ? "--conf-path=" : "SERVER_CONFIG_FILE=");
    if (file.empty()) {
        if (why) *why = "its configuration file is named neither on its command line nor by " + s.exe + " -V";
        return std::nullopt;
    }
    // Apache's includes are relative to its ServerRoot; nginx's to the main
    // file's directory, so its prefix matters only for a relative main file.
    if (root.empty() && (!s.nginx || fs::path(file).is_relative()))
        root = built_with(s.nginx ? "--prefix=" : "HTTPD_ROOT=");
    std::error_code ec;
    fs::path cwd = fs::read_symlink(fs::path("/proc") / std::to_string(s.pid) / "cwd", ec);
    if (ec) cwd = "/";
    c.root = cwd / root;
    c.main = fs::path(file).is_absolute() ? fs::path(file) : c.root / file;
    return c;  // a main file since removed (a server being stopped) reads nothing
}

}  // namespace

std::string FrontServer::name() const {
    return std::string(nginx ? "nginx" : "Apache") + " (pid " + std::to_string(pid) + ")";
}

std::vector<FrontServer> front_servers() {
    std::vector<FrontServer> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
        std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        pid_t pid = static_cast<pid_t>(std::atol(name.c_str()));
        std::string comm = comm_of(pid);
        bool ngx = comm == "nginx", apache = comm == "apache2" || comm == "httpd";
        if (!ngx && !apache) continue;
        auto cmdline = proc_file(pid, "cmdline");
        if (!cmdline || cmdline->empty()) continue;
        FrontServer s;
        s.pid = pid;
        s.nginx = ngx;
        std::error_code ec2;
        s.exe = fs::read_symlink(e.path() / "exe", ec2).string();
        if (ec2 || s.exe.empty()) s.exe = find_program(comm);
        if (ngx) {
            if (cmdline->rfind("nginx: master process", 0) != 0) continue;
            s.args = nginx_args(*cmdline);
        } else {
            if (comm_of(static_cast<pid_t>(parent_pid(pid))) == comm) continue;  // a child: its master is listed
            auto words = split_nul(*cmdline);
            s.args.assign(words.begin() + (words.empty() ? 0 : 1), words.end());
            if (auto env = proc_file(pid, "environ"))
                for (std::string& v : split_nul(*env))
                    if (!v.empty()) s.env.push_back(std::move(v));
        }
        out.push_back(std::move(s));
    }
    return out;
}

bool LoadedFiles::has(const fs::path& real) const { return std::find(files.begin(), files.end(), real) != files.end(); }

std::optional<LoadedFiles> loaded_files(const FrontServer& s, std::string* why) {
    std::vector<std::string> a =
        s.nginx ? std::vector<std::string>{"-T", "-q"} : std::vector<std::string>{"-t", "-D", "DUMP_INCLUDES"};
    for (std::string& x : config_args(s)) a.push_back(std::move(x));
    ChildResult r = run_as(s, a);
    LoadedFiles out;
    if (r.status != 0) {
        out.refused = tail_lines(r.err + r.out, 5);
        if (out.refused.empty()) out.refused = "exit " + std::to_string(r.status);
        auto root = conf_root(s, why);
        if (!root) return std::nullopt;
        out.files = included_files(*root);
        return out;
    }
    const std::string text = r.out;
    for (size_t at = 0, nl; at < text.size(); at = nl + 1) {
        nl = text.find('\n', at);
        if (nl == std::string::npos) nl = text.size();
        std::string line = text.substr(at, nl - at);
        std::string path;
        if (s.nginx) {
            const std::string mark = "# configuration file ";
            if (line.rfind(mark, 0) == 0 && line.size() > mark.size() + 1 && line.back() == ':')
                path = line.substr(mark.size(), line.size() - mark.size() - 1);
        } else if (size_t p = line.find(") /"); p != std::string::npos && line.find('(') < p) {
            path = line.substr(p + 2);
        }
        if (path.empty()) continue;
        std::error_code ec;
        fs::path real = fs::canonical(path, ec);
        out.files.push_back(ec ? fs::path(path) : real);
    }
    return out;
}

std::string test_config(const FrontServer& s) {
    std::vector<std::string> a = config_args(s);
    a.insert(a.begin(), "-t");
    ChildResult r = run_as(s, a);
    if (r.status == 0) return "";
    std::string said = tail_lines(r.err + r.out, 8);
    return said.empty() ? "exit " + std::to_string(r.status) : said;
}

bool reload(const FrontServer& s, std::string* why) {
    if (::kill(s.pid, s.nginx ? SIGHUP : SIGUSR1) == 0) return true;
    if (why) *why = std::string("cannot signal ") + s.name() + ": " + std::strerror(errno);
    return false;
}

SiteCheck site_kind(const std::string& text) {
    SiteCheck k;
    k.nginx = text.find("<VirtualHost") == std::string::npos && text.find("ProxyPass") == std::string::npos &&
              text.find("Alias ") == std::string::npos;
    k.server_level =
        k.nginx ? text.find("server {") != std::string::npos : text.find("<VirtualHost") != std::string::npos;
    return k;
}

std::optional<std::string> check_site_text(const std::string& text, const SiteCheck& how, std::string* why) {
    std::string exe = how.nginx ? find_program("nginx") : find_program("apache2");
    if (exe.empty() && !how.nginx) exe = find_program("httpd");
    if (exe.empty()) {
        if (why) *why = std::string(how.nginx ? "nginx" : "apache2 (or httpd)") + " is not installed";
        return std::nullopt;
    }
    std::string tmpl = (fs::temp_directory_path() / "omero-site-check.XXXXXX").string();
    if (!::mkdtemp(tmpl.data()))
        throw Error(OMERO_EXIT_FAILURE, "cannot create a temporary directory in " + fs::temp_directory_path().string());
    struct Cleanup {
        fs::path d;
        ~Cleanup() {
            std::error_code ec;
            fs::remove_all(d, ec);
        }
    } cleanup{tmpl};
    std::string t = tmpl;
    fs::path file = fs::path(t) / "site.conf", main = fs::path(t) / "main.conf";
    write_file_atomic(file, text, false);
    std::vector<std::string> argv;
    std::string port = std::to_string(how.http_port);
    if (how.nginx) {
        std::string w = "error_log stderr;\npid " + t + "/nginx.pid;\nevents {}\nhttp {\nclient_body_temp_path " + t +
                        "/b; proxy_temp_path " + t + "/p; fastcgi_temp_path " + t + "/f; uwsgi_temp_path " + t +
                        "/u; scgi_temp_path " + t + "/s;\n";
        if (how.server_level)
            w += "include " + file.string() + ";\n}\n";
        else
            w += "server {\nlisten " + port + ";\ninclude " + file.string() + ";\n}\n}\n";
        // A whole nginx.conf (nginx-development's form) is tested as it is.
        if (text.find("events {") != std::string::npos || text.find("events{") != std::string::npos)
            main = file;
        else
            write_file_atomic(main, w, false);
        argv = {exe, "-t", "-q", "-p", t, "-e", "stderr", "-c", main.string()};
    } else {
        std::string mods;
        for (const char* d : {"/usr/lib/apache2/modules", "/usr/lib64/httpd/modules", "/usr/lib/httpd/modules"})
            if (fs::exists(fs::path(d) / "mod_proxy.so")) mods = d;
        if (mods.empty()) {
            if (why) *why = "Apache's modules (mod_proxy.so) were not found";
            return std::nullopt;
        }
        std::string w = "ServerRoot " + t + "\nDefaultRuntimeDir " + t + "\nPidFile " + t +
                        "/httpd.pid\nErrorLog /dev/stderr\nServerName localhost\n";
        for (const char* m : {"mpm_event", "authz_core", "alias", "headers", "proxy", "proxy_http"})
            w += std::string("LoadModule ") + m + "_module " + mods + "/mod_" + m + ".so\n";
        w += "Listen 127.0.0.1:" + port + "\n";
        if (how.server_level)
            w += "Include " + file.string() + "\n";
        else
            w += "<VirtualHost *:" + port + ">\nInclude " + file.string() + "\n</VirtualHost>\n";
        write_file_atomic(main, w, false);
        argv = {exe, "-t", "-f", main.string()};
    }
    ChildResult r = run_child(argv, ChildOptions{.capture_stdout = true, .timeout = std::chrono::seconds(30)});
    if (r.status == 0) return std::string();
    std::string said = r.err + r.out;
    // The wrapper's temporary names mean nothing to the reader.
    for (size_t at; (at = said.find(file.string())) != std::string::npos;)
        said.replace(at, file.string().size(), "the site file");
    return said.empty() ? "exit " + std::to_string(r.status) : said;
}

}  // namespace omero::frontend
