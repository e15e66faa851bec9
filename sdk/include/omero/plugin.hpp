// omero/plugin.hpp - header-only C++ layer over <omero/plugin_abi.h>.
//
// A plugin describes itself as an omero::sdk::Plugin (commands with their
// option tables and handlers, optional upgrade hops) and declares it with
// OMERO_PLUGIN(factory). Everything here is compiled into the plugin: no C++
// type crosses the boundary, and every exception is caught in the thunks and
// turned into an exit code plus a message.
//
//   static omero::sdk::Plugin make() {
//       omero::sdk::Plugin p{"hello", "1.0.0", "Example Org", "Says hello"};
//       p.command({.path = "hello", .summary = "Print a greeting",
//                  .options = {{.name = "name", .value_name = "WHO", .help = "whom to greet"}},
//                  .run = [](omero::sdk::Context& c) {
//                      c.out("hello " + std::string(c.value("name").value_or("world")) + "\n");
//                      return 0; }});
//       return p;
//   }
//   OMERO_PLUGIN(make)
#ifndef OMERO_PLUGIN_HPP
#define OMERO_PLUGIN_HPP

#include <omero/error.hpp>
#include <omero/exit_codes.h>
#include <omero/plugin_abi.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace omero::sdk {

namespace detail {
// Sinks run inside host frames: they must never throw. An allocation failure
// leaves the string as it was.
inline void append_sink(void* user, const char* p, size_t n) noexcept {
    try {
        static_cast<std::string*>(user)->append(p, n);
    } catch (...) {
    }
}
inline std::string_view view(const omero_str& s) { return {s.ptr ? s.ptr : "", s.len}; }
inline omero_str str(std::string_view s) { return {s.data(), s.size()}; }
template <class T>
bool has(const T* p, size_t end_of_field) {
    return p && p->struct_size >= end_of_field;
}
#define OMERO_SDK_HAS(ptr, type, field) \
    ::omero::sdk::detail::has(ptr, offsetof(type, field) + sizeof(((type*)0)->field))
}  // namespace detail

// The last line of a command's captured output that is a JSON object, ""
// when there is none: with --json every command ends with its result (or an
// {"event":"error",...}), so this is what to parse, with the JSON library
// of your choice:  c.run({"db", "status", "--json"}, &out); last_json_line(out)
inline std::string last_json_line(std::string_view captured) {
    size_t end = captured.size();
    while (end > 0) {
        size_t nl = captured.rfind('\n', end - 1);
        size_t start = nl == std::string_view::npos ? 0 : nl + 1;
        std::string_view line = captured.substr(start, end - start);
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' '))
            line.remove_suffix(1);
        if (line.size() >= 2 && line.front() == '{' && line.back() == '}') return std::string(line);
        if (nl == std::string_view::npos) break;
        end = nl;
    }
    return {};
}

// A hop as a manifest declares it (Context::hops()); nothing is loaded to list it.
struct HopInfo {
    std::string plugin, plugin_version, from, to, summary, notes, reason, package;
    uint32_t flags = 0;
    bool usable = true;
};

// What a handler sees: its arguments and the host's services.
class Context {
public:
    Context(const omero_host_api* api, omero_host* host, const omero_command_spec* spec, const omero_invocation* inv)
        : api_(api), host_(host), spec_(spec), inv_(inv) {}

    std::string_view command() const { return inv_->command; }

    // Output. Under --json, text written to stdout is wrapped by the host into
    // {"event": "output", "text": ...} lines, so stdout stays JSON.
    void out(std::string_view s) const { api_->write(host_, OMERO_STDOUT, s.data(), s.size()); }
    void err(std::string_view s) const { api_->write(host_, OMERO_STDERR, s.data(), s.size()); }
    void log(int level, std::string_view s) const { api_->log(host_, level, s.data(), s.size()); }
    void debug(std::string_view s) const { log(OMERO_LOG_DEBUG, s); }
    void warn(std::string_view s) const { log(OMERO_LOG_WARN, s); }
    bool json() const { return api_->json_mode(host_) != 0; }
    void emit_json(std::string_view s) const { api_->emit_json(host_, s.data(), s.size()); }
    void progress(uint64_t done, uint64_t total, std::string_view label) const {
        api_->progress(host_, done, total, label.data(), label.size());
    }
    void progress_done() const { api_->progress_done(host_); }
    bool cancelled() const { return api_->cancelled(host_) != 0; }
    bool is_tty(int stream) const { return api_->is_tty(host_, stream) != 0; }

