// versions_test.cpp - version ordering and upgrade paths.
#include "migrate/versions.hpp"

#include <gtest/gtest.h>

using namespace omero::migrate;

TEST(Versions, OrderingAndPaths) {
    auto v = [](const char* s) { return *parse_version(s); };
    EXPECT_TRUE(v("OMERO5.3__0") < v("OMERO5.4__0"));
    EXPECT_TRUE(v("OMERO5.4DEV__3") < v("OMERO5.4__0"));
    EXPECT_TRUE(v("OMERO4.4__0") < v("OMERO5.0__0"));
    EXPECT_TRUE(v("OMERO3A__11") < v("OMERO4__0"));
    EXPECT_FALSE(parse_version("OMERO5.4__0-precheck"));
    std::vector<Hop> hops = {{v("OMERO5.1__1"), v("OMERO5.2__0")},
                             {v("OMERO5.2__0"), v("OMERO5.3__0")},
                             {v("OMERO5.3__0"), v("OMERO5.4__0")},
                             {v("OMERO5.2__0"), v("OMERO5.3DEV__1")}};
    auto p = find_path(hops, v("OMERO5.1__1"), std::nullopt);
    ASSERT_TRUE(p);
    ASSERT_EQ(p->size(), 3u);
    EXPECT_EQ(p->back().to.name, "OMERO5.4__0");
    EXPECT_EQ(find_path(hops, v("OMERO5.1__1"), v("OMERO5.3__0"))->size(), 2u);
    EXPECT_FALSE(find_path(hops, v("OMERO5.0__0"), v("OMERO5.4__0")));
    EXPECT_TRUE(find_path(hops, v("OMERO5.4__0"), std::nullopt)->empty());
}
