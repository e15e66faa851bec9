// logger.cpp - the host's logger: stderr, "omero: LEVEL: text", its level
// from -d/-q, made on first use.
#include "cli.hpp"
#include "services.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>

namespace omero::host {

namespace {
std::atomic<int> g_log_level{spdlog::level::warn};
}

spdlog::logger& host_logger() {
    // Made when first used (thread-safe: plugins may log from their threads):
    // most commands never log, and building it is a tenth of a plugin
    // command's start-up.
    static std::shared_ptr<spdlog::logger> logger = [] {
        auto l = std::make_shared<spdlog::logger>("omero", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        l->set_pattern("omero: %l: %v");
        l->set_level(static_cast<spdlog::level::level_enum>(g_log_level.load()));
        return l;
    }();
    return *logger;
}

void setup_logging(const Globals& g) {
    g_log_level = g.debug >= 2   ? spdlog::level::trace
                  : g.debug == 1 ? spdlog::level::debug
                  : g.quiet      ? spdlog::level::err
                                 : spdlog::level::warn;
}

}  // namespace omero::host