    // $OMERODIR; throws Error(125) when it is not set, Error(8) when it is
    // not an existing directory.
    std::filesystem::path server_dir() const {
        std::string s;
        if (int rc = api_->server_dir(host_, detail::append_sink, &s); rc != OMERO_OK)
            throw Error(status_exit(rc, OMERO_EXIT_NO_SERVER_DIR), last_error());
        return s;
    }

    // A property of the active configuration profile. Throws Error(125)
    // without $OMERODIR, Error(113) when config.xml cannot be read.
    std::optional<std::string> config(std::string_view key) const {
        std::string v;
        int rc = api_->config_get(host_, key.data(), key.size(), detail::append_sink, &v);
        if (rc == OMERO_OK) return v;
        if (rc == OMERO_NOT_FOUND) return std::nullopt;
        throw Error(status_exit(rc, OMERO_EXIT_CONFIG_INVALID), last_error());
    }
    std::string config_or(std::string_view key, std::string_view fallback) const {
        auto v = config(key);
        return v ? *v : std::string(fallback);
    }
    // Sets (or with nullopt removes) a property, atomically and under the config lock.
    void set_config(std::string_view key, std::optional<std::string_view> value) const {
        int rc =
            api_->config_set(host_, key.data(), key.size(), value ? value->data() : nullptr, value ? value->size() : 0);
        if (rc != OMERO_OK) throw Error(status_exit(rc, OMERO_EXIT_FAILURE), last_error());
    }

    // Options, by long name. The host has already checked every value
    // against the option's type, choices and bounds.
    size_t count(std::string_view option) const {
        const omero_values* v = find(option);
        return v ? v->count : 0;
    }
    bool flag(std::string_view option) const { return count(option) > 0; }
    std::optional<std::string_view> value(std::string_view option) const {
        const omero_values* v = find(option);
        if (!v || v->count == 0 || !v->values) return std::nullopt;
        return detail::view(v->values[v->count - 1]);
    }
    std::vector<std::string_view> values(std::string_view option) const {
        std::vector<std::string_view> r;
        if (const omero_values* v = find(option); v && v->values)
            for (size_t i = 0; i < v->count; ++i) r.push_back(detail::view(v->values[i]));
        return r;
    }
    // An INTEGER option, or a DURATION (milliseconds) or SIZE (bytes) one:
    // the given value, else the table's default, else nullopt.
    std::optional<long long> integer(std::string_view option) const {
        const omero_values* v = find(option);
        if (!v || !v->values) return std::nullopt;
        // The last value given, or (count 0) the default the host canonicalised.
        std::string text(detail::view(v->values[v->count ? v->count - 1 : 0]));
        try {
            size_t used = 0;
            long long n = std::stoll(text, &used);
            if (used == text.size()) return n;
        } catch (const std::exception&) {
        }
        throw Error(OMERO_EXIT_USAGE, "--" + std::string(option) + " takes a number, not '" + text + "'");
    }
    // Positional arguments.
    size_t arg_count() const { return inv_->n_args; }
    std::string_view arg(size_t i) const { return detail::view(inv_->args[i]); }
    std::vector<std::string_view> args() const {
        std::vector<std::string_view> r;
        for (size_t i = 0; i < inv_->n_args; ++i) r.push_back(detail::view(inv_->args[i]));
        return r;
    }

    // Runs another command through the host, as if typed after `omero`
    // ({"db", "status", "--json"}): its exit status, and its stdout in
    // *captured when given (else on our stdout). A command whose plugin is
    // not installed returns 126; the reason (with the package to install) is
    // then in *why when given. This is how plugins use each other: never by
    // linking each other's code.
    int run(const std::vector<std::string>& words, std::string* captured = nullptr, std::string* why = nullptr) const {
        if (!OMERO_SDK_HAS(api_, omero_host_api, run_command) || !api_->run_command) {
            if (why) *why = "this omero is too old to run other commands";
            return OMERO_EXIT_PLUGIN_UNAVAILABLE;
        }
        std::vector<omero_str> argv;
        for (const std::string& w : words) argv.push_back(detail::str(w));
        int rc = api_->run_command(host_, argv.data(), argv.size(), captured ? detail::append_sink : nullptr, captured);
        if (rc != 0 && why) *why = last_error();
        return rc;
    }

