#include "services.hpp"

#include "config_service.hpp"
#include "first_party.hpp"
#include "loader.hpp"
#include "version.hpp"

#include <omero/exit_codes.h>

#include <spdlog/spdlog.h>

#include <cctype>
#include <csignal>
#include <atomic>
#include <type_traits>
#include <mutex>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sys/ioctl.h>
#include <unistd.h>

namespace omero::host {

namespace {

volatile std::sig_atomic_t g_interrupts = 0;
std::once_flag g_handler_once;

extern "C" void on_sigint(int) {
    // The first Ctrl-C asks the command to stop cleanly; a second one is final.
    if (g_interrupts > 0) _exit(130);
    g_interrupts = 1;
}

// Every service is called from plugin code through a C function pointer:
// nothing may unwind out of it. A failure becomes the service's error value.
template <class F>
auto no_throw(omero_host* h, F&& f, decltype(f()) on_error) noexcept -> decltype(f()) {
    try {
        return f();
    } catch (const std::exception& e) {
        if (h) h->last_error = e.what();
    } catch (...) {
        if (h) h->last_error = "unexpected error in the host";
    }
    return on_error;
}

// Stdout of the running command: the real one, or a caller's capture.
void to_stdout(omero_host* h, const char* p, size_t n) {
    if (h->capture) {
        h->capture(h->capture_user, p, n);
        return;
    }
    std::fflush(stdout);
    write_all(1, p, n);
}

void h_write(omero_host* h, int stream, const char* p, size_t n) {
    if (stream == OMERO_STDERR) {
        write_all(2, p, n);
        return;
    }
    if (h->json) {
        // Under --json stdout carries JSON only: text becomes an output event.
        std::string line =
            nlohmann::json{{"event", "output"}, {"command", h->command}, {"text", std::string_view(p, n)}}.dump(
                -1, ' ', false, nlohmann::json::error_handler_t::replace) +
            "\n";
        to_stdout(h, line.data(), line.size());
        return;
    }
    to_stdout(h, p, n);
}

void h_log(omero_host*, int level, const char* p, size_t n) {
    static const spdlog::level::level_enum map[] = {spdlog::level::trace, spdlog::level::debug, spdlog::level::info,
                                                    spdlog::level::warn, spdlog::level::err};
    int i = level < 0 ? 0 : level > 4 ? 4 : level;
    host_logger().log(map[i], "{}", std::string_view(p, n));
}

int h_json_mode(omero_host* h) { return h->json ? 1 : 0; }

void h_emit_json(omero_host* h, const char* p, size_t n) {
    std::string line(p, n);
    line += '\n';
    to_stdout(h, line.data(), line.size());
}

// The frame whose progress state is the terminal's: the root.
omero_host* terminal(omero_host* h) {
    while (h->parent) h = h->parent;
    return h;
}

void h_progress(omero_host* frame, uint64_t done, uint64_t total, const char* label, size_t len) {
    const bool json = frame->json, quiet = frame->quiet;
    omero_host* h = terminal(frame);
    using clock = std::chrono::steady_clock;
    auto now = clock::now();
    if (!h->progress_shown) {
        h->progress_start = now;
        h->progress_last = now - std::chrono::hours(1);
    }
    bool last = total > 0 && done >= total;
    double elapsed = std::chrono::duration<double>(now - h->progress_start).count();
    std::string_view what(label, len);
    std::string_view first_line = what.substr(0, what.find('\n'));  // for text output
    if (json) {
        if (!last && now - h->progress_last < std::chrono::milliseconds(100)) return;
        nlohmann::json j = {{"event", "progress"}, {"command", frame->command}, {"done", done},
                            {"total", total},      {"elapsed", elapsed},        {"label", what}};
        std::string s = j.dump() + "\n";
        to_stdout(frame, s.data(), s.size());
    } else if (isatty(2)) {
        if (!last && now - h->progress_last < std::chrono::milliseconds(50)) return;
        const int width = 30;
        int filled = total ? static_cast<int>(width * done / total) : 0;
        // The label gets what the terminal has left after the bar and counts.
        winsize ws{};
        size_t cols = ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
        size_t room = cols > 70 ? std::min<size_t>(cols - 55, 180) : 15;
        std::string first(first_line.size() > room ? std::string(first_line.substr(0, room - 3)) + "..."
                                                   : std::string(first_line));
        char buf[320];
        std::snprintf(buf, sizeof buf, "\r\033[K[%s%s] %llu/%llu %.1fs %s", std::string(filled, '#').c_str(),
                      std::string(width - filled, ' ').c_str(), (unsigned long long)done, (unsigned long long)total,
                      elapsed, first.c_str());
        write_all(2, buf, std::strlen(buf));
    } else if (!quiet) {
        // Plain lines for logs: at most one a second when the step changes,
        // one every ten seconds while a long one runs, and the last one.
        std::string first(first_line);
        // The step without its numbers (percentages, times): a new phase is
        // a new step, a running count is not.
        std::string step;
        for (char c : first)
            if (!std::isdigit(static_cast<unsigned char>(c))) step += c;
        auto quiet_for = step == h->progress_label ? std::chrono::seconds(10) : std::chrono::seconds(1);
        if (!last && now - h->progress_last < quiet_for) return;
        h->progress_label = step;
        char buf[512];
        std::snprintf(buf, sizeof buf, "%llu/%llu %.1fs %s\n", (unsigned long long)done, (unsigned long long)total,
                      elapsed, first.c_str());
        write_all(2, buf, std::strlen(buf));
    }
    h->progress_shown = true;
    h->progress_last = now;
}

void h_progress_done(omero_host* frame) {
    omero_host* h = terminal(frame);
    if (h->progress_shown && !frame->json && isatty(2)) write_all(2, "\n", 1);
    h->progress_shown = false;
}

int h_server_dir(omero_host* h, omero_sink sink, void* user) {
    if (int rc = check_server_dir(*h); rc != OMERO_OK) return rc;
    std::string s = h->server_dir->string();
    sink(user, s.data(), s.size());
    return OMERO_OK;
}

int h_config_get(omero_host* h, const char* key, size_t n, omero_sink sink, void* user) {
    return config_get(*h, std::string(key, n), sink, user);
}

int h_config_set(omero_host* h, const char* key, size_t kn, const char* value, size_t vn) {
    std::optional<std::string> v;
    if (value) v.emplace(value, vn);
    return config_set(*h, std::string(key, kn), v);
}

// The handler is installed the first time a command asks (so a command that
// never polls is still stopped by Ctrl-C at once); any thread may ask.
int h_cancelled(omero_host*) {
    std::call_once(g_handler_once, [] {
        struct sigaction sa {};
        sa.sa_handler = on_sigint;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);
        sigaction(SIGHUP, &sa, nullptr);
    });
    return g_interrupts > 0;
}

int h_is_tty(omero_host*, int stream) { return isatty(stream == OMERO_STDERR ? 2 : 1); }

void h_last_error(omero_host* h, omero_sink sink, void* user) {
    sink(user, h->last_error.data(), h->last_error.size());
}

void h_report_error(omero_host* h, const char* p, size_t n) {
    h->reported_error.assign(p, n);
    if (h->errors_to_caller) return;
    std::string msg = "omero " + h->command + ": error: " + std::string(p, n);
    if (msg.back() != '\n') msg += '\n';
    if (terminal(h)->progress_shown && !h->json && isatty(2)) msg = "\n" + msg;
    write_all(2, msg.data(), msg.size());
}

// Every plugin found (nullptr outside a command line, e.g. in unit tests).
const std::vector<PluginEntry>* all_plugins(omero_host* h) { return h->all_plugins ? &h->all_plugins() : nullptr; }

int h_for_each_hop(omero_host* h, omero_hop_sink sink, void* user) {
    const std::vector<PluginEntry>* plugins = all_plugins(h);
    if (!plugins) return OMERO_OK;
    for (const PluginEntry& e : *plugins) {
        if (e.state != PluginState::ok || e.manifest->hops.empty()) continue;
        try {
            LoadedPlugin lp = load_library(e.library_path, host_api(), h);
            if (lp.api->struct_size < offsetof(omero_plugin_api, n_hops) + sizeof lp.api->n_hops) continue;
            for (size_t i = 0; i < lp.api->n_hops; ++i) sink(user, lp.api->name, lp.api->hops[i]);
        } catch (const LoadError& ex) {
            // One broken plugin never hides the others' hops.
            host_logger().warn("plugin '{}' ({}) is {}: {}; its hops are skipped", e.name, e.library_path.string(),
                               state_name(ex.state), ex.what());
        }
    }
    return OMERO_OK;
}

int h_list_hops(omero_host* h, omero_hop_info_sink sink, void* user) {
    const std::vector<PluginEntry>* plugins = all_plugins(h);
    if (!plugins) return OMERO_OK;
    auto str = [](const std::string& s) { return omero_str{s.data(), s.size()}; };
    for (const PluginEntry& e : *plugins) {
        // A plugin the admin disabled serves nothing; a broken one is listed as unusable.
        if (!e.manifest || e.state == PluginState::shadowed || e.state == PluginState::disabled) continue;
        const std::string package = package_of(e.name);
        for (const HopInfo& hop : e.manifest->hops) {
            omero_hop_info info{};
            info.struct_size = sizeof info;
            info.plugin = str(e.name);
            info.plugin_version = str(e.manifest->version);
            info.from = str(hop.from);
            info.to = str(hop.to);
            info.summary = str(hop.summary);
            info.notes = str(hop.notes);
            info.flags = hop.flags;
            info.usable = e.state == PluginState::ok;
            std::string reason = info.usable ? "" : std::string(state_name(e.state)) + ": " + e.reason;
            info.reason = str(reason);
            info.package = str(package);
            sink(user, &info);
        }
    }
    // A first-party hop plugin this release ships but this machine lacks (a
    // packager's subset): named by the release its hop starts from
    // ("hop-4-2" serves OMERO4.2__x), so `db` can refuse that hop and name
    // the package instead of running the release's script without it.
    for (const std::string& name : first_party_plugins()) {
        unsigned major = 0, minor = 0;
        char tail = 0;
        if (std::sscanf(name.c_str(), "hop-%u-%u%c", &major, &minor, &tail) != 2) continue;
        bool present = false;
        for (const PluginEntry& e : *plugins) present |= e.name == name;
        if (present) continue;
        // Every 3.x release's database is OMERO3A__<n> (3.2 is OMERO3A__11).
        const std::string from =
            major == 3 ? std::string("OMERO3A") : "OMERO" + std::to_string(major) + "." + std::to_string(minor);
        const std::string package = package_of(name), reason = "not installed";
        omero_hop_info info{};
        info.struct_size = sizeof info;
        info.plugin = str(name);
        info.from = str(from);
        info.reason = str(reason);
        info.package = str(package);
        sink(user, &info);
    }
    return OMERO_OK;
}

int h_load_hop(omero_host* h, const char* plugin, const char* from, const char* to, const omero_upgrade_hop** out) {
    const std::vector<PluginEntry>* plugins = all_plugins(h);
    if (!plugins || !plugin || !from || !to || !out) return OMERO_E_FAILED;
    for (const PluginEntry& e : *plugins) {
        if (e.name != plugin || e.state == PluginState::shadowed) continue;
        if (e.state != PluginState::ok) {
            h->last_error = "plugin '" + e.name + "' is " + state_name(e.state) + ": " + e.reason;
            return OMERO_E_UNAVAILABLE;
        }
        try {
            LoadedPlugin lp = load_plugin(e, host_api(), h);
            if (lp.api->struct_size >= offsetof(omero_plugin_api, n_hops) + sizeof lp.api->n_hops)
                for (size_t i = 0; i < lp.api->n_hops; ++i) {
                    const omero_upgrade_hop* hop = lp.api->hops[i];
                    if (hop && hop->from && hop->to && std::strcmp(hop->from, from) == 0 &&
                        std::strcmp(hop->to, to) == 0) {
                        *out = hop;
                        return OMERO_OK;
                    }
                }
            h->last_error = "plugin '" + e.name + "' does not serve the hop " + from + " -> " + to;
            return OMERO_NOT_FOUND;
        } catch (const LoadError& ex) {
            h->last_error = ex.what() + std::string("; reinstall package ") + package_of(e.name);
            return OMERO_E_UNAVAILABLE;
        }
    }
    h->last_error = std::string("plugin '") + plugin + "' is not installed; install package " + package_of(plugin);
    return OMERO_E_UNAVAILABLE;
}

int h_run_command(omero_host* h, const omero_str* argv, size_t argc, omero_sink out, void* user) {
    if (!h->dispatch) {
        h->last_error = "no command line to run commands with";
        return OMERO_EXIT_FAILURE;
    }
    if (h->depth >= 8) {
        h->last_error = "commands run each other too deeply (8 levels)";
        return OMERO_EXIT_FAILURE;
    }
    std::vector<std::string> words;
    for (size_t i = 0; i < argc; ++i) words.emplace_back(argv[i].ptr ? argv[i].ptr : "", argv[i].len);
    // The command runs in its own frame: the caller's is left as it was.
    omero_host child;
    child.parent = h;
    child.depth = h->depth + 1;
    child.quiet = h->quiet;
    child.json = h->json;  // under the caller's --json its output stays JSON
    child.server_dir = h->server_dir;
    child.all_plugins = h->all_plugins;
    child.dispatch = h->dispatch;
    // Its stdout: the caller's sink when given, else wherever the caller's goes.
    child.capture = out ? out : h->capture;
    child.capture_user = out ? user : h->capture_user;
    child.errors_to_caller = out != nullptr;
    // A command run through here may change config.xml, or the caller may
    // have (an upgrade swaps the distribution): the child reads it afresh
    // (its cache starts empty), and so does the caller afterwards.
    h->config_cache.reset();
    int rc;
    try {
        rc = h->dispatch(child, words);
    } catch (const std::exception& e) {
        h->last_error = e.what();
        return OMERO_EXIT_FAILURE;
    }
    h->config_cache.reset();
    h->last_error = !child.last_error.empty() ? child.last_error : child.reported_error;
    return rc;
}

}  // namespace

