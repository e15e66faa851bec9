// The survey behind `upgrade plan` and `upgrade run`: everything decided,
// read-only, before anything changes: the two distributions, the database
// hops (`db upgrade --dry-run` against the new distribution's scripts), the
// space for the backup, what runs, the local edits, the web server files.
#include "upgrade.hpp"

#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>

#include <thread>

namespace omero::upgrade {

namespace {

json edits_json(const std::vector<FileEdit>& v) {
    json a = json::array();
    for (const FileEdit& f : v)
        a.push_back({{"from", f.from}, {"to", f.to}, {"action", f.action}, {"diff", f.diff}, {"content", f.content}});
    return a;
}

// etc/, sql/ and (for 4.1) the web settings: all a survey reads of an archive.
bool surveyed(const std::string& rel) {
    for (const char* p : {"etc", "sql", "lib", "lib/python", "lib/python/omeroweb"})
        if (rel == p) return true;
    // lib/python/omeroweb/: a release that ships OMERO.web (up to 5.5), whose imports `web check` tries.
    return rel.rfind("etc/", 0) == 0 || rel.rfind("sql/", 0) == 0 || rel.rfind("lib/python/omeroweb", 0) == 0;
}

// var/upgrade/scratch.<pid>: the survey's unpacked trees. Those of a
// process that is gone (a kill -9) are removed first.
fs::path scratch_dir(const fs::path& omerodir) {
    fs::path base = omerodir / "var/upgrade";
    std::error_code ec;
    fs::create_directories(base, ec);
    clean_scratch(omerodir);
    fs::path dir = base / ("scratch." + std::to_string(::getpid()));
    fs::remove_all(dir, ec);
    fs::create_directories(dir, ec);
    if (ec) throw Error(OMERO_EXIT_FAILURE, "cannot create " + dir.string() + ": " + ec.message());
    return dir;
}

}  // namespace

json last_object(const std::string& out, std::string_view key) {
    json last;
    for (size_t at = 0, nl; at < out.size(); at = nl + 1) {
        nl = out.find('\n', at);
        if (nl == std::string::npos) nl = out.size();
        json j = json::parse(out.substr(at, nl - at), nullptr, false);
        if (j.is_object() && (key.empty() || j.contains(key))) last = std::move(j);
    }
    return last;
}

void clean_scratch(const fs::path& dist) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dist / "var/upgrade", ec)) {
        std::string name = e.path().filename().string();
        if (name.rfind("scratch.", 0) != 0) continue;
        pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + 8));
        if (pid > 0 && pid != ::getpid() && (::kill(pid, 0) == 0 || errno == EPERM)) continue;
        std::error_code rm;
        fs::remove_all(e.path(), rm);
    }
}

json Plan::to_json() const {
    json j = {{"omerodir", omerodir.string()},
              {"symlink", symlink},
              {"link_text", link_text},
              {"old_dir", old_dir.string()},
              {"old_id", ident_json(old_id)},
              {"new_dir", new_dir.string()},
              {"archive", archive.string()},
              {"aside", aside.string()},
              {"from_release", from_release},
              {"to_release", to_release},
              {"db_from", db_from},
              {"db_to", db_to},
              {"dbname", dbname},
              {"backup", backup},
              {"backup_kind", backup_kind},
              {"clone", clone},
              {"fixes", fixes},
              {"admin", admin},
              {"web", web},
              {"admin_running", admin_running},
              {"web_running", web_running},
              {"start", start},
              {"optimize", optimize},
              {"yes", yes},
              {"edits", edits_json(edits)},
              {"jvmcfg", jvmcfg},
              {"started", started},
              {"legacy", legacy},
              {"settings", settings},
              {"pass_from", pass_from}};
    if (new_id) j["new_id"] = ident_json(*new_id);
    json w = json::array();
    for (const WebFile& f : webconf)
        w.push_back({{"path", f.path}, {"content", f.content}, {"diff", f.diff}, {"before", f.before}});
    j["webconf"] = w;
    return j;
}

