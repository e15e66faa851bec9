// The summary at the end of `upgrade run` and `upgrade rollback`, read from
// the journal's timestamps: a step's time is from its last "begin" to its
// "done" (a resumed step counts its last attempt); the downtime runs from
// the beginning of the stop to the moment OMERO.web (or, without it, the
// server) answers again - `web start` and `admin start` return only then.
#include "summary.hpp"
#include "steps.hpp"

#include "util/clock.hpp"
#include "util/file.hpp"

#include <cstdio>
#include <map>

namespace omero::upgrade {

namespace {

// "5.9 s" (lib/util/clock's seconds, one decimal), "3 min 07 s" past a minute.
std::string duration_text(double s) {
    if (s < 60) return omero::seconds_text(std::chrono::milliseconds(static_cast<long long>(s * 1000))) + " s";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%d min %02d s", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
    return buf;
}

}  // namespace

Summary summarize(const Journal& j, const Plan& p, bool rollback) {
    Summary s;
    std::map<std::string, double> begun;
    for (const json& e : j.current()) {
        if (!e.contains("step") || !e.contains("at")) continue;
        std::string step = e["step"], state = e.value("state", "");
        bool ours = rollback == (step.rfind("rollback-", 0) == 0);
        if (!ours) continue;
        double at = e["at"].get<double>();
        if (state == "begin") begun[step] = at;
        if (state != "done" || !begun.count(step)) continue;
        s.steps.emplace_back(rollback ? step.substr(9) : step, at - begun[step]);
    }
    // The downtime: from the stop to the last thing that must answer.
    std::string first = rollback ? "rollback-stop" : "stop";
    std::string last = rollback ? "rollback-start" : (p.web && p.web_running && p.start ? "webstart" : "start");
    bool anything_ran = p.admin_running || p.web_running;
    std::optional<double> from, to;
    for (const json& e : j.current()) {
        if (!e.contains("at")) continue;
        if (e.value("step", "") == first && e.value("state", "") == "begin" && !from) from = e["at"].get<double>();
        if (e.value("step", "") == last && e.value("state", "") == "done") to = e["at"].get<double>();
    }
    if (anything_ran && from && to && p.start) {
        s.downtime = *to - *from;
        s.downtime_span = std::string("server stopped -> ") +
                          (p.web && p.web_running ? "OMERO.web answering again" : "the server answering again");
    }
    s.backup = backup_path(p).string();
    s.backup_bytes = path_size(s.backup);
    if (p.backup_kind == "clone") s.clone = p.clone;
    s.rollback = rollback;
    if (rollback) {
        s.next = {"check that users can log in and OMERO.web answers",
                  "the upgraded database is kept: drop it with dropdb once you are sure (omero db status names the one "
                  "in use)",
                  "the backup " + s.backup + " is no longer needed by omero: keep it or remove it"};
    } else {
        s.next = {"check that users can log in and OMERO.web answers",
                  "keep the backup until you are content; 'omero upgrade rollback' undoes all of it while it is there",
                  "'omero db optimize' refreshes the planner's statistics (the server may run meanwhile)"};
        if (!p.symlink) s.next.push_back("the old distribution is kept at " + p.aside.string());
    }
    return s;
}

std::string Summary::text() const {
    std::string o = "summary\n";
    size_t w = 12;
    for (auto& [step, secs] : steps) w = std::max(w, step.size() + 2);
    for (auto& [step, secs] : steps) o += "  " + step + std::string(w - step.size(), ' ') + duration_text(secs) + "\n";
    if (downtime) o += "  downtime" + std::string(w - 8, ' ') + duration_text(*downtime) + " (" + downtime_span + ")\n";
    if (!clone.empty())
        o += "  rollback" + std::string(w - 8, ' ') + "database " + clone +
             (rollback ? " (the copy taken before the upgrade) is the one in use now\n"
                       : " (a copy taken while the server was down; rollback points omero.db.name at it)\n");
    o += "  backup" + std::string(w - 6, ' ') + backup + " (" + human_bytes(backup_bytes) + ")\n";
    for (size_t i = 0; i < next.size(); ++i)
        o += (i ? "  " + std::string(w, ' ') : "  next" + std::string(w - 4, ' ')) + next[i] + "\n";
    return o;
}

json Summary::to_json() const {
    json st = json::array();
    for (auto& [step, secs] : steps) st.push_back({{"step", step}, {"seconds", secs}});
    json j = {{"steps", st}, {"backup", backup}, {"backup_bytes", backup_bytes}, {"next", next}};
    if (!clone.empty()) j["rollback_database"] = clone;
    j["downtime_seconds"] = downtime ? json(*downtime) : json(nullptr);
    return j;
}

}  // namespace omero::upgrade
