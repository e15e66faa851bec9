#include "db.hpp"

#include "util/file.hpp"

#include <unistd.h>

#include <algorithm>

namespace fs = std::filesystem;

namespace omero::db {

std::vector<Option> with_conn(std::vector<Option> opts) {
    static const std::vector<Option> conn = {
        {.name = "host", .value_name = "HOST", .help = "database host (omero.db.host)", .default_value = "localhost"},
        {.name = "port",
         .value_name = "PORT",
         .help = "database port (omero.db.port)",
         .default_value = "5432",
         .type = OMERO_VALUE_INTEGER,
         .min = 1,
         .max = 65535},
        {.name = "name", .value_name = "DB", .help = "database name (omero.db.name)", .default_value = "omero"},
        {.name = "user", .value_name = "USER", .help = "database user (omero.db.user)", .default_value = "omero"},
    };
    opts.insert(opts.end(), conn.begin(), conn.end());
    return opts;
}

Progress progress_in_mib(Context& c) {
    return [&c](uint64_t done, uint64_t total, const std::string& label) {
        c.progress(done >> 20, total >> 20, label + " (MiB)");
    };
}

Option jobs_option(const char* help, const char* default_value) {
    return {.name = "jobs",
            .short_name = 'j',
            .value_name = "N",
            .help = help,
            .default_value = default_value,
            .type = OMERO_VALUE_INTEGER,
            .min = 1,
            .max = 64};
}

ConnParams conn_params(Context& c) {
    ConnParams p;
    auto pick = [&](const char* opt, const char* key, std::string& out) {
        if (auto v = c.value(opt))
            out = std::string(*v);
        else if (auto cfg = c.config(key); cfg && !cfg->empty())
            out = *cfg;
    };
    pick("host", "omero.db.host", p.host);
    pick("port", "omero.db.port", p.port);
    pick("name", "omero.db.name", p.dbname);
    pick("user", "omero.db.user", p.user);
    if (auto pass = c.config("omero.db.pass"); pass && !pass->empty()) p.password = *pass;
    return p;
}

fs::path sql_root(Context& c) {
    if (auto dir = c.value("sql-dir")) return fs::path(std::string(*dir));
    return c.server_dir() / "sql/psql";
}

HopSources hop_sources(Context& c) {
    HopSources s{scan_hops(sql_root(c)), c.hops()};
    for (const auto& ph : s.plugin_hops) {
        auto from = parse_version(ph.from), to = parse_version(ph.to);
        if (!from || !to) continue;
        bool have = false;
        for (const Hop& h : s.hops) have |= h.from == *from && h.to == *to;
        if (!have) s.hops.push_back({*from, *to, {}, {}, sql_root(c) / to->name});
    }
    return s;
}

// Whether a missing plugin's release ("OMERO4.0", "OMERO3A") is the one a
// database version starts (OMERO4__0 is release 4.0, OMERO3A__11 is 3.x).
bool same_release(const std::string& release, const Version& from) {
    auto r = parse_version(release + "__0");
    return r && r->major == from.major && r->minor == from.minor;
}

namespace {

// Why a hop cannot use its plugin (ending with what to install), and the
// package; "" when it can.
std::pair<std::string, std::string> unusable(const HopSources& s, const Hop& h) {
    for (const auto& info : s.plugin_hops) {
        // The host names a first-party hop plugin this machine lacks by the
        // release it starts from (see list_hops in <omero/plugin_abi.h>).
        if (info.to.empty() && !info.usable && same_release(info.from, h.from))
            return {"the hop " + h.from.name + " -> " + h.to.name + " needs plugin '" + info.plugin +
                        "' (its checks, and the shims its script needs on this PostgreSQL), which is " + info.reason +
                        "; install package " + info.package,
                    info.package};
        if (info.from == h.from.name && info.to == h.to.name && !info.usable)
            return {"the hop " + info.from + " -> " + info.to + " needs plugin '" + info.plugin + "', which is " +
                        info.reason + "; reinstall package " + info.package,
                    info.package};
    }
    return {};
}

}  // namespace

void require_plugins(const HopSources& s, const std::vector<Hop>& path) {
    std::string why, packages;
    size_t n = 0;
    for (const Hop& h : path) {
        auto [reason, package] = unusable(s, h);
        if (reason.empty()) continue;
        ++n;
        why += "\n  " + reason;
        if ((" " + packages + " ").find(" " + package + " ") == std::string::npos)
            packages += (packages.empty() ? "" : " ") + package;
    }
    if (n == 1) throw Error(OMERO_EXIT_PLUGIN_UNAVAILABLE, why.substr(3));
    if (n > 1)
        throw Error(OMERO_EXIT_PLUGIN_UNAVAILABLE, std::to_string(n) + " hops of this path cannot run:" + why +
                                                       "\ninstall the packages: apt install " + packages);
}

std::vector<PluginHop> plugin_steps(Context& c, const HopSources& s, const Hop& h) {
    if (auto [reason, package] = unusable(s, h); !reason.empty()) throw Error(OMERO_EXIT_PLUGIN_UNAVAILABLE, reason);
    std::vector<PluginHop> out;
    for (const auto& info : s.plugin_hops) {
        if (info.from != h.from.name || info.to != h.to.name) continue;
        PluginHop p{info.plugin, info.plugin_version, info.summary, info.notes, info.flags, {}, {}, {}, {}, {}};
        // Planning a path loads the plugins that serve it (their shims change
        // the script, their checks and fixes are part of the plan); listing
        // hops (db status without a path) never does.
        const omero_upgrade_hop* hop = c.load_hop(info);
        read_declarations(hop, p);
        p.call = [&c, hop](int phase, const omero_hop_context& ctx) {
            omero_hop_fn fn = phase == OMERO_HOP_CHECK ? hop->check
                              : phase == OMERO_HOP_AFTER
                                  ? hop->run
                                  : (OMERO_HAS_FIELD(hop, omero_upgrade_hop, before) ? hop->before : nullptr);
            return fn ? fn(c.api(), c.host(), hop, &ctx) : 0;
        };
        out.push_back(std::move(p));
    }
    return out;
}

nlohmann::json plugins_json(const PlannedHop& h) {
    nlohmann::json pl = nlohmann::json::array();
    for (const PluginHop& ph : h.plugins)
        pl.push_back({{"plugin", ph.plugin}, {"version", ph.version}, {"summary", ph.summary}, {"notes", ph.notes}});
    return pl;
}

namespace {

// True when --fix asked for the fix `name` in this hop.
bool requested(const PlannedHop& h, const std::string& name) {
    return std::any_of(h.fixes.begin(), h.fixes.end(), [&](const PlannedFix& p) { return p.name == name; });
}

}  // namespace

nlohmann::json shims_json(const PlannedHop& h) {
    nlohmann::json out = nlohmann::json::array();
    for (const AppliedShim& x : h.shims) out.push_back({{"plugin", x.plugin}, {"why", x.why}, {"applied", x.count}});
    return out;
}

nlohmann::json fixes_json(const PlannedHop& h) {
    nlohmann::json out = nlohmann::json::array();
    for (const PluginHop& ph : h.plugins)
        for (const DeclaredFix& f : ph.fixes) {
            bool asked = requested(h, f.name);
            out.push_back({{"plugin", ph.plugin},
                           {"name", f.name},
                           {"summary", f.summary},
                           {"params", f.params},
                           {"script", f.script},
                           {"requested", asked}});
        }
    return out;
}

std::string hop_details(const PlannedHop& h, const CheckReport& c) {
    std::string out;
    for (const AppliedShim& x : h.shims)
        out += "    shim:     " + x.why + " (" + x.plugin + "; " +
               (x.count ? "applied " + std::to_string(x.count) + "x" : std::string("not needed: the script has it")) +
               ")\n";
    for (const PluginHop& ph : h.plugins)
        for (const DeclaredFix& f : ph.fixes) {
            std::string usage = f.name;
            for (size_t i = 0; i < f.params.size(); ++i) usage += (i ? "," : ":") + f.params[i] + "=ID";
            bool asked = requested(h, f.name);
            out += "    fix:      --fix " + usage + "  " + f.summary + (asked ? "  [requested]" : "") + "\n";
        }
    // A plugin's run of passed (or deferred) checks is one line: hop-3-2 has 32.
    auto quiet = [](const Finding& f) { return f.rows.empty() && f.error.empty(); };
    for (size_t i = 0; i < c.findings.size();) {
        const Finding& f = c.findings[i];
        size_t j = i + 1;
        while (quiet(f) && j < c.findings.size() && quiet(c.findings[j]) && c.findings[j].plugin == f.plugin &&
               c.findings[j].deferred == f.deferred)
            ++j;
        if (j - i < 4) {
            for (; i < j; ++i) out += describe(c.findings[i], "    check: ", 6);
            continue;
        }
        std::string names;
        for (size_t k = i; k < j; ++k) names += (k == i ? "" : ", ") + c.findings[k].check;
        out += "    checks: " + names + " (" + f.plugin +
               "): " + (f.deferred ? "run when the database reaches their hop" : "passed") + "\n";
        i = j;
    }
    return out;
}

std::vector<FixRequest> fix_requests(Context& c) {
    std::vector<FixRequest> out;
    for (std::string_view v : c.values("fix")) out.push_back(parse_fix(std::string(v)));
    return out;
}

nlohmann::json check_json(const CheckReport& c) {
    nlohmann::json findings = nlohmann::json::array();
    for (const Finding& f : c.findings) {
        nlohmann::json rows = nlohmann::json::array();
        for (const auto& r : f.rows)
            rows.push_back({{"what", r[0]}, {"id", r[1]}, {"group_id", r[2]}, {"owner_id", r[3]}, {"detail", r[4]}});
        findings.push_back({{"plugin", f.plugin},
                            {"check", f.check},
                            {"summary", f.summary},
                            {"fixed_by", f.fixed_by},
                            {"status", f.deferred       ? "deferred"
                                       : f.rows.empty() ? "passed"
                                       : f.will_fix     ? "will-fix"
                                                        : "failed"},
                            {"rows", rows}});
    }
    return {{"ok", c.ok}, {"message", c.message}, {"findings", findings}};
}

std::optional<Version> target_version(Context& c, const std::vector<Hop>& hops) {
    std::string v;
    std::string patch = c.config_or("omero.db.patch", "0");
    if (auto to = c.value("to"))
        v = std::string(*to);
    else if (auto cfg = c.config("omero.db.version"); cfg && !cfg->empty())
        v = *cfg;
    if (v.empty()) return std::nullopt;
    if (v.find("__") == std::string::npos) {
        // "OMERO5.4": the configured patch, else the newest patch the scripts reach.
        if (!c.value("to")) return parse_version(v + "__" + patch);
        std::optional<Version> best;
        for (const Hop& h : hops)
            if (h.to.version() == v && (!best || *best < h.to)) best = h.to;
        if (best) return best;
        v += "__" + patch;
    }
    auto parsed = parse_version(v);
    if (!parsed) throw Error(OMERO_EXIT_USAGE, "'" + v + "' is not an OMERO database version (e.g. OMERO5.4__0)");
    return parsed;
}

std::string missing_path_message(Context& c, const Version& from, const std::optional<Version>& to) {
    std::string msg = "no upgrade path from " + from.name + (to ? " to " + to->name : "");
    if (to)
        msg += ": expected " + (sql_root(c) / to->name / (from.name + ".sql")).string() +
               " (or a chain of scripts leading there)";
    return msg;
}

std::string root_password(Context& c) {
    if (auto pw = c.value("password")) return std::string(*pw);
    if (const char* env = std::getenv("OMERO_ROOT_PASSWORD")) return env;
    if (!isatty(0))
        throw Error(OMERO_EXIT_USAGE,
                    "no root password: give --password PW, set OMERO_ROOT_PASSWORD, or run on a terminal");
    c.err("Please enter password for OMERO root user: ");
    std::string a = read_stdin_line().value_or("");
    c.err("Please re-enter password for OMERO root user: ");
    std::string b = read_stdin_line().value_or("");
    if (a != b) throw Error(OMERO_EXIT_FAILURE, "the passwords do not match");
    return a;
}

std::pair<std::string, std::string> script_version(Context& c) {
    std::string v, patch;
    if (auto f = c.value("version")) v = std::string(*f);
    if (auto f = c.value("patch")) patch = std::string(*f);
    if (v.empty()) v = c.config_or("omero.db.version", "");
    if (patch.empty()) patch = c.config_or("omero.db.patch", "");
    if (v.empty()) {
        auto versions = init_versions(sql_root(c));
        if (versions.empty())
            throw Error(OMERO_EXIT_USAGE, "no database version to create under " + sql_root(c).string());
        v = versions.back().version();
        if (patch.empty()) patch = std::to_string(versions.back().patch);
        c.err("Using " + v + " for version\n");
    }
    if (patch.empty()) {
        patch = "0";
        c.err("Using " + patch + " for patch\n");
    }
    return {v, patch};
}

}  // namespace omero::db
