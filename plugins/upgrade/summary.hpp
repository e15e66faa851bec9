// summary.hpp - the end of `run` and `rollback`: each step with how long it
// took, the downtime (the server stopped -> OMERO.web, else the server,
// answering again), the backup and its size, and what to do next; as text,
// and as the fields of the result event under --json.
#pragma once

#include "journal.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace omero::upgrade {

struct Summary {
    std::vector<std::pair<std::string, double>> steps;  // step, seconds
    std::optional<double> downtime;
    std::string downtime_span;  // "server stopped -> OMERO.web answering"
    std::string backup;
    uintmax_t backup_bytes = 0;
    std::string clone;  // the rollback point on the cluster, when there is one
    bool rollback = false;
    std::vector<std::string> next;
    std::string text() const;
    json to_json() const;
};
Summary summarize(const Journal& j, const Plan& p, bool rollback);

}  // namespace omero::upgrade