    // Upgrade hops the installed plugins declare, from their manifests
    // (nothing is loaded), usable or not.
    std::vector<HopInfo> hops() const {
        std::vector<HopInfo> out;
        if (!OMERO_SDK_HAS(api_, omero_host_api, list_hops) || !api_->list_hops) return out;
        auto sink = [](void* u, const omero_hop_info* h) {
            try {
                auto s = [](const omero_str& x) { return std::string(detail::view(x)); };
                static_cast<std::vector<HopInfo>*>(u)->push_back({s(h->plugin), s(h->plugin_version), s(h->from),
                                                                  s(h->to), s(h->summary), s(h->notes), s(h->reason),
                                                                  s(h->package), h->flags, h->usable != 0});
            } catch (...) {
            }
        };
        if (api_->list_hops(host_, sink, &out) != OMERO_OK) throw Error(OMERO_EXIT_FAILURE, last_error());
        return out;
    }
    // Loads the plugin that declares a hop and returns its C description;
    // throws Error(126) naming the plugin when it cannot be used.
    const omero_upgrade_hop* load_hop(const HopInfo& h) const {
        const omero_upgrade_hop* hop = nullptr;
        if (!OMERO_SDK_HAS(api_, omero_host_api, load_hop) || !api_->load_hop ||
            api_->load_hop(host_, h.plugin.c_str(), h.from.c_str(), h.to.c_str(), &hop) != OMERO_OK || !hop)
            throw Error(OMERO_EXIT_PLUGIN_UNAVAILABLE, last_error());
        return hop;
    }

    const omero_host_api* api() const { return api_; }
    omero_host* host() const { return host_; }

private:
    const omero_values* find(std::string_view option) const {
        for (size_t i = 0; i < spec_->n_options && i < inv_->n_options; ++i)
            if (option == spec_->options[i]->name) return &inv_->options[i];
        return nullptr;
    }
    std::string last_error() const {
        std::string s;
        api_->last_error(host_, detail::append_sink, &s);
        return s;
    }
    // The exit status for a host service's failure status.
    static int status_exit(int rc, int otherwise) {
        return rc == OMERO_E_NO_SERVER_DIR        ? OMERO_EXIT_NO_SERVER_DIR
               : rc == OMERO_E_SERVER_DIR_MISSING ? OMERO_EXIT_SERVER_DIR_MISSING
                                                  : otherwise;
    }

    const omero_host_api* api_;
    omero_host* host_;
    const omero_command_spec* spec_;
    const omero_invocation* inv_;
};

// One row of a command's option table. Declare what the value must be and
// the host checks it before the handler runs:
//   {.name = "jobs", .short_name = 'j', .value_name = "N", .help = "...",
//    .type = OMERO_VALUE_INTEGER, .min = 1, .max = 64}
//   {.name = "format", .value_name = "FORMAT", .type = OMERO_VALUE_CHOICE, .choices = "custom|directory"}
//   {.name = "to", .value_name = "NEWDB", .flags = OMERO_OPT_REQUIRED}
struct Option {
    std::string name;
    char short_name = 0;
    const char* value_name = nullptr;  // nullptr: a flag
    std::string help;
    unsigned flags = 0;  // omero_option_flags
    const char* default_value = nullptr;
    unsigned type = OMERO_VALUE_STRING;  // omero_value_type
    const char* choices = nullptr;       // "a|b|c" for OMERO_VALUE_CHOICE
    long long min = 0, max = 0;          // inclusive bounds when min < max
};

// The --json flag: switches the host's output to JSON for this command.
inline Option json_option(std::string help = "print JSON (one object per line)") {
    return {.name = "json", .help = std::move(help), .flags = OMERO_OPT_JSON};
}

struct Arg {
    std::string name;
    std::string help;
    unsigned flags = 0;
};

struct Command {
    std::string path;
    std::string summary;
    std::string help;
    std::vector<Option> options;
    std::vector<Arg> args;
    unsigned flags = 0;
    std::function<int(Context&)> run;  // empty for a group
};

// What an upgrade hop's callbacks see: the engine's connection, inside the
// hop's transaction (see the order in <omero/plugin_abi.h>).
class HopContext {
public:
    using Row = std::vector<std::optional<std::string>>;  // nullopt: SQL NULL

