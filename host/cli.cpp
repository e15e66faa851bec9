#include "cli.hpp"

#include "args.hpp"
#include "cli_log.hpp"
#include "first_party.hpp"
#include "plugin_guard.hpp"
#include "loader.hpp"
#include "services.hpp"
#include "version.hpp"

#include <omero/exit_codes.h>

#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>

namespace fs = std::filesystem;

namespace omero::host {

namespace {


void err(const std::string& s) {
    std::fflush(stdout);
    std::fputs(s.c_str(), stderr);
}

std::string join(const std::vector<std::string>& v, size_t from, size_t to, const char* sep = " ") {
    std::string s;
    for (size_t i = from; i < to && i < v.size(); ++i) s += (i > from ? sep : "") + v[i];
    return s;
}

}  // namespace

std::vector<PluginEntry> Cli::search(bool deep, std::string only) const {
    return discover({globals_.paths, globals_.no_plugins, deep, std::move(only)}, builtin_commands(),
                    first_party_plugins());
}

const std::vector<PluginEntry>& Cli::plugins(bool deep) {
    if (!plugins_ || (deep && !deep_)) {
        plugins_ = search(deep);
        deep_ = deep;
        commands_cache_.clear();
    }
    return *plugins_;
}

// `omero config get K` needs the config plugin alone. When the first word
// names a first-party plugin, only that plugin's manifest is looked for
// (one stat per search dir instead of reading every manifest: most of a
// plugin command's start-up with a dozen plugins installed). The answer is
// the full search's: no other plugin may declare a command under a
// first-party name (discover() refuses it), and the first manifest of a name
// wins in both. It is used only when that plugin is usable and declares
// nothing outside its own name (a command elsewhere could be taken by
// another plugin first); otherwise every plugin is read, as before.
std::vector<PluginEntry>* Cli::narrowed(const std::string& word) {
    if (globals_.no_plugins || plugins_) return nullptr;  // nothing to save
    const auto& fp = first_party_plugins();
    if (std::find(fp.begin(), fp.end(), word) == fp.end()) return nullptr;
    auto [it, fresh] = narrowed_.try_emplace(word);
    if (fresh) {
        std::vector<PluginEntry> found = search(false, word);
        bool usable = !found.empty() && found.front().state == PluginState::ok &&
                      std::all_of(found.front().manifest->commands.begin(), found.front().manifest->commands.end(),
                                  [&](const CommandInfo& c) { return c.top() == word; });
        if (usable) it->second = std::move(found);
    }
    return it->second ? &*it->second : nullptr;
}

std::vector<PluginEntry>& Cli::view() {
    if (view_) return *view_;
    plugins();
    return *plugins_;
}

const std::vector<CommandSource>& Cli::commands() {
    const std::vector<PluginEntry>& v = view();
    if (commands_cache_.empty() || cache_view_ != &v) {
        commands_cache_.clear();
        for (const Builtin& b : builtin_table()) commands_cache_.push_back({b.info, ""});
        for (const PluginEntry& e : v)
            if (e.state == PluginState::ok)
                for (const CommandInfo& c : e.manifest->commands) commands_cache_.push_back({c, e.name});
        cache_view_ = &v;
    }
    return commands_cache_;
}

void Cli::load_details() {
    bool changed = false;
    for (PluginEntry& e : view())
        if (e.state == PluginState::ok && !e.manifest->details) {
            try {
                e.manifest = read_manifest(e.manifest_path, /*details=*/true);
            } catch (const std::exception&) {
                // Read moments ago: keep the summary if it vanished since.
            }
            changed = true;
        }
    if (changed) commands_cache_.clear();
}

std::vector<std::string> Cli::not_installed() {
    std::vector<std::string> out;
    if (globals_.no_plugins) return out;
    for (const std::string& name : first_party_plugins()) {
        bool found = std::any_of(plugins().begin(), plugins().end(), [&](const PluginEntry& e) {
            return e.name == name && e.state != PluginState::shadowed;
        });
        if (!found) out.push_back(name);
    }
    return out;
}

std::vector<const CommandInfo*> Cli::children(const std::string& path) {
    std::vector<const CommandInfo*> out;
    commands();
    for (const CommandSource& c : commands_cache_) {
        const std::string& p = c.info.path;
        if (p.size() > path.size() && p.compare(0, path.size() + 1, path + " ") == 0 &&
            p.find(' ', path.size() + 1) == std::string::npos)
            out.push_back(&c.info);
    }
    std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->path < b->path; });
    return out;
}

