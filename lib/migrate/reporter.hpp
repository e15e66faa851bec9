// reporter.hpp - how the migration engine (lib/migrate) talks to whoever runs it: a plugin
// command passes one that forwards to the host's services; a test can pass
// its own. The engine never prints directly.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string_view>

namespace omero::migrate {

class Reporter {
public:
    virtual ~Reporter() = default;
    // True when the user asked for JSON: info() lines are then dropped and
    // event() objects carry everything.
    virtual bool json() const = 0;
    // A line for the sysadmin (stderr), without its newline.
    virtual void info(std::string_view line) = 0;
    // One JSON event ({"event": ...}) on stdout under --json.
    virtual void event(const nlohmann::json& e) = 0;
    virtual void progress(uint64_t done, uint64_t total, std::string_view label) = 0;
    virtual void progress_done() = 0;
    // True once the user asked to stop (Ctrl-C, SIGTERM).
    virtual bool cancelled() = 0;
};

}  // namespace omero::migrate