// Wraps a service so that nothing unwinds into plugin code: a void service
// swallows the error, others return `on_error` (details in last_error()).
template <auto F, auto OnError = 0>
struct Safe {
    template <class... A>
    static auto call(omero_host* h, A... a) noexcept {
        using R = decltype(F(h, a...));
        if constexpr (std::is_void_v<R>) {
            no_throw(
                h,
                [&] {
                    F(h, a...);
                    return 0;
                },
                0);
        } else {
            return no_throw(
                h, [&] { return F(h, a...); }, static_cast<R>(OnError));
        }
    }
};

const omero_host_api* host_api() {
    static const omero_host_api api = {
        sizeof(omero_host_api),
        {kVersion, std::strlen(kVersion)},
        Safe<h_write>::call<int, const char*, size_t>,
        Safe<h_log>::call<int, const char*, size_t>,
        Safe<h_json_mode>::call<>,
        Safe<h_emit_json>::call<const char*, size_t>,
        Safe<h_progress>::call<uint64_t, uint64_t, const char*, size_t>,
        Safe<h_progress_done>::call<>,
        Safe<h_server_dir, OMERO_E_FAILED>::call<omero_sink, void*>,
        Safe<h_config_get, OMERO_E_FAILED>::call<const char*, size_t, omero_sink, void*>,
        Safe<h_config_set, OMERO_E_FAILED>::call<const char*, size_t, const char*, size_t>,
        Safe<h_cancelled>::call<>,
        Safe<h_is_tty>::call<int>,
        Safe<h_last_error>::call<omero_sink, void*>,
        Safe<h_report_error>::call<const char*, size_t>,
        Safe<h_for_each_hop, OMERO_E_FAILED>::call<omero_hop_sink, void*>,
        Safe<h_run_command, OMERO_EXIT_FAILURE>::call<const omero_str*, size_t, omero_sink, void*>,
        Safe<h_list_hops, OMERO_E_FAILED>::call<omero_hop_info_sink, void*>,
        Safe<h_load_hop, OMERO_E_FAILED>::call<const char*, const char*, const char*, const omero_upgrade_hop**>};
    return &api;
}