Plan Plan::from_json(const json& j) {
    Plan p;
    p.omerodir = j.at("omerodir").get<std::string>();
    p.symlink = j.at("symlink");
    p.link_text = j.at("link_text");
    p.old_dir = j.at("old_dir").get<std::string>();
    p.old_id = ident_from(j.at("old_id"));
    p.new_dir = j.at("new_dir").get<std::string>();
    if (j.contains("new_id")) p.new_id = ident_from(j["new_id"]);
    p.archive = j.at("archive").get<std::string>();
    p.aside = j.at("aside").get<std::string>();
    for (auto [k, v] : {std::pair{"from_release", &p.from_release},
                        {"to_release", &p.to_release},
                        {"db_from", &p.db_from},
                        {"db_to", &p.db_to},
                        {"dbname", &p.dbname},
                        {"backup", &p.backup},
                        {"started", &p.started}})
        *v = j.at(k).get<std::string>();
    p.fixes = j.at("fixes").get<std::vector<std::string>>();
    p.admin = j.at("admin");
    p.web = j.at("web");
    p.admin_running = j.at("admin_running");
    p.web_running = j.at("web_running");
    p.start = j.at("start");
    p.optimize = j.value("optimize", false);
    p.backup_kind = j.value("backup_kind", "dump");
    p.clone = j.value("clone", "");
    p.yes = j.at("yes");
    for (const json& e : j.at("edits"))
        p.edits.push_back({e.at("from"), e.at("to"), e.at("action"), e.at("diff"), e.at("content")});
    p.jvmcfg = j.at("jvmcfg").get<std::vector<std::pair<std::string, std::string>>>();
    p.legacy = j.value("legacy", false);
    if (j.contains("settings")) p.settings = j["settings"].get<std::vector<std::pair<std::string, std::string>>>();
    p.pass_from = j.value("pass_from", "");
    for (const json& w : j.at("webconf"))
        p.webconf.push_back({w.at("path"), w.at("content"), w.at("diff"), w.value("before", "")});
    return p;
}

Survey::~Survey() {
    std::error_code ec;
    if (!scratch.empty()) fs::remove_all(scratch, ec);
}

std::vector<Option> survey_options(std::vector<Option> extra) {
    std::vector<Option> o = {
        {.name = "to",
         .value_name = "NEW",
         .help = "the new release: an unpacked OMERO.server directory, or its .zip/.tar.* archive",
         .flags = OMERO_OPT_REQUIRED,
         .type = OMERO_VALUE_PATH},
        {.name = "from-archive",
         .value_name = "OLD",
         .help = "the running release's own archive: local edits are then merged three-way",
         .type = OMERO_VALUE_PATH},
        {.name = "fix",
         .value_name = "NAME[:K=ID,...]",
         .help = "a hop plugin's data fix (see the plan); may be repeated",
         .flags = OMERO_OPT_REPEATABLE},
        {.name = "set",
         .value_name = "KEY=VALUE",
         .help = "a setting for the new config.xml (omero.data.dir, omero.db.name, ... of a 3.x server, whose "
                 "properties files lack them); may be repeated",
         .flags = OMERO_OPT_REPEATABLE},
        {.name = "backup-dir",
         .value_name = "DIR",
         .help = "where the verified backup goes (default var/backups of the new distribution)",
         .type = OMERO_VALUE_PATH},
        {.name = "backup",
         .value_name = "HOW",
         .help = "the rollback point: clone (a copy on the database's cluster while the server is down, its dump "
                 "after), dump (pg_dump while the server is down), auto (clone when the role may create databases)",
         .default_value = "auto",
         .type = OMERO_VALUE_CHOICE,
         .choices = "auto|clone|dump"},
        {.name = "web-conf",
         .value_name = "FILE",
         .help = "the site's nginx/Apache file for OMERO.web (default: those in /etc/nginx and /etc/apache2 naming the "
                 "old distribution); may be repeated",
         .flags = OMERO_OPT_REPEATABLE,
         .type = OMERO_VALUE_PATH},
        {.name = "no-start", .help = "leave the server stopped after the upgrade"},
        {.name = "optimize", .help = "then REINDEX + VACUUM FULL ANALYZE (db optimize --full), the server still down"},
    };
    o.insert(o.end(), extra.begin(), extra.end());
    o.push_back(omero::sdk::json_option());
    return o;
}

