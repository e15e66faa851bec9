// plugin_guard.hpp - what the host does when plugin code misbehaves: a
// crash is reported in one line naming the plugin before the process dies
// as it would have; code that never returns (a negotiation that hangs) is
// cut off after a bound with exit 126. Neither can disable another plugin:
// each run of omero loads only the plugin it needs.
#pragma once

#include <chrono>
#include <string>

namespace omero::host {

// While alive, SIGSEGV, SIGBUS, SIGILL, SIGFPE and SIGABRT print
// "omero: plugin 'NAME' crashed (...) in WHAT; ..." and then kill the
// process with the same signal. Nests (the innermost names the culprit).
class CrashGuard {
public:
    CrashGuard(const std::string& plugin, const std::string& what);
    ~CrashGuard();
    CrashGuard(const CrashGuard&) = delete;

private:
    const char* previous_;
};

// While alive, a bound on how long plugin code may run (whole seconds, by
// SIGALRM: no thread on the start-up path): after `limit` the message goes
// to stderr and the process exits 126.
class Watchdog {
public:
    Watchdog(const std::string& message, std::chrono::milliseconds limit);
    ~Watchdog();
    Watchdog(const Watchdog&) = delete;
};

// OMERO_PLUGIN_LOAD_TIMEOUT (seconds, default 10): how long loading and
// negotiating with one plugin may take.
std::chrono::milliseconds plugin_load_timeout();

}  // namespace omero::host