omero_host* host_context() {
    static omero_host* h = new omero_host();
    return h;
}

std::optional<std::filesystem::path> server_dir_from_env() {
    const char* d = std::getenv("OMERODIR");
    if (!d || !*d) return std::nullopt;
    return std::filesystem::path(d);
}

bool cancel_requested() { return g_interrupts > 0; }

int check_server_dir(omero_host& h) {
    if (!h.server_dir) {
        h.last_error = no_server_dir_message();
        return OMERO_E_NO_SERVER_DIR;
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(*h.server_dir, ec)) {
        h.last_error = server_dir_missing_message(*h.server_dir);
        return OMERO_E_SERVER_DIR_MISSING;
    }
    return OMERO_OK;
}

std::string server_dir_missing_message(const std::filesystem::path& dir) {
    std::error_code ec;
    bool exists = std::filesystem::exists(dir, ec);
    return "OMERODIR=" + dir.string() + (exists ? " is not a directory" : " does not exist") +
           "\nhint: point OMERODIR at the server directory (the one holding etc/ and var/)";
}

const char* no_server_dir_message() {
    return "OMERODIR is not set\nhint: export OMERODIR=/path/to/OMERO.server (the directory holding etc/ and var/), "
           "then run the command again";
}

static std::atomic<int> g_stdout_errno{0};

int stdout_write_error() { return g_stdout_errno.load(); }

void write_all(int fd, const char* p, size_t n) {
    while (n > 0) {
        ssize_t w = ::write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            // A reader that went away (EPIPE) is not a failure; a full disk is.
            if (fd == 1 && errno != EPIPE) g_stdout_errno = errno;
            return;
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
}

}  // namespace omero::host
