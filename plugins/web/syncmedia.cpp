// `omero web syncmedia`: Django's collectstatic of the installed OMERO.web
// into omero.web.static_root, then the files an earlier syncmedia put there
// that no app provides any more removed (.omero-static-manifest records
// what was put there; nothing else is ever removed).
#include "web.hpp"

namespace omero::web {

namespace {

// The static root by its real path (a symlink to $OMERODIR is $OMERODIR):
// collectstatic writes there and a prune removes files, so it must be a
// directory of its own - not the server's directory, nor one that holds it,
// nor its etc/, lib/ or a var/ folder the server uses, nor a system folder.
void check_static_root(const Settings& s) {
    std::error_code ec;
    fs::path root = fs::weakly_canonical(s.static_root, ec), dir = fs::weakly_canonical(s.omerodir, ec);
    auto inside = [](const fs::path& a, const fs::path& b) {  // b is a or below it
        auto r = b.lexically_relative(a);
        return !r.empty() && *r.begin() != "..";
    };
    std::string why;
    static const char* const kSystem[] = {"/",      "/bin", "/boot", "/dev",       "/etc", "/home",    "/lib",
                                          "/lib64", "/opt", "/proc", "/root",      "/run", "/sbin",    "/srv",
                                          "/sys",   "/tmp", "/usr",  "/usr/local", "/var", "/var/lib", "/var/www"};
    for (const char* sys : kSystem)
        if (root == sys) why = "a system folder";
    if (const char* home = std::getenv("HOME"); home && *home && root == fs::weakly_canonical(home, ec))
        why = "your home folder";
    if (why.empty() && inside(root, dir))
        why = "the server's directory " + dir.string() + (root == dir ? "" : " or holds it");
    if (why.empty() && inside(dir, root)) {
        fs::path rel = root.lexically_relative(dir);
        auto first = rel.begin();
        auto second = std::next(first);
        bool own = *first == "var" && second != rel.end() &&
                   !(*second == "log" || *second == "master" || *second == "registry" || *second == "backups" ||
                     *second == "upgrade" || *second == "tmp" || *second == "sessions");
        if (!own) why = "inside the server's directory but not a folder of its own under var/ (" + rel.string() + ")";
    }
    if (!why.empty())
        throw Error(OMERO_EXIT_FAILURE,
                    "omero.web.static_root is " + s.static_root.string() +
                        (root != s.static_root ? " (" + root.string() + ")" : "") + ", " + why +
                        ": refusing to collect or remove files there; point it at a directory of its "
                        "own (default $OMERODIR/var/static)");
}

int run(Context& c) {
    Settings s = load_settings(c);
    bool prune = !c.flag("keep-stale");
    check_static_root(s);
    std::vector<std::string> actions = {"probe", "require-web", "collect"};
    if (prune) actions.push_back("prune");
    nlohmann::json j = run_helper(c, s, actions);
    require(s, j["probe"], false);
    const auto& col = j["collect"];
    int removed = prune ? j["prune"].value("removed", 0) : 0;
    if (c.json()) {
        c.emit_json(nlohmann::json{
            {"static_root", col.value("static_root", "")},
            {"copied", col.value("copied", 0)},
            {"unchanged", col.value("unmodified", 0)},
            {"removed", removed},
            {"removed_files", prune ? j["prune"].value("files", nlohmann::json::array()) : nlohmann::json::array()}}
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
    return {
        .path = "web syncmedia",
        .summary = "Collect OMERO.web's static files into omero.web.static_root",
        .help =
            "Runs Django's collectstatic with OMERO.web's interpreter (omero.web.python, else python3)\n"
            "and settings, then removes the files an earlier syncmedia put there (recorded in\n"
            ".omero-static-manifest) that no installed app provides any more (a previous release's),\n"
            "unless --keep-stale; files it did not put there are never removed. A static root that is\n"
            "(by its real path) the server's directory, holds it, or is a system folder is refused.\n"
            "Run it after every upgrade.",
        .options = {{.name = "keep-stale", .help = "keep files no installed app provides"}, omero::sdk::json_option()},
        .run = run};
}

}  // namespace omero::web
