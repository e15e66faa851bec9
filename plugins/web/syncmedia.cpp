// `omero web syncmedia`: Django's collectstatic of the installed OMERO.web
// into omero.web.static_root, then the files no app provides any more removed.
#include "web.hpp"

namespace omero::web {

namespace {

// Removing files is only safe in a directory that is only a static root.
void check_prunable(const Settings& s) {
    fs::path root = s.static_root.lexically_normal(), dir = s.omerodir.lexically_normal();
    auto inside = [](const fs::path& a, const fs::path& b) {  // a is b or above it
        auto r = b.lexically_relative(a);
        return !r.empty() && *r.begin() != "..";
    };
    if (root == root.root_path() || inside(root, dir) || root == dir / "var" || root == dir / "etc")
        throw Error(OMERO_EXIT_FAILURE, "omero.web.static_root is " + s.static_root.string() +
                                            ", which holds more than static files: refusing to remove files there; "
                                            "point it at a directory of its own (default $OMERODIR/var/static) or "
                                            "use --keep-stale");
}

int run(Context& c) {
    Settings s = load_settings(c);
    bool prune = !c.flag("keep-stale");
    if (prune) check_prunable(s);
    std::vector<std::string> actions = {"probe", "require-web", "collect"};
    if (prune) actions.push_back("prune");
    nlohmann::json j = run_helper(c, s, actions);
    require(s, j["probe"], false);
    const auto& col = j["collect"];
    int removed = prune ? j["prune"].value("removed", 0) : 0;
    if (c.json()) {
        c.emit_json(nlohmann::json{{"static_root", col.value("static_root", "")},
                                   {"copied", col.value("copied", 0)},
                                   {"unchanged", col.value("unmodified", 0)},
                                   {"removed", removed},
                                   {"removed_files", prune ? j["prune"].value("files", nlohmann::json::array())
                                                           : nlohmann::json::array()}}
                        .dump());
        return 0;
    }
    c.out("Static files in " + col.value("static_root", std::string()) + ": " + std::to_string(col.value("copied", 0)) +
          " copied, " + std::to_string(col.value("unmodified", 0)) + " unchanged, " + std::to_string(removed) +
          " removed\n");
    if (prune && j["prune"].contains("skipped"))
        c.err("note: stale files were not looked for: " + j["prune"]["skipped"].get<std::string>() + "\n");
    return 0;
}

}  // namespace

Command syncmedia_command() {
    return {.path = "web syncmedia",
            .summary = "Collect OMERO.web's static files into omero.web.static_root",
            .help = "Runs Django's collectstatic with OMERO.web's interpreter (omero.web.python, else python3)\n"
                    "and settings, then removes files there that no installed app provides any more\n"
                    "(a previous release's), unless --keep-stale. Run it after every upgrade.",
            .options = {{.name = "keep-stale", .help = "keep files no installed app provides"},
                        omero::sdk::json_option()},
            .run = run};
}

}  // namespace omero::web
