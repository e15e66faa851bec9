#include "web.hpp"

#include "util/file.hpp"
#include "util/process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

extern const char kHelperPy[];

namespace omero::web {

namespace {

using nlohmann::json;

Error bad_property(const std::string& key, const std::string& value, const std::string& why) {
    return Error(OMERO_EXIT_FAILURE,
                 key + "='" + value + "' " + why + "; fix it with: omero config set " + key + " VALUE");
}

int int_property(Context& c, const std::string& key, int fallback, int min, int max) {
    auto v = c.config(key);
    if (!v || v->empty()) return fallback;
    size_t used = 0;
    long n = 0;
    try {
        n = std::stol(*v, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != v->size() || n < min || n > max)
        throw bad_property(key, *v, "is not a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    return static_cast<int>(n);
}

// Characters that would end a directive or a token in nginx or Apache files.
bool safe_token(const std::string& v) {
    for (unsigned char ch : v)
        if (ch <= ' ' || ch == ';' || ch == '{' || ch == '}' || ch == '"' || ch == '\'' || ch == '\\' || ch == '#' ||
            ch == 0x7f)
            return false;
    return true;
}

bool url_path(const std::string& v) {
    if (v.empty() || v[0] != '/') return false;
    for (unsigned char ch : v)
        if (!(std::isalnum(ch) || std::strchr("/_.~-", ch))) return false;
    return true;
}

}  // namespace

std::string Settings::script_name() const {
    std::string p = prefix;
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    return p.empty() ? "/" : p;
}

std::string Settings::prefix_name() const {
    if (prefix.empty()) return "";
    std::string n = "_";
    for (unsigned char ch : prefix)
        if (std::isalnum(ch) || ch == '_') n += static_cast<char>(ch);
    return n;
}

std::string Settings::probe_path() const {
    std::string p = script_name();
    return p == "/" ? p : p + "/";
}

Settings load_settings(Context& c) {
    Settings s;
    s.omerodir = c.server_dir();
    s.server_type = c.config_or("omero.web.application_server", "wsgi-tcp");
    s.host = c.config_or("omero.web.application_server.host", "127.0.0.1");
    bool ip6 = s.host.find(':') != std::string::npos;
    for (unsigned char ch : s.host)
        if (!(std::isalnum(ch) || ch == '.' || ch == '-' || ch == ':'))
            throw bad_property("omero.web.application_server.host", s.host, "is not a host name or address");
    if (s.host.empty()) throw bad_property("omero.web.application_server.host", s.host, "is empty");
    if (ip6 && s.host.front() != '[') s.host = "[" + s.host + "]";
    s.port = int_property(c, "omero.web.application_server.port", 4080, 1, 65535);
    s.max_requests = int_property(c, "omero.web.application_server.max_requests", 0, 0, 1 << 30);
    s.prefix = c.config_or("omero.web.prefix", "");
    if (!s.prefix.empty() && !url_path(s.prefix))
        throw bad_property("omero.web.prefix", s.prefix,
                           "is not a URL path (it starts with '/' and holds letters, digits and / _ . ~ -)");
    s.static_url = c.config_or("omero.web.static_url", "/static/");
    if (s.static_url.empty() || !safe_token(s.static_url))
        throw bad_property("omero.web.static_url", s.static_url, "is empty or holds blanks, quotes, ; { } or #");
    auto root = c.config("omero.web.static_root");
    s.static_root = root && !root->empty() ? fs::path(*root) : s.omerodir / "var" / "static";
    if (!s.static_root.is_absolute() || !safe_token(s.static_root.string()))
        throw bad_property("omero.web.static_root", s.static_root.string(),
                           "is not an absolute path without blanks, quotes, ; { } or #");
    if (auto extra = c.config("omero.web.nginx_server_extra_config"); extra && !extra->empty()) {
        json j = json::parse(*extra, nullptr, false);
        if (!j.is_array())
            throw bad_property("omero.web.nginx_server_extra_config", *extra, "is not a JSON list of strings");
        for (const json& line : j) {
            if (!line.is_string())
                throw bad_property("omero.web.nginx_server_extra_config", *extra, "is not a JSON list of strings");
            s.extra_config.push_back(line.get<std::string>());
        }
    }
    s.workers = int_property(c, "omero.web.wsgi_workers", 5, 1, 1024);
    s.threads = int_property(c, "omero.web.wsgi_threads", 1, 1, 1024);
    s.timeout = int_property(c, "omero.web.wsgi_timeout", 60, 1, 86400);
    s.worker_connections = int_property(c, "omero.web.wsgi_worker_connections", 1000, 1, 1 << 20);
    s.worker_class = c.config_or("omero.web.wsgi_worker_class", "sync");
    std::string args = c.config_or("omero.web.wsgi_args", "");
    for (size_t i = 0; i < args.size();) {
        size_t j = args.find_first_of(" \t\n", i);
        if (j == std::string::npos) j = args.size();
        if (j > i) s.wsgi_args.push_back(args.substr(i, j - i));
        i = j + 1;
    }
    s.python = c.config_or("omero.web.python", "python3");
    return s;
}

PyEnv python_env(const Settings& s) {
    PyEnv e;
    e.set.push_back("OMERODIR=" + s.omerodir.string());
    if (!std::getenv("DJANGO_SETTINGS_MODULE")) e.set.push_back("DJANGO_SETTINGS_MODULE=omeroweb.settings");
    // Up to 5.5 OMERO.web shipped inside the server (lib/python/omeroweb) and
    // omero-py's bin/omero put lib/python on the path: that copy wins, so
    // each release runs its own OMERO.web.
    std::error_code ec;
    if (fs::is_directory(s.omerodir / "lib/python/omeroweb", ec)) {
        const char* old = std::getenv("PYTHONPATH");
        e.set.push_back("PYTHONPATH=" + (s.omerodir / "lib/python").string() +
                        (old && *old ? ":" + std::string(old) : ""));
    }
    e.unset = {"PGPASSWORD", "OMERO_ROOT_PASSWORD", "OMERO_DB_PASS"};
    return e;
}

json run_helper(Context& c, const Settings& s, const std::vector<std::string>& actions) {
    // The script goes to a private directory (0700: the interpreter puts the
    // script's directory first on sys.path, so nothing else may be there),
    // not the command line (where ps shows it whole); removed afterwards.
    std::string dir = (fs::temp_directory_path() / "omero-web-helper.XXXXXX").string();
    if (!::mkdtemp(dir.data()))
        throw Error(OMERO_EXIT_FAILURE,
                    "cannot create a directory in " + fs::temp_directory_path().string() + ": " + std::strerror(errno));
    struct Remove {
        std::string d;
        ~Remove() {
            std::error_code ec;
            fs::remove_all(d, ec);
        }
    } remove_later{dir};
    std::string path = dir + "/omero_web_helper.py";
    write_file_atomic(path, kHelperPy, false);
    std::vector<std::string> argv = {s.python, path};
    argv.insert(argv.end(), actions.begin(), actions.end());
    PyEnv env = python_env(s);
    ChildOptions o;
    o.extra_env = env.set;
    o.unset_env = env.unset;
    o.capture_stdout = true;
    o.timeout = std::chrono::minutes(10);
    o.cancelled = [&] { return c.cancelled(); };
    c.debug("web: " + s.python + " helper.py " + [&] {
        std::string a;
        for (auto& x : actions) a += x + " ";
        return a;
    }());
    ChildResult r = run_child(argv, o);
    if (r.cancelled) throw Error(OMERO_EXIT_CANCELLED, "interrupted");
    std::string who = "the Python interpreter '" + s.python + "' (omero.web.python)";
    if (r.status == 127)
        throw Error(OMERO_EXIT_WEB_SETUP_FAILED, "cannot run " + who + ": " + r.err +
                                                     "set omero.web.python to the python of OMERO.web's virtualenv");
    json j = json::parse(r.out, nullptr, false);
    if (!j.is_object())
        throw Error(OMERO_EXIT_WEB_SETUP_FAILED, who + " failed (exit " + std::to_string(r.status) +
                                                     (r.timed_out ? ", stopped after 10 minutes" : "") +
                                                     "): " + tail_lines(r.err, 15));
    for (const std::string& a : actions)
        if (j.contains(a) && j[a].contains("error"))
            throw Error(OMERO_EXIT_WEB_SETUP_FAILED, a + " failed under " + who + ": " +
                                                         j[a]["error"].get<std::string>() +
                                                         (r.err.empty() ? "" : "\n" + tail_lines(r.err, 15)));
    return j;
}

json probe(Context& c, const Settings& s) { return run_helper(c, s, {"probe"})["probe"]; }

std::vector<std::pair<int, std::string>> missing_modules(const Settings& s, const json& p, bool need_gunicorn) {
    std::vector<std::pair<int, std::string>> out;
    std::string who = " by " + p.value("python", s.python) + " (omero.web.python)";
    if (need_gunicorn && !p.contains("gunicorn"))
        out.emplace_back(OMERO_EXIT_WEB_NO_GUNICORN,
                         "gunicorn cannot be imported" + who + ": " + p.value("gunicorn_error", std::string()) +
                             "; install it (Debian: apt install gunicorn; a virtualenv: pip install gunicorn) or set "
                             "omero.web.python to the interpreter that has it");
    for (const char* m : {"django", "omeroweb"})
        if (!p.contains(m))
            out.emplace_back(
                OMERO_EXIT_WEB_SETUP_FAILED,
                std::string(m == std::string("django") ? "Django" : "OMERO.web (omeroweb)") + " cannot be imported" +
                    who + ": " + p.value(std::string(m) + "_error", std::string()) + "; install it (" +
                    (m == std::string("django") ? "Debian: apt install python3-django" : "pip install omero-web") +
                    ") or set omero.web.python to the interpreter of OMERO.web's virtualenv");
    return out;
}

void require(const Settings& s, const json& p, bool need_gunicorn) {
    auto missing = missing_modules(s, p, need_gunicorn);
    if (!missing.empty()) throw Error(missing.front().first, missing.front().second);
}

PidState read_pid(const Settings& s) {
    PidState st;
    auto text = read_file_if_exists(s.pid_file(), 4096);
    if (!text) return st;
    try {
        size_t used = 0;
        long pid = std::stol(*text, &used);
        if (pid > 1) st.pid = pid;
    } catch (const std::exception&) {
    }
    if (!st.pid) {
        st.why = "it does not hold a process id";
        return st;
    }
    // A pid is reused once its process is gone, and a command line that
    // merely mentions gunicorn (tail -f gunicorn.log, another server's
    // gunicorn) is not ours: ours was started with our pid file (-p), or
    // holds our listening socket.
    auto cmd = process_command(*st.pid);
    std::string pid = std::to_string(*st.pid);
    if (!cmd) {
        st.why = "no process " + pid + " runs";
    } else if (cmd->find("gunicorn") == std::string::npos) {
        st.why = "process " + pid + " is not gunicorn but '" + *cmd + "'";
    } else if (cmd->find(" -p " + s.pid_file().string() + " ") != std::string::npos) {
        st.alive = true;
    } else if (std::vector<long> who;
               port_listener(s.port, &who) && std::find(who.begin(), who.end(), *st.pid) != who.end()) {
        st.alive = true;
    } else {
        st.why = "process " + pid + " ('" + cmd->substr(0, 120) +
                 "') is not this OMERO.web's gunicorn (not started with " + s.pid_file().string() +
                 ", not listening on " + s.upstream() + ")";
    }
    return st;
}

void remove_stale(Context& c, const Settings& s, const PidState& p) {
    if (p.alive || (!p.pid && p.why.empty())) return;
    std::error_code ec;
    fs::remove(s.pid_file(), ec);
    c.err("WARNING: Removed stale " + s.pid_file().string() + " (" + p.why + ")\n");
}

std::optional<int> http_status(const std::string& host, int port, const std::string& path, int timeout_ms,
                               std::string* why) {
    auto fail = [&](const std::string& w) -> std::optional<int> {
        if (why) *why = w;
        return std::nullopt;
    };
    std::string h = host;
    if (h.size() > 2 && h.front() == '[') h = h.substr(1, h.size() - 2);
    addrinfo hints{}, *res = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (int rc = getaddrinfo(h.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0)
        return fail(std::string("cannot resolve ") + h + ": " + gai_strerror(rc));
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        freeaddrinfo(res);
        return fail(std::strerror(errno));
    }
    int rc = connect(fd, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    auto wait = [&](short ev) {
        pollfd p{fd, ev, 0};
        return poll(&p, 1, timeout_ms) == 1;
    };
    std::string where = host + ":" + std::to_string(port);
    if (rc != 0 && errno != EINPROGRESS) {
        int e = errno;
        close(fd);
        return fail(where + ": " + std::strerror(e));
    }
    if (rc != 0) {
        int err = 0;
        socklen_t len = sizeof err;
        if (!wait(POLLOUT)) {
            close(fd);
            return fail(where + ": no answer within " + std::to_string(timeout_ms) + " ms");
        }
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) {
            close(fd);
            return fail(where + ": " + std::strerror(err));
        }
    }
    std::string req = "GET " + path + " HTTP/1.0\r\nHost: " + where + "\r\nUser-Agent: omero-web-probe\r\n\r\n";
    if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
        close(fd);
        return fail(where + ": cannot send the request");
    }
    std::string got;
    char buf[512];
    while (got.find("\r\n") == std::string::npos && got.size() < 4096) {
        if (!wait(POLLIN)) break;
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    if (got.size() < 12 || got.compare(0, 5, "HTTP/") != 0)
        return fail(where + ": no HTTP answer within " + std::to_string(timeout_ms) + " ms");
    return std::atoi(got.c_str() + got.find(' ') + 1);
}

}  // namespace omero::web