    HopContext(const omero_host_api* api, omero_host* host, const omero_hop_context* ctx)
        : api_(api), host_(host), ctx_(ctx) {}
    // Under --dry-run and `db status`: read-only; report, change nothing.
    bool dry_run() const { return ctx_->dry_run != 0; }
    // OMERO_HOP_CHECK, OMERO_HOP_BEFORE or OMERO_HOP_AFTER.
    int phase() const { return OMERO_SDK_HAS(ctx_, omero_hop_context, phase) ? ctx_->phase : OMERO_HOP_AFTER; }
    bool json() const { return api_->json_mode(host_) != 0; }
    // A report for the sysadmin (stdout; wrapped as JSON events under --json).
    void out(std::string_view s) const { api_->write(host_, OMERO_STDOUT, s.data(), s.size()); }
    void emit_json(std::string_view s) const { api_->emit_json(host_, s.data(), s.size()); }
    bool cancelled() const { return api_->cancelled(host_) != 0; }

    void exec(std::string_view sql) const {
        if (ctx_->exec_sql(ctx_->db, sql.data(), sql.size()) != 0) throw Error(OMERO_EXIT_FAILURE, db_error());
    }
    // One statement with $1..$n bound (nullopt binds NULL); its rows, NULLs kept.
    std::vector<Row> query(std::string_view sql, const std::vector<std::optional<std::string>>& params = {}) const {
        if (!OMERO_SDK_HAS(ctx_, omero_hop_context, exec_params) || !ctx_->exec_params)
            throw Error(OMERO_EXIT_FAILURE, "this omero cannot bind parameters for hop SQL");
        std::vector<omero_str> p;
        for (const auto& v : params) p.push_back(v ? detail::str(*v) : omero_str{nullptr, 0});
        std::vector<Row> rows;
        auto sink = [](void* u, size_t n, const omero_str* cells) {
            try {
                Row r;
                for (size_t i = 0; i < n; ++i)
                    r.push_back(cells[i].ptr ? std::optional<std::string>(std::string(cells[i].ptr, cells[i].len))
                                             : std::nullopt);
                static_cast<std::vector<Row>*>(u)->push_back(std::move(r));
            } catch (...) {
            }
        };
        if (ctx_->exec_params(ctx_->db, sql.data(), sql.size(), p.size(), p.data(), sink, &rows) != 0)
            throw Error(OMERO_EXIT_FAILURE, db_error());
        return rows;
    }
    // The first column of each row (NULLs skipped: use query() to see them).
    std::vector<std::string> query_column(std::string_view sql) const {
        std::vector<std::string> rows;
        auto sink = [](void* u, const char* p, size_t n) {
            try {
                static_cast<std::vector<std::string>*>(u)->emplace_back(p, n);
            } catch (...) {
            }
        };
        if (ctx_->query_column(ctx_->db, sql.data(), sql.size(), sink, &rows) != 0)
            throw Error(OMERO_EXIT_FAILURE, db_error());
        return rows;
    }

private:
    std::string db_error() const {
        std::string s;
        ctx_->db_error(ctx_->db, detail::append_sink, &s);
        return s;
    }
    const omero_host_api* api_;
    omero_host* host_;
    const omero_hop_context* ctx_;
};

// A declared pre-flight check: one read-only query, each row an offending
// item (what, id, group_id, owner_id, detail). See omero_hop_check.
struct HopCheck {
    std::string name, summary, sql;
    std::string fixed_by;  // the fix that resolves it, or empty
};
// A fix run only when asked (--fix NAME[:K=V,...]): a distribution file in
// the hop's folder (script) or the plugin's own SQL; :K stands for a value.
struct HopFix {
    std::string name, summary;
    std::string params;  // "GRP USR", or empty
    std::string script;  // e.g. "omero-4.1-move-to-group.sql", or empty
    std::string sql;     // used when script is empty
};
// An exact text replacement in the release's script, made in memory.
struct HopShim {
    std::string why, find, replace;
    unsigned min_count = 1, max_count = 1;  // occurrences expected
};

// An upgrade hop a plugin contributes. Each callback returns 0 to go on,
// non-zero (or throws Error) to refuse (check) or fail (before, run). The
// declared checks, fixes and shims are run by the engine (see the order in
// <omero/plugin_abi.h>): a hop plugin can be only data.
struct Hop {
    std::string from, to, summary, notes;
    std::function<int(HopContext&)> check;   // step 4: in the hop's transaction, read-only under --dry-run
    std::function<int(HopContext&)> run;     // step 7: after the release's script
    std::function<int(HopContext&)> before;  // step 5: before the release's script
    unsigned flags = 0;                      // omero_hop_flags
    std::vector<HopCheck> checks;
    std::vector<HopFix> fixes;
    std::vector<HopShim> shims;
    std::string shipped_in;  // which release ships the script, for when a distribution lacks it
};

