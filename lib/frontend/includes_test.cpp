#include "frontend/includes.hpp"

#include "run.hpp"
#include "util/file.hpp"

#include <gtest/gtest.h>

namespace fs = std::filesystem;
using namespace omero::frontend;
using namespace omero::test;

namespace {

std::vector<std::string> names(const std::vector<fs::path>& files, const fs::path& base) {
    std::vector<std::string> out;
    for (const fs::path& f : files) out.push_back(f.lexically_relative(fs::canonical(base)).string());
    return out;
}

}  // namespace

TEST(ConfIncludes, NginxFollowsIncludesRelativeToTheMainFileGlobbedAndOnce) {
    TempDir t;
    fs::create_directories(t / "sites-enabled");
    write_file(t / "nginx.conf",
               "events {}\n# include commented.conf;\nhttp {\n  include mime.types;\n"
               "  log_format x 'include not-a-directive;';\n  include \"sites-enabled/*\";\n"
               "  include sites-enabled/a;  # twice: read once\n}\n");
    write_file(t / "mime.types", "types { text/html html; }\n");
    write_file(t / "sites-enabled/b", "server { no_such_directive on; }\n");
    write_file(t / "sites-enabled/a", "server { include " + (t / "snippet.conf").string() + "; }\n");
    write_file(t / "snippet.conf", "location / {}\n");
    write_file(t / "commented.conf", "");
    write_file(t / "not-a-directive", "");
    ConfRoot c;
    c.main = t / "nginx.conf";
    EXPECT_EQ(
        names(included_files(c), t.path()),
        (std::vector<std::string>{"nginx.conf", "mime.types", "sites-enabled/a", "snippet.conf", "sites-enabled/b"}));
}

TEST(ConfIncludes, ApacheReadsServerRootDirectoriesAndVariables) {
    TempDir t;
    fs::create_directories(t / "conf.d/deeper");
    fs::create_directories(t / "sites");
    write_file(t / "httpd.conf",
               "ServerRoot \"" + t.path().string() +
                   "\"\n  #Include nothing.conf\n"
                   "include conf.d\nIncludeOptional ${SITES}/*.conf\nIncludeOptional missing/*.conf\n");
    write_file(t / "conf.d/one.conf", "Listen 80\n");
    write_file(t / "conf.d/deeper/two.conf", "Include \"" + (t / "last.conf").string() + "\"\n");
    write_file(t / "last.conf", "");
    write_file(t / "sites/omero.conf", "<VirtualHost *:80>\n</VirtualHost>\n");
    write_file(t / "nothing.conf", "");
    ConfRoot c;
    c.nginx = false;
    c.main = t / "httpd.conf";
    c.root = "/nonexistent";
    c.env = {"SITESX=wrong", "SITES=" + (t / "sites").string()};
    EXPECT_EQ(names(included_files(c), t.path()),
              (std::vector<std::string>{"httpd.conf", "conf.d/deeper/two.conf", "last.conf", "conf.d/one.conf",
                                        "sites/omero.conf"}));
}

TEST(ConfIncludes, AnIncludeLoopEndsAndAnUnreadableMainFileIsListedAlone) {
    TempDir t;
    write_file(t / "a.conf", "include b.conf;\n");
    write_file(t / "b.conf", "include a.conf;\n");
    ConfRoot c;
    c.main = t / "a.conf";
    EXPECT_EQ(names(included_files(c), t.path()), (std::vector<std::string>{"a.conf", "b.conf"}));
    c.main = t / "gone.conf";
    EXPECT_EQ(included_files(c).size(), 1u);
}