Cli::Resolved Cli::resolve(const std::vector<std::string>& args) {
    Resolved r;
    std::string path;
    for (size_t i = 0; i < args.size(); ++i) {
        if (!args[i].empty() && args[i][0] == '-') break;
        path = path.empty() ? args[i] : path + " " + args[i];
        bool matched = false;
        for (const Builtin& b : builtin_table())
            if (b.info.path == path) {
                r = {&b.info, &b, nullptr, i + 1};
                matched = true;
            }
        if (!matched)
            for (const PluginEntry& e : view())
                if (e.state == PluginState::ok)
                    for (const CommandInfo& c : e.manifest->commands)
                        if (c.path == path) {
                            r = {&c, nullptr, &e, i + 1};
                            matched = true;
                        }
        if (!matched) break;
    }
    return r;
}

int Cli::unknown(const std::vector<std::string>& args, const Resolved& partial) {
    if (partial.info) {
        // A group with a missing or wrong subcommand.
        std::string group = partial.info->path;
        if (partial.words >= args.size() || args[partial.words][0] == '-') {
            load_details();
            err(command_help(*find(group), children(group)));
            return OMERO_EXIT_USAGE;
        }
        const std::string& word = args[partial.words];
        std::vector<std::string> names;
        for (const CommandInfo* c : children(group)) names.push_back(c->path.substr(group.size() + 1));
        std::string msg = "omero " + group + ": '" + word + "' is not an 'omero " + group + "' command.";
        auto s = suggestions(word, names);
        if (!s.empty()) msg += " Did you mean '" + s.front() + "'?";
        err(msg + "\nSee 'omero help " + group + "'.\n");
        return OMERO_EXIT_USAGE;
    }
    const std::string& name = args[0];
    // A plugin that claims the command but cannot be used: say why.
    auto unavailable = [&](const std::string& msg) {
        host_context()->last_error = msg;
        if (!host_context()->errors_to_caller) err("omero: " + msg + "\n");
        return OMERO_EXIT_PLUGIN_UNAVAILABLE;
    };
    for (const PluginEntry& e : plugins())
        if (e.state != PluginState::ok && e.state != PluginState::shadowed && e.manifest)
            for (const CommandInfo& c : e.manifest->commands)
                if (c.top() == name)
                    return unavailable("command '" + name + "' is provided by plugin '" + e.name + "', which is " +
                                       state_name(e.state) + ": " + e.reason);
    for (const PluginEntry& e : plugins())
        if (e.name == name && e.state != PluginState::ok)
            return unavailable("plugin '" + name + "' is " + state_name(e.state) + ": " + e.reason);
    for (const std::string& fp : first_party_plugins())
        if (name == fp)
            return unavailable("command '" + name + "' is provided by plugin '" + name +
                               "', which is not installed; install package " + package_of(name));
    std::vector<std::string> names;
    for (const CommandSource& c : commands())
        if (c.info.path.find(' ') == std::string::npos && !c.info.hidden) names.push_back(c.info.path);
    for (const std::string& fp : first_party_plugins()) names.push_back(fp);
    std::string msg = "omero: '" + name + "' is not an omero command. See 'omero help'.\n";
    auto s = suggestions(name, names);
    if (!s.empty()) {
        msg += "\nThe most similar command" + std::string(s.size() > 1 ? "s are" : " is") + "\n";
        for (const std::string& x : s) msg += "\t" + x + "\n";
    }
    err(msg);
    return OMERO_EXIT_USAGE;
}