class Plugin {
public:
    Plugin(std::string name, std::string version, std::string vendor, std::string summary)
        : name(std::move(name)), version(std::move(version)), vendor(std::move(vendor)), summary(std::move(summary)) {}

    Plugin& command(Command c) {
        commands.push_back(std::move(c));
        return *this;
    }
    Plugin& hop(Hop h) {
        hops.push_back(std::move(h));
        return *this;
    }

    std::string name, version, vendor, summary;
    std::vector<Command> commands;
    std::vector<Hop> hops;
    uint32_t abi_min = OMERO_ABI_VERSION;
    uint32_t abi_max = OMERO_ABI_VERSION;
};

namespace detail {

// Reports an exception the way the host expects and returns the exit code.
template <class F>
int guarded(const omero_host_api* api, omero_host* h, F&& f) noexcept {
    auto report = [&](int code, const char* what) {
        if (what && *what) api->report_error(h, what, std::strlen(what));
        return code;
    };
    try {
        return f();
    } catch (const Error& e) {
        return report(e.code(), e.what());
    } catch (const std::exception& e) {
        return report(OMERO_EXIT_FAILURE, e.what());
    } catch (...) {
        return report(OMERO_EXIT_FAILURE, "unknown error in plugin");
    }
}

// The C tables built once from a Plugin; lives for the whole process.
struct Registry {
    explicit Registry(Plugin p) : plugin(std::move(p)) {
        // Groups the plugin left out ("a" for "a b") are added by the host when
        // it writes the manifest, for C and C++ plugins alike.
        for (Command& c : plugin.commands) {
            auto& opts = option_specs.emplace_back();
            auto& opt_ptrs = option_ptrs.emplace_back();
            for (const Option& o : c.options)
                opts.push_back({sizeof(omero_option_spec), o.name.c_str(), o.short_name, o.value_name, o.help.c_str(),
                                o.flags, o.default_value, o.type, o.choices, static_cast<int64_t>(o.min),
                                static_cast<int64_t>(o.max)});
            for (auto& o : opts) opt_ptrs.push_back(&o);
            auto& args = arg_specs.emplace_back();
            auto& arg_ptrs_ = arg_ptrs.emplace_back();
            for (const Arg& a : c.args)
                args.push_back({sizeof(omero_arg_spec), a.name.c_str(), a.help.c_str(), a.flags});
            for (auto& a : args) arg_ptrs_.push_back(&a);
            command_specs.push_back({sizeof(omero_command_spec), c.path.c_str(), c.summary.c_str(),
                                     c.help.empty() ? nullptr : c.help.c_str(), opt_ptrs.data(), opt_ptrs.size(),
                                     arg_ptrs_.data(), arg_ptrs_.size(),
                                     c.flags | (c.run ? 0u : unsigned(OMERO_CMD_GROUP)), c.run ? &run_command : nullptr,
                                     &c});
        }
        for (auto& s : command_specs) command_ptrs.push_back(&s);
        auto cstr = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
        for (Hop& h : plugin.hops) {
            auto& checks = check_specs.emplace_back();
            auto& check_ptrs_ = check_ptrs.emplace_back();
            for (const HopCheck& c : h.checks)
                checks.push_back(
                    {sizeof(omero_hop_check), c.name.c_str(), c.summary.c_str(), c.sql.c_str(), cstr(c.fixed_by)});
            for (auto& c : checks) check_ptrs_.push_back(&c);
            auto& fixes = fix_specs.emplace_back();
            auto& fix_ptrs_ = fix_ptrs.emplace_back();
            for (const HopFix& f : h.fixes)
                fixes.push_back({sizeof(omero_hop_fix), f.name.c_str(), f.summary.c_str(), cstr(f.params),
                                 cstr(f.script), cstr(f.sql)});
            for (auto& f : fixes) fix_ptrs_.push_back(&f);
            auto& shims = shim_specs.emplace_back();
            auto& shim_ptrs_ = shim_ptrs.emplace_back();
            for (const HopShim& x : h.shims)
                shims.push_back({sizeof(omero_hop_shim), x.why.c_str(), x.find.c_str(), x.replace.c_str(), x.min_count,
                                 x.max_count});
            for (auto& x : shims) shim_ptrs_.push_back(&x);
            hop_specs.push_back({sizeof(omero_upgrade_hop), h.from.c_str(), h.to.c_str(), h.summary.c_str(),
                                 cstr(h.notes), h.check ? &run_check : nullptr, h.run ? &run_hop : nullptr, &h,
                                 h.before ? &run_before : nullptr, h.flags, check_ptrs_.data(), check_ptrs_.size(),
                                 fix_ptrs_.data(), fix_ptrs_.size(), shim_ptrs_.data(), shim_ptrs_.size(),
                                 cstr(h.shipped_in)});
        }
        for (auto& s : hop_specs) hop_ptrs.push_back(&s);
        api = {sizeof(omero_plugin_api), plugin.name.c_str(),    plugin.version.c_str(),
               plugin.vendor.c_str(),    plugin.summary.c_str(), command_ptrs.data(),
               command_ptrs.size(),      hop_ptrs.data(),        hop_ptrs.size()};
    }