namespace {

// The settings the new config.xml gets beyond the old one's: a 3.x
// distribution's own (it has no config.xml), then --set KEY=VALUE.
void settings(Context& c, Survey& s) {
    Plan& p = s.plan;
    p.legacy = !fs::exists(p.old_dir / "etc/grid/config.xml");
    auto put = [&](const std::string& k, const std::string& v) {
        auto at = std::find_if(p.settings.begin(), p.settings.end(), [&](const auto& kv) { return kv.first == k; });
        if (at != p.settings.end())
            at->second = v;
        else
            p.settings.emplace_back(k, v);
    };
    if (p.legacy) {
        // What 4.0's guide has the sysadmin set on the new server: the data
        // directory and the database, where they differ from the defaults.
        const std::pair<const char*, const char*> keys[] = {{"omero.data.dir", "/OMERO"},
                                                            {"omero.db.name", "omero"},
                                                            {"omero.db.user", "omero"},
                                                            {"omero.db.host", "localhost"},
                                                            {"omero.db.port", "5432"}};
        for (auto [k, fallback] : keys) {
            auto v = legacy_setting(p.old_dir, k);
            bool always = std::string(k) == "omero.data.dir" || std::string(k) == "omero.db.name";
            if (v ? (always || *v != fallback) : always) put(k, v.value_or(fallback));
        }
        fs::path from;
        if (auto pass = legacy_setting(p.old_dir, "omero.db.pass", &from); pass && *pass != "omero")
            p.pass_from = from.lexically_relative(p.old_dir).string();
        s.notes.push_back(p.old_dir.string() +
                          " has no etc/grid/config.xml (OMERO 3.x): the new config.xml gets "
                          "its settings (the config step above); until the swap, db commands connect with them and the "
                          "password of PGPASSWORD or ~/.pgpass");
    }
    for (std::string_view w : c.values("set")) {
        std::string kv(w);
        size_t eq = kv.find('=');
        if (eq == std::string::npos || eq == 0)
            throw Error(OMERO_EXIT_USAGE, "--set " + kv + ": give KEY=VALUE (--set omero.db.name=omero)");
        std::string k = kv.substr(0, eq);
        if (k == "omero.db.pass")
            throw Error(OMERO_EXIT_USAGE,
                        "--set omero.db.pass: a password on the command line is visible to every "
                        "user of this machine; put it in the old distribution's "
                        "etc/local.properties, or run 'omero config set omero.db.pass' after the "
                        "upgrade");
        put(k, kv.substr(eq + 1));
    }
    for (const auto& [k, v] : p.settings)
        if (k == "omero.db.name") p.dbname = v;
}

// OMERO.web's settings.py as the 4.1 guide says: carried from 4.1.0 to
// 4.1.1 and later, never into 4.1.0.
void omeroweb_settings(Survey& s) {
    Plan& p = s.plan;
    const std::string rel = "lib/python/omeroweb/settings.py";
    std::error_code ec;
    if (!fs::is_regular_file(p.old_dir / rel, ec) || p.from_release.rfind("4.", 0) != 0) return;
    if (p.to_release.rfind("4.1.0", 0) == 0) {
        s.notes.push_back(rel + " is not carried into 4.1.0: its guide advises against it; review the new one");
        return;
    }
    if (p.from_release.rfind("4.1.", 0) != 0 || p.to_release.rfind("4.1.", 0) != 0) return;
    // The whole file, whatever the edit search made of it.
    auto others = [&](const FileEdit& f) { return f.from == rel || f.to == rel; };
    std::erase_if(s.edits.files, others);
    std::erase_if(p.edits, others);
    FileEdit carry{rel, rel, "carry", "", read_file(p.old_dir / rel)};
    s.edits.files.push_back(carry);
    p.edits.push_back(std::move(carry));
}

}  // namespace

std::optional<std::string> legacy_setting(const fs::path& dist, const std::string& key, fs::path* from) {
    for (const char* f : {"etc/local.properties", "etc/omero.properties"})
        if (auto v = properties_value(dist / f, key)) {
            if (from) *from = dist / f;
            return v;
        }
    return std::nullopt;
}

std::vector<std::string> db_connection(const Plan& p) {
    if (!p.legacy) return {};
    std::vector<std::string> w;
    for (const auto& [k, opt] : {std::pair{"omero.db.name", "--name"},
                                 {"omero.db.user", "--user"},
                                 {"omero.db.host", "--host"},
                                 {"omero.db.port", "--port"}})
        for (const auto& [sk, v] : p.settings)
            if (sk == k) w.insert(w.end(), {opt, v});
    return w;
}