int Cli::help(const std::vector<std::string>& words) {
    if (words.empty()) {
        std::string text = overview(commands(), not_installed());
        size_t broken = std::count_if(plugins().begin(), plugins().end(), [](const PluginEntry& e) {
            return e.state == PluginState::invalid || e.state == PluginState::refused ||
                   e.state == PluginState::incompatible;
        });
        if (broken) text += std::to_string(broken) + " plugin(s) cannot be used; see 'omero plugin list'.\n";
        std::fputs(text.c_str(), stdout);
        return OMERO_EXIT_OK;
    }
    load_details();
    Resolved r = resolve(words);
    if (!r.info || r.words < words.size()) {
        if (r.info) return unknown(words, r);
        err("omero help: unknown help topic or command: " + join(words, 0, words.size()) + "\n");
        std::vector<std::string> names;
        for (const CommandSource& c : commands()) names.push_back(c.info.path);
        auto s = suggestions(join(words, 0, words.size()), names);
        if (!s.empty()) err("Did you mean '" + s.front() + "'?\n");
        return OMERO_EXIT_USAGE;
    }
    std::fputs(command_help(*r.info, children(r.info->path)).c_str(), stdout);
    return OMERO_EXIT_OK;
}

const CommandInfo* Cli::find(const std::string& path) {
    // Built-ins first: naming one must not cost a plugin scan. Then the
    // plugins in view, in commands()'s order, without copying them there.
    for (const Builtin& b : builtin_table())
        if (b.info.path == path) return &b.info;
    for (const PluginEntry& e : view())
        if (e.state == PluginState::ok)
            for (const CommandInfo& c : e.manifest->commands)
                if (c.path == path) return &c;
    return nullptr;
}

// "config --source F get K" (an option of the group before the subcommand,
// as omero-py accepts it) becomes "config get --source F K".
std::vector<std::string> Cli::hoist_group_options(const std::vector<std::string>& args) {
    std::vector<std::string> words, hoisted;
    std::string path;
    size_t i = 0;
    for (; i < args.size(); ++i) {
        const std::string& a = args[i];
        const CommandInfo* group = path.empty() ? nullptr : find(path);
        if (!a.empty() && a[0] == '-' && a != "--" && group && group->group) {
            load_details();  // the group's options
            group = find(path);
            const OptionInfo* o = nullptr;
            for (const OptionInfo& x : group->options)
                if (a == "--" + x.name || a.rfind("--" + x.name + "=", 0) == 0 ||
                    (x.short_name && a == std::string("-") + x.short_name))
                    o = &x;
            if (!o) break;
            hoisted.push_back(a);
            if (o->takes_value() && a.find('=') == std::string::npos && i + 1 < args.size()) hoisted.push_back(args[++i]);
            continue;
        }
        std::string next = path.empty() ? a : path + " " + a;
        if (a.empty() || a[0] == '-' || !find(next)) break;
        path = next;
        words.push_back(a);
    }
    if (hoisted.empty()) return args;
    words.insert(words.end(), hoisted.begin(), hoisted.end());
    words.insert(words.end(), args.begin() + static_cast<long>(i), args.end());
    return words;
}

int Cli::dispatch(const std::vector<std::string>& original) {
    if (original.empty()) return help({});
    // This command line's view; a command run from a command gets its own.
    struct ViewScope {
        Cli& cli;
        std::vector<PluginEntry>* saved;
        ~ViewScope() { cli.view_ = saved; }
    } scope{*this, view_};
    view_ = narrowed(original.front());
    const std::vector<std::string> args = hoist_group_options(original);
    Resolved r = resolve(args);
    if (!r.info) return unknown(args, r);
    std::vector<std::string> rest(args.begin() + static_cast<long>(r.words), args.end());
    if (wants_help(rest)) return help(std::vector<std::string>(args.begin(), args.begin() + static_cast<long>(r.words)));
    if (r.info->group) return unknown(args, r);
    omero_host* h = host_context();
    h->command = r.info->path;
    if (r.builtin) {
        ParsedArgs parsed;
        try {
            parsed = parse_args(*r.info, rest);
        } catch (const UsageError& e) {
            err("omero " + r.info->path + ": error: " + e.what() + "\n" + usage_line(*r.info) + "\n");
            return OMERO_EXIT_USAGE;
        }
        return r.builtin->run(*this, parsed);
    }
    return run_plugin(r, rest);
}

