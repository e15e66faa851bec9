// `omero admin deploy`: rewrite, then `application update` of the
// descriptor on the running registry (the reference refused on a live node).
#include "admin.hpp"

namespace omero::admin {

namespace {

int run(Context& c) {
    Server s = server(c);
    rewrite(c, s);
    std::vector<std::string> rest;
    for (auto a : c.args()) rest.emplace_back(a);
    std::string descriptor = s.descriptor().string();
    if (!rest.empty() && fs::is_regular_file(rest[0])) {
        descriptor = fs::absolute(rest[0]).string();
        rest.erase(rest.begin());
    }
    std::string cmd = "application update \"" + descriptor + "\"";
    for (auto& t : rest) cmd += " " + t;
    return run_icegridadmin(c, s, {cmd}, false);
}

}  // namespace

Command deploy_command() {
    return {.path = "admin deploy",
            .summary = "Rewrite the live files and redeploy the application on the running server",
            .args = {{.name = "TARGETS",
                      .help = "[DESCRIPTOR] then IceGrid targets",
                      .flags = OMERO_ARG_OPTIONAL | OMERO_ARG_VARIADIC}},
            .run = run};
}

}  // namespace omero::admin
