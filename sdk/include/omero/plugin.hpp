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

// Thrown by handlers: the message goes to stderr, the code becomes the exit status.
class Error : public std::runtime_error {
public:
    Error(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
    int code() const noexcept { return code_; }

private:
    int code_;
};

namespace detail {
inline void append_sink(void* user, const char* p, size_t n) {
    static_cast<std::string*>(user)->append(p, n);
}
inline std::string_view view(const omero_str& s) { return {s.ptr ? s.ptr : "", s.len}; }
}  // namespace detail

// What a handler sees: its arguments and the host's services.
class Context {
public:
    Context(const omero_host_api* api, omero_host* host, const omero_command_spec* spec,
            const omero_invocation* inv)
        : api_(api), host_(host), spec_(spec), inv_(inv) {}

    std::string_view command() const { return inv_->command; }

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

    // $OMERODIR; throws Error(OMERO_EXIT_NO_SERVER_DIR) when it is not set.
    std::filesystem::path server_dir() const {
        std::string s;
        if (api_->server_dir(host_, detail::append_sink, &s) != OMERO_OK)
            throw Error(OMERO_EXIT_NO_SERVER_DIR, last_error());
        return s;
    }

    // A property of the active configuration profile.
    std::optional<std::string> config(std::string_view key) const {
        std::string v;
        int rc = api_->config_get(host_, key.data(), key.size(), detail::append_sink, &v);
        if (rc == OMERO_OK) return v;
        if (rc == OMERO_NOT_FOUND) return std::nullopt;
        throw Error(OMERO_EXIT_CONFIG_INVALID, last_error());
    }
    std::string config_or(std::string_view key, std::string_view fallback) const {
        auto v = config(key);
        return v ? *v : std::string(fallback);
    }
    // Sets (or with nullopt removes) a property, atomically and under the config lock.
    void set_config(std::string_view key, std::optional<std::string_view> value) const {
        int rc = api_->config_set(host_, key.data(), key.size(), value ? value->data() : nullptr,
                                  value ? value->size() : 0);
        if (rc != OMERO_OK) throw Error(OMERO_EXIT_FAILURE, last_error());
    }

    // Options, by long name.
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
    // Positional arguments.
    size_t arg_count() const { return inv_->n_args; }
    std::string_view arg(size_t i) const { return detail::view(inv_->args[i]); }
    std::vector<std::string_view> args() const {
        std::vector<std::string_view> r;
        for (size_t i = 0; i < inv_->n_args; ++i) r.push_back(detail::view(inv_->args[i]));
        return r;
    }

