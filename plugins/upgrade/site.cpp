// The web server's site files for OMERO.web: found (--web-conf, else under
// /etc/nginx and /etc/apache2), re-pointed from the old distribution's real
// path to $OMERODIR, written through Debian's sites-enabled -> sites-available
// link with no backup beside them (the text before the upgrade is in the
// journal's plan), then tested and reloaded by every running nginx/Apache
// that loads them. A server that refuses gets the previous text back.
#include "site.hpp"
#include "calls.hpp"

#include "dist/edits.hpp"

#include "util/error.hpp"
#include "util/file.hpp"
#include "frontend/servers.hpp"

namespace omero::upgrade {

using namespace omero::frontend;

namespace {

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size()) s.replace(at, from.size(), to);
    return s;
}

}  // namespace

std::vector<Plan::WebFile> web_files(Context& c, const Plan& p) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (std::string_view v : c.values("web-conf")) files.emplace_back(std::string(v));
    if (files.empty())
        for (const char* d : {"/etc/nginx/sites-enabled", "/etc/nginx/conf.d", "/etc/apache2/sites-enabled",
                              "/etc/apache2/conf-enabled"})
            for (const auto& e : fs::directory_iterator(d, ec))
                if (e.is_regular_file(ec)) files.push_back(e.path());
    std::vector<Plan::WebFile> out;
    if (!p.symlink) return out;  // $OMERODIR keeps its name: the files stay right
    for (const fs::path& f : files) {
        auto text = read_file_if_exists(f, 16 << 20);
        if (!text) throw Error(OMERO_EXIT_FILE_NOT_FOUND, "no such web server file: " + f.string());
        std::string from = p.old_dir.string() + "/";
        if (text->find(from) == std::string::npos) continue;
        std::string to = fs::absolute(p.omerodir).lexically_normal().string() + "/";
        std::string path = fs::absolute(f).string(), content = replace_all(*text, from, to);
        out.push_back({path, content, unified_diff(*text, content, path, path + " (new)"), *text});
    }
    return out;
}

void apply_site_file(Context& c, const std::string& step, const std::string& path, const std::string& content,
                     const std::string& previous) {
    // Which servers load the file is asked before it changes (a server whose
    // configuration does not parse is read through its include directives).
    std::error_code ec;
    fs::path real = fs::canonical(path, ec);
    if (ec) real = path;
    std::vector<FrontServer> loaders;
    for (FrontServer& srv : front_servers()) {
        std::string why;
        auto loaded = loaded_files(srv, &why);
        if (!loaded)
            throw Error(OMERO_EXIT_FAILURE, "cannot tell whether " + srv.name() + " loads " + path + ": " + why + "; " +
                                                path + " was not written");
        if (loaded->has(real)) loaders.push_back(std::move(srv));
    }
    fs::path target = write_through(path, content);
    say(c, step, "wrote " + target.string() + (target.string() == path ? "" : " (" + path + " links to it)"));
    for (const FrontServer& srv : loaders) {
        std::string why;
        if (std::string refused = test_config(srv); !refused.empty()) {
            write_through(path, previous);
            throw Error(OMERO_EXIT_FAILURE, srv.name() + " refuses its configuration with the new " + path + ":\n" +
                                                refused + "\n" + path + " has its previous text again; " + srv.name() +
                                                " was not reloaded");
        }
        if (!reload(srv, &why)) throw Error(OMERO_EXIT_FAILURE, why + "; reload it yourself");
        say(c, step, srv.name() + " -t passed; reloaded");
    }
    if (loaders.empty()) say(c, step, "no running nginx or Apache loads " + target.string() + ": nothing to reload");
}

}  // namespace omero::upgrade
