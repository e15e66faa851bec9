// check_report.hpp - what `admin check` and `web check` print: a line a
// check ("ok       ..." / "PROBLEM  ..."), or under --json one result
// {"event": "result", "schema": 1, "ok": B, "checks": [{check, status,
// message}]} (a contract `upgrade plan` reads; the SDK README documents it).
// Exit 0, or Error(1) saying how many problems would stop `what`.
#pragma once

#include "util/error.hpp"

#include <nlohmann/json.hpp>
#include <omero/plugin.hpp>

#include <string>
#include <vector>

namespace omero {

struct CheckItem {
    std::string check, status, message;  // status: "ok" or "problem"
};

inline int report_checks(const omero::sdk::Context& c, const std::vector<CheckItem>& items, const std::string& what) {
    size_t problems = 0;
    nlohmann::json list = nlohmann::json::array();
    for (const CheckItem& x : items) {
        problems += x.status != "ok";
        list.push_back({{"check", x.check}, {"status", x.status}, {"message", x.message}});
        if (!c.json()) c.out((x.status == "ok" ? "ok       " : "PROBLEM  ") + x.message + "\n");
    }
    if (c.json())
        c.emit_json(nlohmann::json{{"event", "result"}, {"schema", 1}, {"ok", problems == 0}, {"checks", list}}.dump());
    if (problems)
        throw Error(OMERO_EXIT_FAILURE, std::to_string(problems) + " problem(s) would stop '" + what + "' (above)");
    return 0;
}

}  // namespace omero