    // Upgrade hops contributed by any plugin (the extension point the db
    // and upgrade plugins consult). Empty when the host predates it.
    struct HopRef {
        std::string plugin, from, to, summary, notes;
        const omero_upgrade_hop* hop;
    };
    std::vector<HopRef> hops() const {
        std::vector<HopRef> out;
        if (!OMERO_HAS_FIELD(api_, omero_host_api, for_each_hop) || !api_->for_each_hop) return out;
        auto sink = [](void* u, const char* plugin, const omero_upgrade_hop* h) {
            auto s = [](const char* p) { return std::string(p ? p : ""); };
            static_cast<std::vector<HopRef>*>(u)->push_back(
                {s(plugin), s(h->from), s(h->to), s(h->summary), s(h->notes), h});
        };
        if (api_->for_each_hop(host_, sink, &out) != OMERO_OK) throw Error(OMERO_EXIT_FAILURE, last_error());
        return out;
    }
    // Runs a hop's pre-check or steps; returns its status (0: ok / nothing to do).
    int check_hop(const HopRef& h, const omero_hop_context& ctx) const {
        return h.hop->check ? h.hop->check(api_, host_, h.hop, &ctx) : 0;
    }
    int run_hop(const HopRef& h, const omero_hop_context& ctx) const {
        return h.hop->run ? h.hop->run(api_, host_, h.hop, &ctx) : 0;
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

    const omero_host_api* api_;
    omero_host* host_;
    const omero_command_spec* spec_;
    const omero_invocation* inv_;
};

struct Option {
    std::string name;
    char short_name = 0;
    const char* value_name = nullptr;  // nullptr: a flag
    std::string help;
    unsigned flags = 0;
    const char* default_value = nullptr;
};

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

// What an upgrade hop's callbacks see.
class HopContext {
public:
    HopContext(const omero_host_api* api, omero_host* host, const omero_hop_context* ctx)
        : api_(api), host_(host), ctx_(ctx) {}
    bool dry_run() const { return ctx_->dry_run != 0; }
    void out(std::string_view s) const { api_->write(host_, OMERO_STDOUT, s.data(), s.size()); }
    void exec(std::string_view sql) const {
        if (ctx_->exec_sql(ctx_->db, sql.data(), sql.size()) != 0) throw Error(OMERO_EXIT_FAILURE, db_error());
    }
    std::vector<std::string> query_column(std::string_view sql) const {
        std::vector<std::string> rows;
        auto sink = [](void* u, const char* p, size_t n) {
            static_cast<std::vector<std::string>*>(u)->emplace_back(p, n);
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

struct Hop {
    std::string from, to, summary, notes;
    std::function<int(HopContext&)> check;  // non-zero refuses
    std::function<int(HopContext&)> run;
};

class Plugin {
public:
    Plugin(std::string name, std::string version, std::string vendor, std::string summary)
        : name(std::move(name)), version(std::move(version)), vendor(std::move(vendor)),
          summary(std::move(summary)) {}

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
        for (Command& c : plugin.commands) {
            auto& opts = option_specs.emplace_back();
            auto& opt_ptrs = option_ptrs.emplace_back();
            for (const Option& o : c.options)
                opts.push_back({sizeof(omero_option_spec), o.name.c_str(), o.short_name, o.value_name,
                                o.help.c_str(), o.flags, o.default_value});
            for (auto& o : opts) opt_ptrs.push_back(&o);
            auto& args = arg_specs.emplace_back();
            auto& arg_ptrs_ = arg_ptrs.emplace_back();
            for (const Arg& a : c.args) args.push_back({sizeof(omero_arg_spec), a.name.c_str(), a.help.c_str(), a.flags});
            for (auto& a : args) arg_ptrs_.push_back(&a);
            command_specs.push_back({sizeof(omero_command_spec), c.path.c_str(), c.summary.c_str(),
                                     c.help.empty() ? nullptr : c.help.c_str(), opt_ptrs.data(), opt_ptrs.size(),
                                     arg_ptrs_.data(), arg_ptrs_.size(),
                                     c.flags | (c.run ? 0u : unsigned(OMERO_CMD_GROUP)),
                                     c.run ? &run_command : nullptr, &c});
        }
        for (auto& s : command_specs) command_ptrs.push_back(&s);
        for (Hop& h : plugin.hops)
            hop_specs.push_back({sizeof(omero_upgrade_hop), h.from.c_str(), h.to.c_str(), h.summary.c_str(),
                                 h.notes.empty() ? nullptr : h.notes.c_str(), h.check ? &run_check : nullptr,
                                 h.run ? &run_hop : nullptr, &h});
        for (auto& s : hop_specs) hop_ptrs.push_back(&s);
        api = {sizeof(omero_plugin_api), plugin.name.c_str(), plugin.version.c_str(), plugin.vendor.c_str(),
               plugin.summary.c_str(), command_ptrs.data(), command_ptrs.size(), hop_ptrs.data(), hop_ptrs.size()};
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

    Plugin plugin;
    // Inner vectors keep their buffers when the outer ones grow, so the
    // pointers taken into them stay valid.
    std::vector<std::vector<omero_option_spec>> option_specs;
    std::vector<std::vector<const omero_option_spec*>> option_ptrs;
    std::vector<std::vector<omero_arg_spec>> arg_specs;
    std::vector<std::vector<const omero_arg_spec*>> arg_ptrs;
    std::vector<omero_command_spec> command_specs;
    std::vector<const omero_command_spec*> command_ptrs;
    std::vector<omero_upgrade_hop> hop_specs;
    std::vector<const omero_upgrade_hop*> hop_ptrs;
    omero_plugin_api api{};
};

inline int negotiate(omero_negotiation* n, Plugin (*factory)()) noexcept {
    if (!n || n->struct_size < offsetof(omero_negotiation, plugin) + sizeof(n->plugin))
        return OMERO_NEGOTIATE_FAILED;
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
#define OMERO_PLUGIN(factory)                                                                   \
    extern "C" __attribute__((visibility("default"))) int omero_plugin_negotiate(omero_negotiation* n) { \
        return ::omero::sdk::detail::negotiate(n, &(factory));                                  \
    }

#endif  // OMERO_PLUGIN_HPP