std::unique_ptr<Survey> survey(Context& c) {
    auto s = std::make_unique<Survey>();
    Plan& p = s->plan;
    std::error_code ec;
    p.omerodir = fs::absolute(c.server_dir()).lexically_normal();
    if (p.omerodir.filename().empty()) p.omerodir = p.omerodir.parent_path();
    p.symlink = fs::is_symlink(p.omerodir, ec);
    if (p.symlink) p.link_text = fs::read_symlink(p.omerodir, ec).string();
    p.old_dir = fs::canonical(p.omerodir);
    p.old_id = *ident_of(p.old_dir);
    s->old_dist = inspect_dist(p.old_dir);
    p.from_release = s->old_dist.release;
    p.started = file_stamp();

    s->scratch = scratch_dir(p.old_dir);  // the real path: libarchive will not write through a link

    fs::path to = fs::absolute(std::string(*c.value("to")));
    if (fs::is_directory(to, ec)) {
        p.new_dir = fs::canonical(to);
        if (p.new_dir == p.old_dir)
            throw Error(OMERO_EXIT_USAGE, p.new_dir.string() + " is the running distribution; --to names the new one");
        s->new_dist = inspect_dist(p.new_dir);
        p.new_id = ident_of(p.new_dir);
    } else if (fs::is_regular_file(to, ec)) {
        p.archive = to;
        std::string top = archive_top(to);
        p.new_dir = p.old_dir.parent_path() / top;
        if (fs::exists(p.new_dir, ec))
            throw Error(OMERO_EXIT_USAGE, p.new_dir.string() + " exists already; give it as --to " +
                                              p.new_dir.string() + " or move it away");
        extract_archive(to, s->scratch / top, surveyed, [&] { return c.cancelled(); });
        s->new_dist = inspect_dist(s->scratch / top);
        s->new_dist.release = s->new_dist.release == "unknown" ? top : s->new_dist.release;
        if (s->new_dist.release.rfind("OMERO.server-", 0) == 0) s->new_dist.release.erase(0, 13);
    } else {
        throw Error(OMERO_EXIT_FILE_NOT_FOUND, "no such distribution: " + to.string() +
                                                   " (--to takes an unpacked OMERO.server directory or its archive)");
    }
    p.to_release = s->new_dist.release;
    if (p.to_release == p.from_release && p.to_release != "unknown")
        s->problems.push_back(p.new_dir.string() + " is release " + p.to_release +
                              ", the one running: there is nothing to upgrade to (--to names the new release)");
    p.db_to = s->new_dist.db_version;
    if (p.db_to.empty()) throw Error(OMERO_EXIT_FAILURE, s->new_dist.dir.string() + "/sql/psql has no release folder");
    if (!p.symlink) {
        p.aside = p.omerodir.string() + "-" + p.from_release;
        if (fs::exists(p.aside, ec) || p.aside == p.new_dir) p.aside += "-" + p.started;
        // The swap is a rename: both must be on one file system.
        auto here = ident_of(p.omerodir.parent_path()), there = ident_of(p.new_dir.parent_path());
        if (here && there && here->dev != there->dev)
            s->problems.push_back(p.new_dir.string() + " is on another file system than " + p.omerodir.string() +
                                  ", and the swap is a rename: unpack it next to " + p.omerodir.string());
    }
    std::optional<fs::path> pristine;
    if (auto a = c.value("from-archive")) {
        archive_top(std::string(*a));  // one top directory, or a clear error
        extract_archive(std::string(*a), s->scratch / "pristine", surveyed, [&] { return c.cancelled(); });
        pristine = s->scratch / "pristine";
    }
    for (std::string_view f : c.values("fix")) p.fixes.emplace_back(f);
    p.start = !c.flag("no-start");
    p.optimize = c.flag("optimize");
    p.yes = c.flag("yes");

    settings(c, *s);

    // The database: where it is, how big, and the hops (checks run read-only).
    std::string out, why;
    std::vector<std::string> status = {"db", "status", "--json"};
    for (const std::string& w : db_connection(p)) status.push_back(w);
    int rc = call(c, status, &out, &why);
    json st = last_object(out);
    p.dbname = st.value("database", "");
    p.db_from = st.value("current", "");
    s->db_bytes = st.value("bytes", uintmax_t(0));
    if (rc == OMERO_EXIT_PLUGIN_UNAVAILABLE) throw Error(rc, why);
    if (p.db_from.empty()) {
        s->problems.push_back("the database cannot be read: " +
                              (why.empty() ? st.value("state", "unknown state") : why));
    } else {
        std::vector<std::string> words = {"db",     "upgrade",   "--dry-run",
                                          "--json", "--sql-dir", (s->new_dist.dir / "sql/psql").string(),
                                          "--to",   p.db_to};
        for (const std::string& f : p.fixes) words.insert(words.end(), {"--fix", f});
        for (const std::string& w : db_connection(p)) words.push_back(w);
        out.clear();
        s->db_rc = call(c, words, &out, &why);
        s->db_plan = last_object(out);
        if (s->db_rc == OMERO_EXIT_DB_PRECHECK_FAILED)
            s->problems.push_back(
                "a database check refused (see the hops above): fix the data, or add the --fix named");
        else if (s->db_rc != 0 && s->db_rc != OMERO_EXIT_DB_UPGRADE_NEEDED)
            s->problems.push_back("the database cannot be carried to " + p.db_to + ": " + why);
    }
    // The rollback point: a clone when the role may create databases (the
    // downtime pays seconds instead of a dump and its read-back).
    std::string how(c.value("backup").value_or("auto"));
    std::string stamp = p.started;
    stamp.erase(std::remove(stamp.begin(), stamp.end(), '-'), stamp.end());
    if (p.legacy && how == "clone")
        s->problems.push_back(
            "--backup clone: a 3.x server reads omero.db.name from its properties files, which a "
            "rollback does not rewrite: use --backup dump");
    if (how != "dump" && !p.dbname.empty() && !p.legacy) {
        out.clear();
        call(c, {"db", "clone", "--check", "--json"}, &out, &why);
        json k = last_object(out, "ok");
        // Room for a second copy where the cluster keeps its files, when we may see where that is.
        std::string data_dir = st.value("data_directory", "");
        uintmax_t cluster_free = data_dir.empty() ? UINTMAX_MAX : free_bytes(data_dir);
        if (k.value("ok", false) && cluster_free < s->db_bytes + s->db_bytes / 10)
            k = {{"ok", false},
                 {"why", data_dir + " has " + human_bytes(cluster_free) + " free, and the copy needs " +
                             human_bytes(s->db_bytes)}};
        if (k.value("ok", false)) {
            p.backup_kind = "clone";
            p.clone = p.dbname + "_before_upgrade_" + stamp;
        } else {
            std::string no = k.value("why", why);
            if (how == "clone")
                s->problems.push_back("--backup clone: a clone cannot be taken: " + no);
            else
                s->notes.push_back("the rollback point is a pg_dump taken while the server is down (no clone: " + no +
                                   ")");
        }
    }
    std::string dump = p.dbname + "-" + p.db_from + "-" + p.started + ".dumpdir";
    auto given = c.value("backup-dir");
    fs::path backup_dir = given ? fs::absolute(std::string(*given)) : p.new_dir.parent_path();
    p.backup = given ? (backup_dir / dump).string() : "var/backups/" + dump;
    s->free = free_bytes(backup_dir);
    // An archive unpacks beside the old distribution (about twice its size).
    uintmax_t unpacked = p.archive.empty() ? 0 : 2 * fs::file_size(p.archive, ec);
    auto backup_fs = ident_of(backup_dir), new_fs = ident_of(p.new_dir.parent_path());
    bool same_fs = backup_fs && new_fs && backup_fs->dev == new_fs->dev;
    if (s->free < s->db_bytes + (same_fs ? unpacked : 0))
        s->problems.push_back("the backup may need up to " + human_bytes(s->db_bytes) +
                              (same_fs && unpacked ? " and the unpacked release about " + human_bytes(unpacked) : "") +
                              ", and " + backup_dir.string() + " has " + human_bytes(s->free) +
                              " free: free space, or give --backup-dir");

    // What runs now, and the plugins this machine has.
    out.clear();
    rc = call(c, {"admin", "status"}, &out);  // captured: its errors are ours to tell
    p.admin = rc != OMERO_EXIT_PLUGIN_UNAVAILABLE;
    p.admin_running = rc == 0;
    out.clear();
    rc = call(c, {"web", "status"}, &out);
    p.web = rc != OMERO_EXIT_PLUGIN_UNAVAILABLE;
    p.web_running = rc == 0;
    if (!p.admin) s->skipped.push_back("admin stop/start and diagnostics: install package omero-plugin-admin");
    // Without admin nothing can stop the server: a client on the database says it runs.
    if (!p.admin && st.value("sessions", uint64_t(0)) > 0)
        s->problems.push_back(std::to_string(st.value("sessions", uint64_t(0))) + " other client(s) are connected to " +
                              p.dbname +
                              " (the server, or someone's psql): stop them first (without "
                              "omero-plugin-admin, omero cannot stop the server)");
    if (!p.web) s->skipped.push_back("web stop/syncmedia/start: install package omero-plugin-web");

    s->edits = find_edits(s->old_dist, s->new_dist, pristine);
    for (const FileEdit& f : s->edits.files)
        if (f.action == "carry" || f.action == "merge") p.edits.push_back(f);
    p.jvmcfg = s->edits.jvmcfg;
    omeroweb_settings(*s);
    if (s->edits.conflict())
        s->problems.push_back(
            "a local edit conflicts with the new release (diff above): resolve it in the old "
            "distribution's file, or undo it there, and plan again");
    p.webconf = web_files(c, p);
    preflight(c, *s);
    return s;
}

}  // namespace omero::upgrade
