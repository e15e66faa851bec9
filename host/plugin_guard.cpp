#include "plugin_guard.hpp"

#include <omero/exit_codes.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace omero::host {

namespace {

// Preformatted, so the handler only calls async-signal-safe functions.
char g_message[512];
const char* g_active = nullptr;  // g_message while a guard is alive
const int kSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};

extern "C" void on_crash(int sig) {
    if (g_active) {
        const char* name = sigabbrev_np(sig);
        (void)!::write(2, g_active, std::strlen(g_active));
        if (name) {
            (void)!::write(2, "SIG", 3);
            (void)!::write(2, name, std::strlen(name));
        }
        (void)!::write(2, ")\n", 2);
    }
    signal(sig, SIG_DFL);  // die of the same signal, as without us (core dumps included)
    raise(sig);
}

void install() {
    static bool installed = false;
    if (installed) return;
    struct sigaction sa {};
    sa.sa_handler = on_crash;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_NODEFER;
    for (int s : kSignals) sigaction(s, &sa, nullptr);
    installed = true;
}

}  // namespace

CrashGuard::CrashGuard(const std::string& plugin, const std::string& what) : previous_(g_active) {
    install();
    std::snprintf(g_message, sizeof g_message,
                  "omero: plugin '%s' crashed in %s; report it to its vendor, or disable it with "
                  "OMERO_PLUGINS_DISABLE=%s (",
                  plugin.c_str(), what.c_str(), plugin.c_str());
    g_active = g_message;
}

CrashGuard::~CrashGuard() { g_active = previous_; }

namespace {
char g_timeout_message[640];

extern "C" void on_alarm(int) {
    (void)!::write(2, g_timeout_message, std::strlen(g_timeout_message));
    _exit(OMERO_EXIT_PLUGIN_UNAVAILABLE);
}
}  // namespace

Watchdog::Watchdog(const std::string& message, std::chrono::milliseconds limit) {
    std::snprintf(g_timeout_message, sizeof g_timeout_message, "%s\n", message.c_str());
    struct sigaction sa {};
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, nullptr);
    alarm(static_cast<unsigned>(std::max<long long>(1, (limit.count() + 999) / 1000)));
}

Watchdog::~Watchdog() {
    alarm(0);
    signal(SIGALRM, SIG_DFL);
}

std::chrono::milliseconds plugin_load_timeout() {
    const char* v = std::getenv("OMERO_PLUGIN_LOAD_TIMEOUT");
    double s = v && *v ? std::atof(v) : 10.0;
    if (s <= 0) s = 10.0;
    return std::chrono::milliseconds(static_cast<long long>(s * 1000));
}

}  // namespace omero::host