int Cli::run_plugin(const Resolved& r, const std::vector<std::string>& rest) {
    omero_host* h = host_context();
    const PluginEntry& e = *r.plugin;
    const std::string& path = r.info->path;
    auto fail = [&](int code, const std::string& msg) {
        h->last_error = msg;
        if (!h->errors_to_caller) err("omero " + path + ": error: " + msg + "\n");
        return code;
    };

    h->server_dir = server_dir_from_env();
    if (r.info->needs_server_dir) {
        if (int rc = check_server_dir(*h); rc != OMERO_OK)
            return fail(rc == OMERO_E_NO_SERVER_DIR ? OMERO_EXIT_NO_SERVER_DIR : OMERO_EXIT_SERVER_DIR_MISSING,
                        h->last_error);
    }

    LoadedPlugin lp;
    try {
        lp = load_plugin(e, host_api(), h);
    } catch (const LoadError& ex) {
        return fail(OMERO_EXIT_PLUGIN_UNAVAILABLE, ex.what());
    }
    const omero_command_spec* spec = nullptr;
    for (size_t i = 0; i < lp.api->n_commands; ++i)
        if (lp.api->commands[i]->path && path == lp.api->commands[i]->path) spec = lp.api->commands[i];
    if (!spec || !spec->run) return fail(OMERO_EXIT_PLUGIN_UNAVAILABLE, "plugin '" + e.name + "' has no handler");

    CommandInfo info = to_info(*spec);
    ParsedArgs parsed;
    try {
        parsed = parse_args(info, rest);
    } catch (const UsageError& ex) {
        err("omero " + path + ": error: " + ex.what() + "\n" + usage_line(info) + "\n");
        return OMERO_EXIT_USAGE;
    }

    // The invocation points into `parsed`, which outlives the call.
    std::vector<std::vector<omero_str>> value_strs(info.options.size());
    std::vector<omero_values> values(info.options.size());
    std::vector<std::string> defaults(info.options.size());
    for (size_t i = 0; i < info.options.size(); ++i) {
        const OptionInfo& o = info.options[i];
        if (parsed.counts[i] == 0 && o.takes_value() && !o.default_value.empty()) {
            // Not given: the default, canonical (count stays 0). Checked when the manifest was made.
            try {
                defaults[i] = check_value(o, o.default_value);
                value_strs[i].push_back({defaults[i].data(), defaults[i].size()});
            } catch (const UsageError&) {
            }
        }
        for (const std::string& v : parsed.values[i]) value_strs[i].push_back({v.data(), v.size()});
        values[i] = {parsed.counts[i], value_strs[i].empty() ? nullptr : value_strs[i].data()};
        if (info.options[i].json && parsed.counts[i]) h->json = true;
    }
    std::vector<omero_str> positional;
    for (const std::string& a : parsed.positionals) positional.push_back({a.data(), a.size()});
    omero_invocation inv{sizeof inv, spec->path, values.size(), values.data(), positional.size(),
                         positional.empty() ? nullptr : positional.data()};

    auto start = std::chrono::steady_clock::now();
    h->reported_error.clear();
    int rc;
    {
        CrashGuard crash(e.name, "'omero " + path + "'");
        try {
            rc = spec->run(host_api(), h, spec, &inv);
        } catch (...) {
            // Nothing may cross the ABI; a plugin not built with the SDK's thunks might.
            return fail(OMERO_EXIT_FAILURE, "plugin '" + e.name + "' let an exception escape from 'omero " + path +
                                                "' (a bug in the plugin; report it to its vendor)");
        }
    }
    std::fflush(stdout);
    if (rc != 0 && h->json && !h->reported_error.empty()) {
        // Under --json a reported failure is also one JSON object on stdout (a
        // status such as `db status` exiting 2 is an answer, not a failure).
        std::string line = nlohmann::json{{"event", "error"}, {"command", path}, {"code", rc},
                                          {"message", h->reported_error}}
                               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        host_api()->emit_json(h, line.data(), line.size() - 1);
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (h->server_dir) append_cli_log(*h->server_dir, path, rc, seconds);
    if (globals_.profile) err("omero " + path + ": " + std::to_string(seconds) + " s\n");
    return rc;
}

std::vector<std::string> split_words(const std::string& line) {
    std::vector<std::string> words;
    std::string cur;
    bool in_word = false;
    char quote = 0;
    for (size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (quote) {
            if (c == quote) {
                quote = 0;
            } else if (c == '\\' && quote == '"' && i + 1 < line.size() &&
                       (line[i + 1] == '"' || line[i + 1] == '\\')) {
                cur += line[++i];
            } else {
                cur += c;
            }
        } else if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else if (c == '\\' && i + 1 < line.size()) {
            cur += line[++i];
            in_word = true;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (in_word) words.push_back(cur);
            cur.clear();
            in_word = false;
        } else {
            cur += c;
            in_word = true;
        }
    }
    if (in_word) words.push_back(cur);
    return words;
}

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

static void setup_logging(const Globals& g) {
    g_log_level = g.debug >= 2 ? spdlog::level::trace
                  : g.debug == 1 ? spdlog::level::debug
                  : g.quiet      ? spdlog::level::err
                                 : spdlog::level::warn;
}

// Parses -d's comma list: 0, debug, 1-9, t/trace, p/profile (as omero-py).
static int parse_debug(const std::string& value, Globals& g) {
    bool trace = false;
    size_t start = 0;
    for (size_t i = 0; i <= value.size(); ++i) {
        if (i < value.size() && value[i] != ',') continue;
        std::string w = value.substr(start, i - start);
        start = i + 1;
        if (w == "0") g.debug = 0;
        else if (w == "debug") g.debug = std::max(g.debug, 1);
        else if (w.size() == 1 && w[0] >= '1' && w[0] <= '9') g.debug = std::max(g.debug, w[0] - '0');
        else if (w == "t" || w == "trace") trace = true;
        else if (w == "p" || w == "profile") g.profile = true;
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
        if (a == "-h" || a == "--help") g.help = true;
        else if (a == "-v" || a == "--version") g.version = true;
        else if (a == "--no-plugins") g.no_plugins = true;
        else if (a == "-q" || a == "--quiet") g.quiet = true;
        else if (auto d = a.rfind("--debug", 0) == 0 ? value("--debug") : a.rfind("-d", 0) == 0 ? value("-d") : std::nullopt) {
            if (int rc = parse_debug(*d, g)) return rc;
        } else if (auto p = a.rfind("--path", 0) == 0 ? value("--path") : std::nullopt) {
            g.paths.push_back(*p);
        } else {
            err("omero: unknown option '" + a + "'\nusage: omero [-h] [-v] [-d LEVEL] [--path DIR] [--no-plugins] [-q] "
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
    host_context()->dispatch = [&cli](const std::vector<std::string>& words) { return cli.dispatch(words); };
    // The hop services see every plugin (found when first asked).
    host_context()->all_plugins = [&cli]() -> const std::vector<PluginEntry>& { return cli.plugins(); };
    if (g.help) return cli.help(args);
    // No command and input from a pipe: run the lines as commands (as omero-py does).
    if (args.empty() && !isatty(0)) return cli.dispatch({"load", "-"});
    return cli.dispatch(args);
}

}  // namespace omero::host
