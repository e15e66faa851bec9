#include "migrate/hop_plugin.hpp"

#include <omero/exit_codes.h>

#include <algorithm>
#include <optional>

namespace omero::migrate {

namespace {

// The context a plugin's hop callback gets: our connection, in our transaction.
struct HopDb {
    Pg* db;
    Reporter* r;
    std::string error;
};

omero_hop_context hop_context(HopDb& h, bool dry_run, int phase) {
    omero_hop_context ctx{};
    ctx.struct_size = sizeof ctx;
    ctx.db = &h;
    ctx.dry_run = dry_run ? 1 : 0;
    ctx.phase = phase;
    ctx.exec_sql = [](void* p, const char* sql, size_t n) {
        auto* h = static_cast<HopDb*>(p);
        try {
            h->db->exec(std::string(sql, n), [h] { return h->r->cancelled(); });
            return 0;
        } catch (const std::exception& e) {
            h->error = e.what();
            return 1;
        }
    };
    ctx.query_column = [](void* p, const char* sql, size_t n, omero_sink sink, void* user) {
        auto* h = static_cast<HopDb*>(p);
        try {
            for (const Row& r : h->db->exec_params(std::string(sql, n), {}, [h] { return h->r->cancelled(); }))
                if (!r.empty() && r[0]) sink(user, r[0]->data(), r[0]->size());
            return 0;
        } catch (const std::exception& e) {
            h->error = e.what();
            return 1;
        }
    };
    ctx.exec_params = [](void* p, const char* sql, size_t n, size_t np, const omero_str* params, omero_row_sink sink,
                         void* user) {
        auto* h = static_cast<HopDb*>(p);
        try {
            std::vector<std::optional<std::string>> values;
            for (size_t i = 0; i < np; ++i)
                values.push_back(params[i].ptr ? std::optional<std::string>(std::string(params[i].ptr, params[i].len))
                                               : std::nullopt);
            auto rows = h->db->exec_params(std::string(sql, n), values, [h] { return h->r->cancelled(); });
            if (sink)
                for (const Row& row : rows) {
                    std::vector<omero_str> cells;
                    for (const auto& c : row)
                        cells.push_back(c ? omero_str{c->data(), c->size()} : omero_str{nullptr, 0});
                    sink(user, cells.size(), cells.data());
                }
            return 0;
        } catch (const std::exception& e) {
            h->error = e.what();
            return 1;
        }
    };
    ctx.db_error = [](void* p, omero_sink sink, void* user) {
        auto* h = static_cast<HopDb*>(p);
        sink(user, h->error.data(), h->error.size());
    };
    return ctx;
}

const char* phase_name(int phase) {
    return phase == OMERO_HOP_CHECK ? "check" : phase == OMERO_HOP_BEFORE ? "before" : "run";
}

}  // namespace

// Calls every plugin's callback for `phase`; throws Error(code) naming the
// plugin when one fails or refuses.
void run_plugins(Reporter& r, Pg& db, const std::vector<PluginHop>& plugins, const Hop& hop, int phase, bool dry_run) {
    for (const PluginHop& p : plugins) {
        if (!p.call) continue;
        HopDb hdb{&db, &r, {}};
        omero_hop_context ctx = hop_context(hdb, dry_run, phase);
        int rc = p.call(phase, ctx);
        if (r.cancelled()) throw Error(OMERO_EXIT_CANCELLED, "cancelled in plugin '" + p.plugin + "'");
        if (rc == 0) continue;
        std::string why = "plugin '" + p.plugin + "' " +
                          (phase == OMERO_HOP_CHECK ? "refused the hop "
                                                    : std::string("failed its ") + phase_name(phase) + " steps of ") +
                          hop.from.name + " -> " + hop.to.name + " (status " + std::to_string(rc) + ")" +
                          (hdb.error.empty() ? "" : ": " + hdb.error);
        throw Error(phase == OMERO_HOP_CHECK ? OMERO_EXIT_DB_PRECHECK_FAILED : OMERO_EXIT_DB_SCRIPT_FAILED, why);
    }
}

bool is_step_name(const std::string& n) {
    return !n.empty() && n.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") == std::string::npos &&
           n[0] != '-' && n[0] != '.';
}

void read_declarations(const omero_upgrade_hop* hop, PluginHop& p) {
    if (!hop) return;
    auto str = [](const char* c) { return c ? std::string(c) : std::string(); };
    if (OMERO_HAS_FIELD(hop, omero_upgrade_hop, n_checks) && hop->checks)
        for (size_t i = 0; i < hop->n_checks; ++i) {
            const omero_hop_check* c = hop->checks[i];
            if (!c || !OMERO_HAS_FIELD(c, omero_hop_check, fixed_by) || !c->name || !c->sql) continue;
            p.checks.push_back({c->name, str(c->summary), c->sql, str(c->fixed_by)});
        }
    if (OMERO_HAS_FIELD(hop, omero_upgrade_hop, n_fixes) && hop->fixes)
        for (size_t i = 0; i < hop->n_fixes; ++i) {
            const omero_hop_fix* f = hop->fixes[i];
            if (!f || !OMERO_HAS_FIELD(f, omero_hop_fix, sql) || !f->name || (!f->script && !f->sql)) continue;
            DeclaredFix d{f->name, str(f->summary), {}, str(f->script), str(f->sql)};
            std::string params = str(f->params);
            for (size_t a = params.find_first_not_of(' '); a != std::string::npos;) {
                size_t b = params.find(' ', a);
                d.params.push_back(params.substr(a, b == std::string::npos ? b : b - a));
                a = b == std::string::npos ? b : params.find_first_not_of(' ', b);
            }
            p.fixes.push_back(std::move(d));
        }
    if (OMERO_HAS_FIELD(hop, omero_upgrade_hop, n_shims) && hop->shims)
        for (size_t i = 0; i < hop->n_shims; ++i) {
            const omero_hop_shim* x = hop->shims[i];
            if (!x || !OMERO_HAS_FIELD(x, omero_hop_shim, max_count) || !x->find || !*x->find || !x->replace) continue;
            p.shims.push_back({str(x->why), x->find, x->replace, x->min_count, x->max_count});
        }
    if (OMERO_HAS_FIELD(hop, omero_upgrade_hop, shipped_in) && hop->shipped_in) p.shipped_in = hop->shipped_in;
    // A name the command line cannot give (--fix NameFix) would be advertised
    // and then refused: the plugin is unusable, said once, here.
    auto bad = [&](const std::string& what) {
        return Error(OMERO_EXIT_PLUGIN_UNAVAILABLE,
                     "plugin '" + p.plugin + "' declares " + what +
                         "; check and fix names are lower-case letters, digits, '.' and '-' (as --fix takes them), "
                         "and so is the fix a check names. Reinstall or fix the plugin");
    };
    for (const DeclaredFix& f : p.fixes)
        if (!is_step_name(f.name)) throw bad("the fix '" + f.name + "'");
    for (const DeclaredCheck& c : p.checks) {
        if (!is_step_name(c.name)) throw bad("the check '" + c.name + "'");
        if (!c.fixed_by.empty() && !is_step_name(c.fixed_by))
            throw bad("the check '" + c.name + "' fixed by '" + c.fixed_by + "'");
    }
}

}  // namespace omero::migrate
