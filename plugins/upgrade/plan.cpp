// `omero upgrade plan --to NEW`: the whole upgrade, previewed read-only:
// the releases, every database hop with its checks (run now), the backup's
// size against the free space, the steps, the local edits and what becomes
// of them, the web server files. Exit 0 when `upgrade run` would go ahead.
#include "survey.hpp"
#include "calls.hpp"

#include "util/error.hpp"

namespace omero::upgrade {

namespace {

std::string hops_text(const json& db) {
    std::string out;
    if (db.value("event", "") != "plan") return out;
    for (const json& h : db["hops"]) {
        out += "      " + h.value("from", "") + " -> " + h.value("to", "") + "  " +
               (h.value("script", "").empty() ? std::string("(plugins only)") : h.value("script", "")) + "\n";
        for (const json& pl : h["plugins"])
            out += "        plugin " + pl.value("plugin", "") + ": " + pl.value("summary", "") + "\n";
        for (const json& sh : h["shims"])
            if (sh.value("applied", 0)) out += "        shim   " + sh.value("why", "") + "\n";
        for (const json& f : h["fixes"])
            out += "        fix    --fix " + f.value("name", "") + "  " + f.value("summary", "") +
                   (f.value("requested", false) ? "  [requested]" : "") + "\n";
        const json& ck = h["check"];
        for (const json& f : ck["findings"])
            out += "        check  " + f.value("check", "") + " (" + f.value("plugin", "") +
                   "): " + f.value("status", "") +
                   (f.value("status", "") == "failed" ? " - " + f.value("summary", "") : "") + "\n";
        if (!ck.value("ok", true) && !ck.value("message", "").empty())
            out += "        " + ck.value("message", "") + "\n";
    }
    return out;
}

}  // namespace

std::string describe(const Survey& s) {
    const Plan& p = s.plan;
    std::string o = "upgrade plan: OMERO.server " + p.from_release + " -> " + p.to_release + "\n";
    o += "  OMERODIR    " + p.omerodir.string() +
         (p.symlink ? " -> " + p.old_dir.string() + " (a link: it will point at " + p.new_dir.string() + ")"
                    : " (a directory: " + p.new_dir.string() + " takes its place, the old one moves to " +
                          p.aside.string() + ")") +
         "\n";
    o += "  new         " +
         (p.archive.empty() ? p.new_dir.string() : p.archive.string() + ", unpacked to " + p.new_dir.string()) + "\n";
    std::string hops = hops_text(s.db_plan);
    o += "  database    " + (p.dbname.empty() ? std::string("?") : p.dbname) + " at " +
         (p.db_from.empty() ? std::string("?") : p.db_from) + " -> " + p.db_to +
         (s.db_rc == 0 && !p.db_from.empty() ? " (already there)" : "") + "\n" + hops;
    std::string dump_at = fs::path(p.backup).is_absolute() ? p.backup : (p.new_dir / p.backup).string();
    if (p.backup_kind == "clone")
        o += "  backup      database " + p.clone +
             ": a copy on the cluster taken while the server is down (seconds, "
             "not a dump and its read-back: the role may create databases); rollback points omero.db.name at it. "
             "Its verified dump goes to " +
             dump_at + " once OMERO.web answers again (database " + human_bytes(s.db_bytes) + ", " +
             human_bytes(s.free) + " free there)\n";
    else
        o += "  backup      " + dump_at + " (pg_dump, verified, while the server is down; database " +
             human_bytes(s.db_bytes) + ", " + human_bytes(s.free) + " free)\n";
    o += "  steps       ";
    std::vector<std::string> steps = {
        "stage (" + std::string(p.archive.empty() ? "" : "unpack, ") +
        (p.legacy ? "no config.xml to copy (3.x)" : "copy config.xml") +
        (p.edits.empty() ? "" : ", carry " + std::to_string(p.edits.size()) + " edited files") + ")"};
    std::string stops;
    if (p.web_running) stops += "web stop";
    if (p.admin_running) stops += std::string(stops.empty() ? "" : ", ") + "admin stop";
    steps.push_back("stop (" + (stops.empty() ? std::string("nothing runs") : stops) + ")");
    steps.push_back(p.backup_kind == "clone" ? "backup (db clone --to " + p.clone + ")" : "backup (db dump)");
    steps.push_back("swap");
    for (auto& [k, v] : p.settings) steps.push_back("config set " + k + " " + v);
    if (!p.pass_from.empty())
        steps.push_back("config set omero.db.pass (from " + (p.old_dir / p.pass_from).string() + ", not shown)");
    for (auto& [k, v] : p.jvmcfg) steps.push_back("config set " + k + " " + v);
    steps.push_back("db upgrade --to " + p.db_to);
    if (p.optimize) steps.push_back("db optimize --full");
    if (p.admin && p.start) steps.push_back("admin start");
    if (p.web && p.web_running) steps.push_back("web syncmedia");
    for (const auto& w : p.webconf)
        steps.push_back("re-point " + w.path +
                        (p.yes ? ", test and reload its web server" : " (shown; written with --yes)"));
    if (p.web && p.web_running && p.start) steps.push_back("web start");
    if (p.backup_kind == "clone") steps.push_back("db dump --name " + p.clone + " (OMERO.web answers already)");
    if (p.admin && p.start) steps.push_back("admin diagnostics");
    for (size_t i = 0; i < steps.size(); ++i)
        o += (i ? "              " : "") + std::to_string(i + 1) + ". " + steps[i] + "\n";
    for (const std::string& k : s.skipped) o += "  skipped     " + k + "\n";
    if (!s.edits.files.empty() || !s.edits.notes.empty()) o += "  local edits\n";
    for (const std::string& n : s.edits.notes) o += "    memory    " + n + "\n";
    for (const FileEdit& f : s.edits.files) {
        const char* what = f.action == "carry"      ? "carried"
                           : f.action == "merge"    ? "merged with the new release's changes"
                           : f.action == "conflict" ? "CONFLICTS with the new release's changes"
                                                    : "differs from the new release's; not carried (no pristine copy: "
                                                      "give --from-archive to merge, or redo it by hand)";
        o += "    " + f.action + std::string(10 - std::min<size_t>(9, f.action.size()), ' ') + f.from +
             (f.to != f.from ? " -> " + f.to : "") + ": " + what + "\n";
        if (f.action != "carry") o += f.diff;
    }
    for (const auto& w : p.webconf) o += "  web server  " + w.path + " names the old distribution:\n" + w.diff;
    for (const std::string& n : s.notes) o += "  note        " + n + "\n";
    if (s.ready())
        o += "ready: 'omero upgrade run' with the same options does this\n";
    else
        for (const std::string& why : s.problems) o += "not ready: " + why + "\n";
    return o;
}

json describe_json(const Survey& s) {
    json problems = s.problems, skipped = s.skipped, notes = s.edits.notes, found = s.notes;
    json edits = json::array();
    for (const FileEdit& f : s.edits.files)
        edits.push_back({{"from", f.from}, {"to", f.to}, {"action", f.action}, {"diff", f.diff}});
    json web = json::array();
    for (const auto& w : s.plan.webconf) web.push_back({{"path", w.path}, {"diff", w.diff}});
    const Plan& p = s.plan;
    return {{"event", "plan"},
            {"from", p.from_release},
            {"to", p.to_release},
            {"omerodir", p.omerodir.string()},
            {"symlink", p.symlink},
            {"old_dir", p.old_dir.string()},
            {"new_dir", p.new_dir.string()},
            {"aside", p.aside.string()},
            {"database", p.dbname},
            {"db_from", p.db_from},
            {"db_to", p.db_to},
            {"db_plan", s.db_plan},
            {"backup", fs::path(p.backup).is_absolute() ? p.backup : (p.new_dir / p.backup).string()},
            {"backup_kind", p.backup_kind},
            {"rollback_database", p.clone},
            {"backup_estimate", s.db_bytes},
            {"free", s.free},
            {"admin_running", p.admin_running},
            {"web_running", p.web_running},
            {"jvmcfg", p.jvmcfg},
            {"edits", edits},
            {"memory", notes},
            {"web_files", web},
            {"skipped", skipped},
            {"problems", problems},
            {"checks", s.checks},
            {"notes", found},
            {"ready", s.ready()}};
}

namespace {

int run(Context& c) {
    auto s = survey(c);
    if (c.json())
        c.emit_json(describe_json(*s).dump());
    else
        c.out(describe(*s));
    return s->ready() ? 0 : OMERO_EXIT_UPGRADE_NOT_READY;
}

}  // namespace

Command plan_command() {
    return {.path = "upgrade plan",
            .summary = "Preview the whole upgrade to a new release; change nothing",
            .help =
                "Reads the running distribution ($OMERODIR) and the new one (a directory or its archive), runs\n"
                "every database check read-only against the new release's scripts, and prints the steps,\n"
                "the backup's size against the free space, the local edits to carry, and the web server files\n"
                "to re-point. Exit 0: 'upgrade run' would go ahead; 27: the reason is printed.",
            .options = survey_options({{.name = "yes", .help = "(run) write the re-pointed web server files"}}),
            .flags = OMERO_CMD_NEEDS_SERVER_DIR,
            .run = run};
}

}  // namespace omero::upgrade
