// The plan as the journal keeps it, the journal and the upgrade lock (see journal.hpp).
#include "journal.hpp"

#include "util/error.hpp"
#include "util/file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <chrono>

namespace omero::upgrade {

namespace {

json edits_json(const std::vector<FileEdit>& v) {
    json a = json::array();
    for (const FileEdit& f : v)
        a.push_back({{"from", f.from}, {"to", f.to}, {"action", f.action}, {"diff", f.diff}, {"content", f.content}});
    return a;
}

}  // namespace

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

double now_seconds() {
    using namespace std::chrono;
    return static_cast<double>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()) / 1000.0;
}

bool Journal::exists() const {
    std::error_code ec;
    return fs::exists(path(), ec);
}

std::vector<json> Journal::read() const {
    std::vector<json> out;
    auto text = read_file_if_exists(path(), 64 << 20);
    if (!text) return out;
    for (size_t at = 0, nl; at < text->size(); at = nl + 1) {
        nl = text->find('\n', at);
        if (nl == std::string::npos) break;  // a line cut by a crash: never announced a step
        json j = json::parse(text->substr(at, nl - at), nullptr, false);
        // A line cut short by a crash or a full disk (the next append starts
        // a fresh line after it) announced nothing: it is passed over.
        if (j.is_discarded() && (nl == at || (*text)[nl - 1] != '}')) continue;
        if (j.is_discarded())
            throw Error(OMERO_EXIT_FAILURE, path().string() + " is damaged at byte " + std::to_string(at) +
                                                "; move it aside to start a new upgrade");
        out.push_back(std::move(j));
    }
    return out;
}

void Journal::append(const json& entry) const {
    std::error_code ec;
    fs::create_directories(path().parent_path(), ec);
    json e = entry;
    if (e.is_object() && !e.contains("at")) e["at"] = now_seconds();  // when: for the summary's durations
    std::string line = e.dump() + "\n";
    int fd = ::open(path().c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw Error(OMERO_EXIT_FAILURE, "cannot write " + path().string() + ": " + std::strerror(errno));
    // After a torn append the file does not end in a newline: start a fresh line.
    struct stat st {};
    char last = '\n';
    if (::fstat(fd, &st) == 0 && st.st_size > 0 && ::pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n')
        line.insert(line.begin(), '\n');
    bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
    int err = errno;
    ::close(fd);
    if (!ok) throw Error(OMERO_EXIT_FAILURE, "cannot write " + path().string() + ": " + std::strerror(err));
    fsync_dir(path().parent_path());
}

// The entries of the newest run: from its last plan on.
std::vector<json> Journal::current() const {
    std::vector<json> all = read();
    for (size_t i = all.size(); i-- > 0;)
        if (all[i].value("event", "") == "plan")
            return std::vector<json>(all.begin() + static_cast<long>(i), all.end());
    return {};
}

std::optional<Plan> Journal::plan() const {
    auto run = current();
    if (run.empty()) return std::nullopt;
    json p = run[0]["plan"];
    for (const json& e : run)  // what steps learnt (the unpacked distribution's identity)
        if (e.contains("update")) p.update(e["update"]);
    return Plan::from_json(p);
}

bool Journal::done(const std::string& step) const {
    for (const json& e : current())
        if (e.value("step", "") == step && e.value("state", "") == "done") return true;
    return false;
}

bool Journal::begun(const std::string& step) const {
    for (const json& e : current())
        if (e.value("step", "") == step) return true;
    return false;
}

std::string Journal::outcome() const {
    std::string out;
    for (const json& e : current()) {
        std::string ev = e.value("event", "");
        if (ev == "finished" || ev == "rolled-back") out = ev;
        // A rollback begun after the run finished: neither, until it ends.
        if (e.value("step", "").rfind("rollback-", 0) == 0 && out == "finished") out.clear();
    }
    return out;
}

void Journal::copy_to(const fs::path& dist) const {
    auto text = read_file_if_exists(path(), 64 << 20);
    if (!text) return;
    std::error_code ec;
    fs::create_directories(dist / "var/upgrade", ec);
    write_file_atomic(dist / "var/upgrade/journal", *text, false);
}

UpgradeLock::UpgradeLock(const fs::path& omerodir) {
    fs::path parent = fs::absolute(omerodir).parent_path();
    fd_ = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd_ < 0) throw Error(OMERO_EXIT_FAILURE, "cannot open " + parent.string() + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd_);
        throw Error(OMERO_EXIT_FAILURE, "another 'omero upgrade' is working on " + omerodir.string() +
                                            " (it holds the lock on " + parent.string() + "); wait for it to end");
    }
}

UpgradeLock::~UpgradeLock() {
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace omero::upgrade
