// steps.hpp - the steps of `upgrade run` and `upgrade rollback`, each between
// its "begin" and "done" lines in the journal, so a kill -9 anywhere leaves a
// run that `resume` continues or `rollback` undoes.
#pragma once

#include "journal.hpp"

#include <functional>
#include <string>

namespace omero::upgrade {

// Runs one step unless the journal says it is done. A failure is journaled
// and rethrown naming the step, then `next` (what to do about it): exit 29,
// or 130 when it was Ctrl-C.
void journaled(const Journal& j, const std::string& step, const std::function<void()>& fn, const std::string& next);
// Runs the plan's steps not yet done, journaling each; returns the exit status.
int run_steps(Context& c, const Plan& p, const Journal& j);
// `upgrade rollback` under the lock the caller holds (resume continues a
// begun rollback through it).
int rollback_locked(Context& c, const Journal& j);
// The backup's path now.
fs::path backup_path(const Plan& p);

}  // namespace omero::upgrade
