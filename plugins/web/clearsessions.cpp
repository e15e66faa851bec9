// `omero web clearsessions`: Django's clearsessions with OMERO.web's settings.
#include "web.hpp"

namespace omero::web {

namespace {

int run(Context& c) {
    Settings s = load_settings(c);
    nlohmann::json j = run_helper(c, s, {"probe", "require-web", "clearsessions"});
    require(s, j["probe"], false);
    std::string note = j["clearsessions"].value("note", std::string());
    if (!note.empty()) c.err(note + "\n");
    c.out("Cleared expired sessions\n");
    return 0;
}

}  // namespace

Command clearsessions_command() {
    return {.path = "web clearsessions",
            .summary = "Remove expired OMERO.web sessions",
            .help =
                "Django's clearsessions, run with OMERO.web's interpreter and settings ('web start' runs it\n"
                "unless --keep-sessions).",
            .run = run};
}

}  // namespace omero::web
