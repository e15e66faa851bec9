// The host's service table (omero_host_api): each service wrapped so that
// nothing unwinds into plugin code, and the services that are the frame's
// own (server_dir, config get/set, cancelled, last_error). The others are
// grouped by what they serve: see service_calls.hpp.
#include "service_calls.hpp"

#include "config_service.hpp"
#include "version.hpp"

#include <omero/exit_codes.h>

#include <unistd.h>

#include <csignal>
#include <cstring>
#include <mutex>
#include <type_traits>

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

void h_last_error(omero_host* h, omero_sink sink, void* user) {
    sink(user, h->last_error.data(), h->last_error.size());
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

}  // namespace omero::host
