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

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

namespace fs = std::filesystem;

namespace omero::host {

void err(const std::string& s) {
    std::fflush(stdout);
    std::fputs(s.c_str(), stderr);
}

namespace {

std::string join(const std::vector<std::string>& v, size_t from, size_t to, const char* sep = " ") {
    std::string s;
    for (size_t i = from; i < to && i < v.size(); ++i) s += (i > from ? sep : "") + v[i];
    return s;
}

}  // namespace

Cli::Cli(Globals g) : globals_(std::move(g)), frame_(host_context()) {}

int Cli::dispatch_in(omero_host& frame, const std::vector<std::string>& args) {
    struct FrameScope {
        Cli& cli;
        omero_host* saved;
        ~FrameScope() { cli.frame_ = saved; }
    } scope{*this, frame_};
    frame_ = &frame;
    return dispatch(args);
}

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

namespace {

// The command's words ask for JSON (its table's JSON switch, before any "--").
bool asks_json(const CommandInfo& info, const std::vector<std::string>& words) {
    for (const std::string& w : words) {
        if (w == "--") break;
        for (const OptionInfo& o : info.options)
            if (o.json && w == "--" + o.name) return true;
    }
    return false;
}

// Before its table is read (manifests keep no options at start-up) or where
// there is none: the SDK's switch, --json.
bool asks_json(const std::vector<std::string>& words) {
    for (const std::string& w : words) {
        if (w == "--") break;
        if (w == "--json") return true;
    }
    return false;
}

// Under --json a failure is also one JSON object on stdout, whoever raised it.
void emit_error_event(omero_host* h, const std::string& path, int code, const std::string& message) {
    std::string line = nlohmann::json{{"event", "error"}, {"command", path}, {"code", code}, {"message", message}}.dump(
        -1, ' ', false, nlohmann::json::error_handler_t::replace);
    host_api()->emit_json(h, line.data(), line.size());
}

}  // namespace

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
        frame_->last_error = msg;
        if (!frame_->errors_to_caller) err("omero: " + msg + "\n");
        if (!frame_->parent && (frame_->json || asks_json(args)))  // a nested command's caller says what failed
            emit_error_event(frame_, name, OMERO_EXIT_PLUGIN_UNAVAILABLE, msg);
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

// A plugin that serves database hops and has no command of its name
// (hop-4-1): what `omero help NAME` shows instead.
const PluginEntry* Cli::hop_plugin(const std::string& name) {
    for (const PluginEntry& e : plugins())
        if (e.name == name && e.manifest && !e.manifest->hops.empty() && e.state != PluginState::shadowed) return &e;
    return nullptr;
}

namespace {

// Text filled to `width` columns, each line after `indent`.
std::string fill(const std::string& text, const std::string& indent, size_t width = 78) {
    std::string out, line;
    auto flush = [&] {
        if (!line.empty()) out += indent + line + "\n";
        line.clear();
    };
    for (size_t at = 0; at < text.size();) {
        if (text[at] == '\n') {
            flush();
            ++at;
            continue;
        }
        size_t end = text.find_first_of(" \n", at);
        if (end == std::string::npos) end = text.size();
        std::string word = text.substr(at, end - at);
        if (!line.empty() && indent.size() + line.size() + 1 + word.size() > width) flush();
        if (!word.empty()) line += (line.empty() ? "" : " ") + word;
        at = end < text.size() && text[end] == ' ' ? end + 1 : end;
    }
    flush();
    return out;
}

std::string hop_plugin_help(const PluginEntry& e) {
    const Manifest& m = *e.manifest;
    std::string s = m.name + " " + m.version + " - " + m.summary + "\n";
    s += fill(std::string("A hop plugin: it has no commands; 'omero db upgrade' runs its hop") +
                  (m.hops.size() == 1 ? "" : "s") +
                  " (its checks, the fixes you ask for with --fix, the shims its SQL needs).",
              "");
    if (e.state != PluginState::ok)
        s += "It cannot be used: " + std::string(state_name(e.state)) + ": " + e.reason + "\n";
    s += "\nHops:\n";
    for (const HopInfo& h : m.hops) {
        s += "  " + h.from + " -> " + h.to + "\n";
        s += fill(h.summary, "    ");
        if (!h.notes.empty()) s += "\n" + fill(h.notes, "    ");
    }
    s += "\nIts checks against your database and its fixes: 'omero db status', or\n"
         "'omero db upgrade --dry-run'. The plugin itself: 'omero plugin info " +
         m.name + "'.\n";
    return s;
}

}  // namespace

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
    if (!r.info && words.size() == 1)
        if (const PluginEntry* e = hop_plugin(words[0])) {
            std::fputs(hop_plugin_help(*e).c_str(), stdout);
            return OMERO_EXIT_OK;
        }
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
            if (o->takes_value() && a.find('=') == std::string::npos && i + 1 < args.size())
                hoisted.push_back(args[++i]);
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
    if (wants_help(rest))
        return help(std::vector<std::string>(args.begin(), args.begin() + static_cast<long>(r.words)));
    if (r.info->group) return unknown(args, r);
    frame_->command = r.info->path;
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
    omero_host* h = frame_;
    const PluginEntry& e = *r.plugin;
    const std::string& path = r.info->path;
    // The host's own failures (OMERODIR, a plugin that cannot be loaded, a
    // usage error) answer in JSON too when the command line asked for it.
    // A nested command's caller says what failed.
    bool json = !h->parent && (h->json || asks_json(rest));
    auto fail = [&](int code, const std::string& msg) {
        h->last_error = msg;
        if (!h->errors_to_caller) err("omero " + path + ": error: " + msg + "\n");
        if (json) emit_error_event(h, path, code, msg);
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
        // Negotiation gets the root frame, valid for the process lifetime.
        lp = load_plugin(e, host_api(), host_context());
    } catch (const LoadError& ex) {
        return fail(OMERO_EXIT_PLUGIN_UNAVAILABLE, ex.what());
    }
    const omero_command_spec* spec = nullptr;
    for (size_t i = 0; i < lp.api->n_commands; ++i)
        if (lp.api->commands[i]->path && path == lp.api->commands[i]->path) spec = lp.api->commands[i];
    if (!spec || !spec->run) return fail(OMERO_EXIT_PLUGIN_UNAVAILABLE, "plugin '" + e.name + "' has no handler");

    CommandInfo info = to_info(*spec);
    json = !h->parent && (h->json || asks_json(info, rest));
    ParsedArgs parsed;
    try {
        parsed = parse_args(info, rest);
    } catch (const UsageError& ex) {
        err("omero " + path + ": error: " + ex.what() + "\n" + usage_line(info) + "\n");
        if (json) emit_error_event(h, path, OMERO_EXIT_USAGE, ex.what());
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
    omero_invocation inv{sizeof inv,    spec->path,        values.size(),
                         values.data(), positional.size(), positional.empty() ? nullptr : positional.data()};

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
    // A reported failure (a status such as `db status` exiting 2 is an answer, not a failure).
    if (rc != 0 && h->json && !h->reported_error.empty()) emit_error_event(h, path, rc, h->reported_error);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (h->server_dir) append_cli_log(*h->server_dir, path, rc, seconds);
    if (globals_.profile) err("omero " + path + ": " + std::to_string(seconds) + " s\n");
    return rc;
}

}  // namespace omero::host
