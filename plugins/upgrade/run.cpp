// `omero upgrade run --to NEW`: the plan, then every step, journaled so
// that `upgrade resume` continues after a failure or a kill.
#include "survey.hpp"
#include "calls.hpp"
#include "steps.hpp"
#include "summary.hpp"

#include "util/error.hpp"

namespace omero::upgrade {

namespace {

void refuse_unfinished(const Journal& j) {
    auto p = j.plan();
    if (!p || !j.outcome().empty()) return;
    throw Error(OMERO_EXIT_UPGRADE_IN_PROGRESS,
                "an upgrade from " + p->from_release + " to " + p->to_release + " (started " + p->started +
                    ") is unfinished (" + j.path().string() +
                    "): run 'omero upgrade resume' to finish it, or 'omero upgrade rollback' to undo it");
}

int run(Context& c) {
    UpgradeLock lock(c.server_dir());
    Journal j(fs::absolute(c.server_dir()));
    refuse_unfinished(j);
    auto s = survey(c);
    if (c.json())
        c.emit_json(describe_json(*s).dump());
    else
        c.err(describe(*s));
    if (!s->ready()) throw Error(OMERO_EXIT_UPGRADE_NOT_READY, "nothing was changed: " + s->problems.front());
    j.append({{"event", "plan"}, {"plan", s->plan.to_json()}});
    return run_steps(c, s->plan, j);
}

int resume(Context& c) {
    UpgradeLock lock(c.server_dir());
    Journal j(fs::absolute(c.server_dir()));
    auto p = j.plan();
    if (!p)
        throw Error(OMERO_EXIT_UPGRADE_NO_JOURNAL, "no upgrade to resume: " + j.path().string() + " does not exist");
    std::string outcome = j.outcome();
    if (outcome.empty() && j.begun("rollback-stop")) {
        // A rollback was begun: it is what is unfinished, and what resumes.
        if (!c.json()) c.err("resuming the rollback of the upgrade " + p->from_release + " -> " + p->to_release + "\n");
        return rollback_locked(c, j);
    }
    if (!outcome.empty()) {
        c.out((outcome == "finished" ? "the upgrade to " + p->to_release + " is complete; nothing to resume"
                                     : "the upgrade to " + p->to_release + " was rolled back; nothing to resume") +
              "\n");
        return 0;
    }
    if (!c.json())
        c.err("resuming the upgrade " + p->from_release + " -> " + p->to_release + " (started " + p->started + ")\n");
    return run_steps(c, *p, j);
}

}  // namespace

Command run_command() {
    return {.path = "upgrade run",
            .summary = "Upgrade the server to a new release: back up, swap, upgrade the database, restart",
            .help =
                "Plans as 'upgrade plan' does and stops before changing anything if a check refuses. Then:\n"
                "stage the new distribution (unpack, config.xml, local edits), stop OMERO.web and the server,\n"
                "back up the database (verified; the server is down, so nothing is written after it), swap\n"
                "the distribution in at $OMERODIR, set omero.jvmcfg.* from memory edits, upgrade the\n"
                "database hop by hop, start the server, sync OMERO.web's static files, re-point the web\n"
                "server's file (--yes), start OMERO.web, run diagnostics. Each step is journaled in\n"
                "var/upgrade/journal: after a failure or a kill, 'upgrade resume' continues and\n"
                "'upgrade rollback' undoes.",
            .options = survey_options({{.name = "yes", .help = "write the re-pointed web server files (else shown)"}}),
            .flags = OMERO_CMD_NEEDS_SERVER_DIR,
            .run = run};
}

Command resume_command() {
    return {.path = "upgrade resume",
            .summary = "Continue an upgrade that failed or was killed, from its first unfinished step",
            .help =
                "Reads var/upgrade/journal; finished steps are not run again. A rollback that was begun\n"
                "and did not end is what resumes.",
            .options = {omero::sdk::json_option()},
            .flags = OMERO_CMD_NEEDS_SERVER_DIR,
            .run = resume};
}

}  // namespace omero::upgrade
