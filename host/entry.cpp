// entry.cpp - the program's entry: the busybox names (omero-<plugin>), the
// global options (-d's debug words as omero-py reads them), then the
// command line.
#include "cli.hpp"
#include "services.hpp"
#include "version.hpp"

#include <omero/exit_codes.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

namespace fs = std::filesystem;

namespace omero::host {

namespace {

// Parses -d's comma list: 0, debug, 1-9, t/trace, p/profile (as omero-py).
int parse_debug(const std::string& value, Globals& g) {
    bool trace = false;
    size_t start = 0;
    for (size_t i = 0; i <= value.size(); ++i) {
        if (i < value.size() && value[i] != ',') continue;
        std::string w = value.substr(start, i - start);
        start = i + 1;
        if (w == "0")
            g.debug = 0;
        else if (w == "debug")
            g.debug = std::max(g.debug, 1);
        else if (w.size() == 1 && w[0] >= '1' && w[0] <= '9')
            g.debug = std::max(g.debug, w[0] - '0');
        else if (w == "t" || w == "trace")
            trace = true;
        else if (w == "p" || w == "profile")
            g.profile = true;
        else {
            err("omero: Unknown debug action: " + w + "\n");
            return OMERO_EXIT_DEBUG_UNKNOWN;
        }
    }
    if (trace && g.profile) {
        err("omero: Conflicting debug options: " + value + " (trace and profile)\n");
        return OMERO_EXIT_DEBUG_CONFLICT;
    }
    if (trace) g.debug = std::max(g.debug, 2);
    return 0;
}

}  // namespace

int run_main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    // Busybox names: a link called omero-config runs `omero config ...`.
    std::string base = fs::path(argc > 0 ? argv[0] : "omero").filename().string();
    if (base.rfind("omero-", 0) == 0 && base.size() > 6) {
        std::vector<std::string> lead;
        size_t start = 6;
        for (size_t i = 6; i <= base.size(); ++i)
            if (i == base.size() || base[i] == '-') {
                if (i > start) lead.push_back(base.substr(start, i - start));
                start = i + 1;
            }
        args.insert(args.begin(), lead.begin(), lead.end());
    }

    Globals g;
    size_t i = 0;
    for (; i < args.size(); ++i) {
        const std::string& a = args[i];
        auto value = [&](const std::string& flag) -> std::optional<std::string> {
            if (a.size() > flag.size() + 1 && a.compare(0, flag.size() + 1, flag + "=") == 0)
                return a.substr(flag.size() + 1);
            if (flag.size() == 2 && a.size() > 2 && a.compare(0, 2, flag) == 0) return a.substr(2);
            if (a == flag && i + 1 < args.size()) return args[++i];
            return std::nullopt;
        };
        if (a == "--") {
            ++i;
            break;
        }
        if (a.empty() || a[0] != '-') break;
        if (a == "-h" || a == "--help")
            g.help = true;
        else if (a == "-v" || a == "--version")
            g.version = true;
        else if (a == "--no-plugins")
            g.no_plugins = true;
        else if (a == "-q" || a == "--quiet")
            g.quiet = true;
        else if (auto d = a.rfind("--debug", 0) == 0 ? value("--debug")
                          : a.rfind("-d", 0) == 0    ? value("-d")
                                                     : std::nullopt) {
            if (int rc = parse_debug(*d, g)) return rc;
        } else if (auto p = a.rfind("--path", 0) == 0 ? value("--path") : std::nullopt) {
            g.paths.push_back(*p);
        } else {
            err("omero: unknown option '" + a +
                "'\nusage: omero [-h] [-v] [-d LEVEL] [--path DIR] [--no-plugins] [-q] "
                "<command> [<args>]\n");
            return OMERO_EXIT_USAGE;
        }
    }
    args.erase(args.begin(), args.begin() + static_cast<long>(i));

    if (g.version) {
        std::printf("omero %s\n", kVersion);
        return OMERO_EXIT_OK;
    }
    setup_logging(g);
    host_context()->quiet = g.quiet;
    Cli cli(g);
    // Commands run other commands (run_command) through this same command line.
    host_context()->dispatch = [&cli](omero_host& frame, const std::vector<std::string>& words) {
        return cli.dispatch_in(frame, words);
    };
    // The hop services see every plugin (found when first asked).
    host_context()->all_plugins = [&cli]() -> const std::vector<PluginEntry>& { return cli.plugins(); };
    if (g.help) return cli.help(args);
    // No command and input from a pipe: run the lines as commands (as omero-py does).
    if (args.empty() && !isatty(0)) return cli.dispatch({"load", "-"});
    return cli.dispatch(args);
}

}  // namespace omero::host
