#include "frontend/site_config.hpp"

#include <gtest/gtest.h>

#include <fstream>

using namespace omero::frontend;
namespace fs = std::filesystem;

TEST(Frontend, SizesInNginxSyntax) {
    EXPECT_EQ(size_bytes("0"), 0);
    EXPECT_EQ(size_bytes("512"), 512);
    EXPECT_EQ(size_bytes("2m"), 2 * 1024 * 1024);
    EXPECT_EQ(size_bytes("1G"), 1024LL * 1024 * 1024);
    EXPECT_FALSE(size_bytes(""));
    EXPECT_FALSE(size_bytes("m"));
    EXPECT_FALSE(size_bytes("2mb"));
    EXPECT_FALSE(size_bytes("-1"));
}

TEST(Frontend, FormNames) {
    for (const char* n : {"nginx", "nginx-development", "nginx-location", "apache", "apache-location"})
        EXPECT_EQ(form_name(*parse_form(n)), std::string(n));
    EXPECT_FALSE(parse_form("lighttpd"));
}

TEST(Frontend, FindsNginxAndApacheAliases) {
    fs::path f = fs::temp_directory_path() / ("frontend_test_" + std::to_string(::getpid()));
    std::ofstream(f) << "server {\n"
                        "  location /static { alias /old/static; }  # old\n"
                        "  location = /x\n  {\n    alias /x/dir/;\n  }\n"
                        "  # alias /commented;\n"
                        "}\n"
                        "Alias /static /srv/omero/var/static\n";
    auto a = find_aliases(f);
    fs::remove(f);
    ASSERT_EQ(a.size(), 3u);
    EXPECT_EQ(a[0].server, "nginx");
    EXPECT_EQ(a[0].url, "/static");
    EXPECT_EQ(a[0].path, "/old/static");
    EXPECT_EQ(a[0].line, 2);
    EXPECT_EQ(a[1].url, "/x");
    EXPECT_EQ(a[1].path, "/x/dir/");
    EXPECT_EQ(a[2].server, "apache");
    EXPECT_EQ(a[2].path, "/srv/omero/var/static");
}

TEST(Frontend, ApacheRoutesLikeNginx) {
    FrontEnd v;
    v.root = "/srv/omero";
    v.static_url = "/static";
    v.static_root = "/srv/omero/var/static";
    v.script_name = "/omero";
    v.prefix_name = "_omero";
    v.upstream = "127.0.0.1:4080";
    v.max_body_size = "2m";
    v.server_name = "omero.example.org";
    std::string s = render(Form::apache, v);
    EXPECT_NE(s.find("<VirtualHost *:80>"), std::string::npos);
    EXPECT_NE(s.find("ServerName omero.example.org"), std::string::npos);
    EXPECT_NE(s.find("LimitRequestBody 2097152"), std::string::npos);
    // Exclusions come before the catch-all ProxyPass (the first match wins).
    EXPECT_LT(s.find("ProxyPass /static !"), s.find("ProxyPass /omero http://127.0.0.1:4080/omero retry=0"));
    EXPECT_NE(s.find("ErrorDocument 503 /omero-maintenance_omero/maintainance.html"), std::string::npos);
    std::string loc = render(Form::apache_location, v);
    EXPECT_EQ(loc.find("\n<VirtualHost"), std::string::npos);  // only in the example comment
    EXPECT_NE(loc.find("Alias /static /srv/omero/var/static"), std::string::npos);
}
