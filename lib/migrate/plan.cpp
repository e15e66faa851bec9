#include "migrate/plan.hpp"

#include "migrate/sha256.hpp"
#include "util/file.hpp"

#include <omero/exit_codes.h>

#include <algorithm>

namespace fs = std::filesystem;

namespace omero::migrate {

namespace {

// Splits text read once; errors name file:line.
std::vector<Statement> split_text(const fs::path& p, const std::string& text,
                                  std::map<std::string, std::string> vars = {}) {
    try {
        return split_sql(text, std::move(vars));
    } catch (const ScriptError& e) {
        throw Error(OMERO_EXIT_FAILURE, p.string() + ":" + std::to_string(e.line) + ": " + e.what());
    }
}

size_t count_occurrences(const std::string& text, const std::string& find) {
    size_t n = 0;
    for (size_t at = text.find(find); at != std::string::npos; at = text.find(find, at + find.size())) ++n;
    return n;
}

void replace_all(std::string& text, const std::string& find, const std::string& replace) {
    std::string out;
    out.reserve(text.size());
    size_t from = 0;
    for (size_t at = text.find(find); at != std::string::npos; at = text.find(find, from)) {
        out.append(text, from, at - from).append(replace);
        from = at + find.size();
    }
    out.append(text, from, std::string::npos);
    text = std::move(out);
}

// The plugins' shims, applied in plugin order to the script's text in memory.
void apply_shims(PlannedHop& p, std::string& text) {
    for (const PluginHop& ph : p.plugins)
        for (const DeclaredShim& x : ph.shims) {
            size_t n = count_occurrences(text, x.find);
            if (n < x.min_count || n > x.max_count)
                throw Error(OMERO_EXIT_FAILURE,
                            p.hop.script.string() + ": plugin '" + ph.plugin + "' expects its shim \"" + x.why +
                                "\" to apply " + std::to_string(x.min_count) +
                                (x.min_count == x.max_count ? "" : "-" + std::to_string(x.max_count)) +
                                " time(s), but its text occurs " + std::to_string(n) +
                                " time(s): this is not the script the plugin knows. Check that the distribution "
                                "and the plugin (" +
                                ph.plugin + " " + ph.version + ") belong to the same release");
            if (n) replace_all(text, x.find, x.replace);
            // Shims that share their reason are one line of the plan ("applied 24x").
            auto same = std::find_if(p.shims.begin(), p.shims.end(),
                                     [&](const AppliedShim& a) { return a.plugin == ph.plugin && a.why == x.why; });
            if (same != p.shims.end())
                same->count += n;
            else
                p.shims.push_back({ph.plugin, x.why, n});
        }
}

// Finds the hop and plugin declaring each requested fix and splits its SQL.
void plan_fixes(std::vector<PlannedHop>& plan, const std::vector<FixRequest>& fixes) {
    for (const FixRequest& req : fixes) {
        bool found = false;
        for (PlannedHop& h : plan)
            for (const PluginHop& ph : h.plugins)
                for (const DeclaredFix& f : ph.fixes) {
                    if (f.name != req.name) continue;
                    if (found)
                        throw Error(OMERO_EXIT_USAGE, "--fix " + req.name +
                                                          " is declared by more than one hop on the "
                                                          "path; name it once per hop plugin");
                    found = true;
                    std::map<std::string, std::string> vars;
                    for (const std::string& k : f.params) {
                        auto v = req.values.find(k);
                        if (v == req.values.end())
                            throw Error(
                                OMERO_EXIT_USAGE, "--fix " + req.name + " needs " + k + "=ID (its parameters: " + [&] {
                                    std::string all;
                                    for (const auto& x : f.params) all += (all.empty() ? "" : ", ") + x;
                                    return all;
                                }() + ")");
                        vars[k] = v->second;
                    }
                    for (const auto& [k, v] : req.values)
                        if (std::find(f.params.begin(), f.params.end(), k) == f.params.end())
                            throw Error(OMERO_EXIT_USAGE, "--fix " + req.name + " has no parameter " + k);
                    fs::path file = f.script.empty() ? fs::path() : h.hop.to_dir / f.script;
                    if (!f.script.empty() && !fs::exists(file))
                        throw Error(OMERO_EXIT_DB_NO_PATH,
                                    "--fix " + req.name + " runs " + file.string() + ", which this distribution lacks");
                    std::string text = f.script.empty() ? f.sql : read_file(file);
                    std::string source = f.script.empty() ? "plugin " + ph.plugin + " fix " + f.name : file.string();
                    h.fixes.push_back({ph.plugin, f.name, req.text, source, split_text(source, text, vars)});
                }
        if (!found) {
            std::string avail;
            for (const PlannedHop& h : plan)
                for (const PluginHop& ph : h.plugins)
                    for (const DeclaredFix& f : ph.fixes) avail += (avail.empty() ? "" : ", ") + f.name;
            throw Error(OMERO_EXIT_USAGE,
                        "--fix " + req.name + ": no hop on this upgrade path declares that fix" +
                            (avail.empty() ? std::string(" (none declares any)") : " (available: " + avail + ")"));
        }
    }
}

}  // namespace

FixRequest parse_fix(const std::string& text) {
    auto bad = [&](const std::string& why) {
        return Error(OMERO_EXIT_USAGE, "--fix '" + text + "': " + why + " (expected NAME or NAME:KEY=ID,KEY=ID)");
    };
    FixRequest f{text, text.substr(0, text.find(':')), {}};
    if (!is_step_name(f.name)) throw bad("not a fix name");
    if (f.name.size() == text.size()) return f;
    std::string rest = text.substr(f.name.size() + 1);
    for (size_t a = 0; a <= rest.size();) {
        size_t b = rest.find(',', a);
        std::string kv = rest.substr(a, b == std::string::npos ? std::string::npos : b - a);
        size_t eq = kv.find('=');
        if (eq == std::string::npos || eq == 0) throw bad("'" + kv + "' is not KEY=ID");
        std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
        size_t digits = v.size() > 1 && v[0] == '-' ? 1 : 0;
        if (v.size() == digits || v.find_first_not_of("0123456789", digits) != std::string::npos || v.size() > 19)
            throw bad("the value of " + k + " must be an integer id, not '" + v + "'");
        if (!f.values.emplace(k, v).second) throw bad(k + " is given twice");
        if (b == std::string::npos) break;
        a = b + 1;
    }
    return f;
}

std::string PlannedHop::name() const {
    if (!hop.script.empty()) return hop.script.string();
    std::string s = "plugin hop " + hop.from.name + " -> " + hop.to.name;
    std::string names;
    for (const PluginHop& p : plugins) names += (names.empty() ? "" : ", ") + p.plugin;
    return names.empty() ? s : s + " (" + names + ")";
}

bool PlannedHop::engine_writes_dbpatch() const {
    if (!hop.script.empty()) return false;
    return std::none_of(plugins.begin(), plugins.end(),
                        [](const PluginHop& p) { return p.flags & OMERO_HOP_WRITES_DBPATCH; });
}

std::string plugin_list(const PlannedHop& h) {
    std::string s;
    for (const PluginHop& p : h.plugins) s += (s.empty() ? "" : ", ") + p.plugin + " " + p.version;
    return s;
}

std::string shim_list(const PlannedHop& h) {
    std::string s;
    for (const AppliedShim& x : h.shims)
        if (x.count) s += (s.empty() ? "" : "; ") + x.plugin + ": " + x.why + " (x" + std::to_string(x.count) + ")";
    return s;
}

std::string fix_list(const PlannedHop& h) {
    std::string s;
    for (const PlannedFix& f : h.fixes) s += (s.empty() ? "" : "; ") + f.plugin + ": " + f.text;
    return s;
}

std::vector<PlannedHop> plan_hops(const std::vector<Hop>& path,
                                  const std::function<std::vector<PluginHop>(const Hop&)>& plugins_for,
                                  const std::vector<FixRequest>& fixes) {
    std::vector<PlannedHop> plan;
    for (const Hop& h : path) {
        PlannedHop p{h, {}, {}, "", plugins_for ? plugins_for(h) : std::vector<PluginHop>{}, {}, {}};
        std::sort(p.plugins.begin(), p.plugins.end(),
                  [](const PluginHop& a, const PluginHop& b) { return a.plugin < b.plugin; });
        if (!h.script.empty()) {
            // Read once: the digest is of the distribution's bytes; the shims
            // then change the text in memory, and that text is what runs.
            std::string text = read_file(h.script);
            p.sha256 = sha256_hex(text);
            apply_shims(p, text);
            p.statements = split_text(h.script, text);
            for (const Statement& s : p.statements)
                if (s.non_transactional)
                    throw Error(OMERO_EXIT_FAILURE, h.script.string() + ":" + std::to_string(s.line) +
                                                        ": cannot run inside a transaction: " + s.first_line());
        } else {
            for (const PluginHop& ph : p.plugins)
                if (!ph.shipped_in.empty())
                    throw Error(OMERO_EXIT_DB_NO_PATH, "the hop " + h.from.name + " -> " + h.to.name +
                                                           " needs the release's script " +
                                                           (h.to_dir / (h.from.name + ".sql")).string() +
                                                           ", which this distribution lacks; it ships with " +
                                                           ph.shipped_in + " (plugin '" + ph.plugin +
                                                           "' only adapts it). Upgrade through that release, "
                                                           "or copy the script from it");
            p.sha256 = "(no script)";
        }
        if (!h.precheck.empty()) p.precheck = split_text(h.precheck, read_file(h.precheck));
        plan.push_back(std::move(p));
    }
    plan_fixes(plan, fixes);
    return plan;
}

}  // namespace omero::migrate
