// The survey behind `upgrade plan` and `upgrade run` (see survey.hpp): the
// facts, gathered read-only in this order - the two distributions, the
// settings a 3.x server keeps in its properties files, the database and its
// hops (`db upgrade --dry-run` against the new release's scripts), the
// rollback point and the room for it, what runs, the local edits, the web
// server's site files - then the named checks (checks.cpp).
#include "survey.hpp"

#include "calls.hpp"
#include "checks.hpp"
#include "site.hpp"

#include "dist/archive.hpp"

#include "util/clock.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace omero::upgrade {

namespace {

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

namespace {

// The two distributions: the running one, the new one (a directory, or an
// archive whose etc/ and sql/ are unpacked into the scratch tree), where the
// old one goes aside; the old release's own archive, unpacked, when given.
std::optional<fs::path> distributions(Context& c, Survey& s) {
    Plan& p = s.plan;
    std::error_code ec;
    p.omerodir = fs::absolute(c.server_dir()).lexically_normal();
    if (p.omerodir.filename().empty()) p.omerodir = p.omerodir.parent_path();
    p.symlink = fs::is_symlink(p.omerodir, ec);
    if (p.symlink) p.link_text = fs::read_symlink(p.omerodir, ec).string();
    p.old_dir = fs::canonical(p.omerodir);
    p.old_id = *ident_of(p.old_dir);
    s.old_dist = inspect_dist(p.old_dir);
    p.from_release = s.old_dist.release;
    p.started = file_stamp();

    s.scratch = scratch_dir(p.old_dir);  // the real path: libarchive will not write through a link

    fs::path to = fs::absolute(std::string(*c.value("to")));
    if (fs::is_directory(to, ec)) {
        p.new_dir = fs::canonical(to);
        if (p.new_dir == p.old_dir)
            throw Error(OMERO_EXIT_USAGE, p.new_dir.string() + " is the running distribution; --to names the new one");
        s.new_dist = inspect_dist(p.new_dir);
        p.new_id = ident_of(p.new_dir);
    } else if (fs::is_regular_file(to, ec)) {
        p.archive = to;
        std::string top = archive_top(to);
        p.new_dir = p.old_dir.parent_path() / top;
        if (fs::exists(p.new_dir, ec))
            throw Error(OMERO_EXIT_USAGE, p.new_dir.string() + " exists already; give it as --to " +
                                              p.new_dir.string() + " or move it away");
        extract_archive(to, s.scratch / top, surveyed, [&] { return c.cancelled(); });
        s.new_dist = inspect_dist(s.scratch / top);
        s.new_dist.release = s.new_dist.release == "unknown" ? top : s.new_dist.release;
        if (s.new_dist.release.rfind("OMERO.server-", 0) == 0) s.new_dist.release.erase(0, 13);
    } else {
        throw Error(OMERO_EXIT_FILE_NOT_FOUND, "no such distribution: " + to.string() +
                                                   " (--to takes an unpacked OMERO.server directory or its archive)");
    }
    p.to_release = s.new_dist.release;
    p.db_to = s.new_dist.db_version;
    if (p.db_to.empty()) throw Error(OMERO_EXIT_FAILURE, s.new_dist.dir.string() + "/sql/psql has no release folder");
    if (!p.symlink) {
        p.aside = p.omerodir.string() + "-" + p.from_release;
        if (fs::exists(p.aside, ec) || p.aside == p.new_dir) p.aside += "-" + p.started;
    }
    if (auto a = c.value("from-archive")) {
        archive_top(std::string(*a));  // one top directory, or a clear error
        extract_archive(std::string(*a), s.scratch / "pristine", surveyed, [&] { return c.cancelled(); });
        return s.scratch / "pristine";
    }
    return std::nullopt;
}

// The database: where it is, how big, its version, and the hops to the new
// release's (their checks run read-only: `db upgrade --dry-run`).
void database(Context& c, Survey& s) {
    Plan& p = s.plan;
    std::string out;
    std::vector<std::string> status = {"db", "status", "--json"};
    for (const std::string& w : db_connection(p)) status.push_back(w);
    int rc = call(c, status, &out, &s.db_why);
    s.db_status = last_object(out);
    p.dbname = s.db_status.value("database", "");
    p.db_from = s.db_status.value("current", "");
    s.db_bytes = s.db_status.value("bytes", uintmax_t(0));
    if (rc == OMERO_EXIT_PLUGIN_UNAVAILABLE) throw Error(rc, s.db_why);
    if (p.db_from.empty()) return;
    std::vector<std::string> words = {
        "db", "upgrade", "--dry-run", "--json", "--sql-dir", (s.new_dist.dir / "sql/psql").string(), "--to", p.db_to};
    for (const std::string& f : p.fixes) words.insert(words.end(), {"--fix", f});
    for (const std::string& w : db_connection(p)) words.push_back(w);
    out.clear();
    s.db_rc = call(c, words, &out, &s.db_why);
    s.db_plan = last_object(out);
}

// The rollback point: a clone when the role may create databases and the
// cluster has room (the downtime pays seconds instead of a dump and its
// read-back); the dump's place and the room there.
void rollback_point(Context& c, Survey& s) {
    Plan& p = s.plan;
    s.backup_how = std::string(c.value("backup").value_or("auto"));
    std::string stamp = p.started;
    stamp.erase(std::remove(stamp.begin(), stamp.end(), '-'), stamp.end());
    if (s.backup_how != "dump" && !p.dbname.empty() && !p.legacy) {
        std::string out, why;
        call(c, {"db", "clone", "--check", "--json"}, &out, &why);
        json k = last_object(out, "ok");
        // Room for a second copy where the cluster keeps its files, when we may see where that is.
        std::string data_dir = s.db_status.value("data_directory", "");
        uintmax_t cluster_free = data_dir.empty() ? UINTMAX_MAX : free_bytes(data_dir);
        if (k.value("ok", false) && cluster_free < s.db_bytes + s.db_bytes / 10)
            k = {{"ok", false},
                 {"why", data_dir + " has " + human_bytes(cluster_free) + " free, and the copy needs " +
                             human_bytes(s.db_bytes)}};
        if (k.value("ok", false)) {
            p.backup_kind = "clone";
            p.clone = p.dbname + "_before_upgrade_" + stamp;
        } else {
            s.no_clone = k.value("why", why);
        }
    }
    std::string dump = p.dbname + "-" + p.db_from + "-" + p.started + ".dumpdir";
    auto given = c.value("backup-dir");
    s.backup_dir = given ? fs::absolute(std::string(*given)) : p.new_dir.parent_path();
    p.backup = given ? (s.backup_dir / dump).string() : "var/backups/" + dump;
    s.free = free_bytes(s.backup_dir);
    // An archive unpacks beside the old distribution (about twice its size).
    std::error_code ec;
    s.unpacked = p.archive.empty() ? 0 : 2 * fs::file_size(p.archive, ec);
    auto backup_fs = ident_of(s.backup_dir), new_fs = ident_of(p.new_dir.parent_path());
    s.backup_beside_new = backup_fs && new_fs && backup_fs->dev == new_fs->dev;
}

// What runs now, and the plugins this machine has.
void services(Context& c, Survey& s) {
    Plan& p = s.plan;
    std::string out;
    int rc = call(c, {"admin", "status"}, &out);  // captured: its errors are ours to tell
    p.admin = rc != OMERO_EXIT_PLUGIN_UNAVAILABLE;
    p.admin_running = rc == 0;
    out.clear();
    rc = call(c, {"web", "status"}, &out);
    p.web = rc != OMERO_EXIT_PLUGIN_UNAVAILABLE;
    p.web_running = rc == 0;
    if (!p.admin) s.skipped.push_back("admin stop/start and diagnostics: install package omero-plugin-admin");
    if (!p.web) s.skipped.push_back("web stop/syncmedia/start: install package omero-plugin-web");
}

// The local edits carried or merged into the new distribution.
void local_edits(Survey& s, const std::optional<fs::path>& pristine) {
    Plan& p = s.plan;
    s.edits = find_edits(s.old_dist, s.new_dist, pristine);
    for (const FileEdit& f : s.edits.files)
        if (f.action == "carry" || f.action == "merge") p.edits.push_back(f);
    p.jvmcfg = s.edits.jvmcfg;
    omeroweb_settings(s);
}

}  // namespace

std::unique_ptr<Survey> survey(Context& c) {
    auto s = std::make_unique<Survey>();
    Plan& p = s->plan;
    std::optional<fs::path> pristine = distributions(c, *s);
    for (std::string_view f : c.values("fix")) p.fixes.emplace_back(f);
    p.start = !c.flag("no-start");
    p.optimize = c.flag("optimize");
    p.yes = c.flag("yes");
    settings(c, *s);
    database(c, *s);
    rollback_point(c, *s);
    services(c, *s);
    local_edits(*s, pristine);
    p.webconf = web_files(c, p);
    preflight(c, *s);
    return s;
}

}  // namespace omero::upgrade