    static int run_command(const omero_host_api* api, omero_host* h, const omero_command_spec* spec,
                           const omero_invocation* inv) {
        return guarded(api, h, [&] {
            Context ctx(api, h, spec, inv);
            return static_cast<Command*>(spec->user)->run(ctx);
        });
    }
    static int run_check(const omero_host_api* api, omero_host* h, const omero_upgrade_hop* hop,
                         const omero_hop_context* c) {
        return guarded(api, h, [&] {
            HopContext ctx(api, h, c);
            return static_cast<Hop*>(hop->user)->check(ctx);
        });
    }
    static int run_hop(const omero_host_api* api, omero_host* h, const omero_upgrade_hop* hop,
                       const omero_hop_context* c) {
        return guarded(api, h, [&] {
            HopContext ctx(api, h, c);
            return static_cast<Hop*>(hop->user)->run(ctx);
        });
    }
    static int run_before(const omero_host_api* api, omero_host* h, const omero_upgrade_hop* hop,
                          const omero_hop_context* c) {
        return guarded(api, h, [&] {
            HopContext ctx(api, h, c);
            return static_cast<Hop*>(hop->user)->before(ctx);
        });
    }

    Plugin plugin;
    // Inner vectors keep their buffers when the outer ones grow, so the
    // pointers taken into them stay valid.
    std::vector<std::vector<omero_option_spec>> option_specs;
    std::vector<std::vector<const omero_option_spec*>> option_ptrs;
    std::vector<std::vector<omero_arg_spec>> arg_specs;
    std::vector<std::vector<const omero_arg_spec*>> arg_ptrs;
    std::vector<omero_command_spec> command_specs;
    std::vector<const omero_command_spec*> command_ptrs;
    std::vector<std::vector<omero_hop_check>> check_specs;
    std::vector<std::vector<const omero_hop_check*>> check_ptrs;
    std::vector<std::vector<omero_hop_fix>> fix_specs;
    std::vector<std::vector<const omero_hop_fix*>> fix_ptrs;
    std::vector<std::vector<omero_hop_shim>> shim_specs;
    std::vector<std::vector<const omero_hop_shim*>> shim_ptrs;
    std::vector<omero_upgrade_hop> hop_specs;
    std::vector<const omero_upgrade_hop*> hop_ptrs;
    omero_plugin_api api{};
};

inline int negotiate(omero_negotiation* n, Plugin (*factory)()) noexcept {
    if (!n || n->struct_size < offsetof(omero_negotiation, plugin) + sizeof(n->plugin)) return OMERO_NEGOTIATE_FAILED;
    try {
        // Built once and never destroyed: the host never unloads plugins.
        static Registry* registry = new Registry(factory());
        const Plugin& p = registry->plugin;
        n->plugin_abi_min = p.abi_min;
        n->plugin_abi_max = p.abi_max;
        uint32_t lo = std::max(n->host_abi_min, p.abi_min), hi = std::min(n->host_abi_max, p.abi_max);
        if (lo > hi) return OMERO_NEGOTIATE_INCOMPATIBLE;
        n->abi_chosen = hi;
        n->plugin = &registry->api;
        return OMERO_NEGOTIATE_OK;
    } catch (...) {
        return OMERO_NEGOTIATE_FAILED;
    }
}

}  // namespace detail
}  // namespace omero::sdk

// Declares the plugin: emits the single exported entry point.
#define OMERO_PLUGIN(factory)                                                                            \
    extern "C" __attribute__((visibility("default"))) int omero_plugin_negotiate(omero_negotiation* n) { \
        return ::omero::sdk::detail::negotiate(n, &(factory));                                           \
    }

#endif  // OMERO_PLUGIN_HPP
