// quick_get() against the tree: where it decides, Document::parse(text).get(key)
// must give the same answer; what it leaves undecided, it leaves to the tree.
#include "config/config_scan.hpp"
#include "config/config_xml.hpp"

#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <random>
#include <vector>

using namespace omero::config;

namespace {

// The tree's answer, or "<error>" when the tree refuses the text.
std::string tree_get(const std::string& text, const std::string& key) {
    try {
        auto v = Document::parse(text).get(key);
        return v ? "=" + *v : "<unset>";
    } catch (const omero::Error&) {
        return "<error>";
    }
}

std::string scan_get(const std::string& text, const std::string& key) {
    QuickGet q = quick_get(text, key);
    if (!q.decided) return "<undecided>";
    return q.value ? "=" + *q.value : "<unset>";
}

// The file read a chunk at a time: the same answers, wherever the chunks end.
std::string scan_file(const std::string& text, const std::string& key, size_t chunk) {
    int fd = memfd_create("config.xml", 0);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    lseek(fd, 0, SEEK_SET);
    QuickGet q = quick_get(fd, key, chunk);
    close(fd);
    if (!q.decided) return "<undecided>";
    return q.value ? "=" + *q.value : "<unset>";
}

// Every decided answer is the tree's.
void expect_agrees(const std::string& text, const std::string& key) {
    std::string scan = scan_get(text, key);
    if (scan != "<undecided>") {
        EXPECT_EQ(scan, tree_get(text, key)) << "key " << key << " in:\n" << text;
    }
}

const std::string kHeader =
    "<icegrid><!--\n\n\tThis file was generated at Tue Dec  1 06:37:16 2026 by the OmeroConfig system.\n"
    "\tDo not edit directly but see `omero config` for details.\n\n-->";

std::string written_file() {
    Document d = Document::fresh();
    d.set("omero.db.name", "omero");
    d.set("omero.web.ui.top_links", R"([["Data", "webindex", {"title": "<b>&'x'"}]])");
    d.set("omero.multi", "line one\nline two\ttabbed\r");
    d.set("omero.unicode", "caf\xC3\xA9 \xF0\x9F\x98\x80");
    d.set("omero.empty", "");
    return d.serialize("Tue Dec  1 06:37:16 2026");
}

}  // namespace

TEST(QuickGet, DecidesOnWhatOmeroWrites) {
    const std::string text = written_file();
    for (const char* key : {"omero.db.name", "omero.web.ui.top_links", "omero.multi", "omero.unicode", "omero.empty",
                            "omero.config.version", "omero.config.profile", "omero.nothing", ""}) {
        EXPECT_NE(scan_get(text, key), "<undecided>") << key;
        expect_agrees(text, key);
    }
    EXPECT_EQ(scan_get(text, "omero.multi"), "=line one\nline two\ttabbed\r");
    EXPECT_EQ(scan_get(text, "omero.web.ui.top_links"), R"(=[["Data", "webindex", {"title": "<b>&'x'"}]])");
    EXPECT_EQ(scan_get(text, "omero.nothing"), "<unset>");
}

TEST(QuickGet, ReadsAFileInChunks) {
    const std::string text = written_file();
    for (size_t chunk : {1, 2, 7, 64, 4096, 1 << 20})
        for (const char* key : {"omero.db.name", "omero.multi", "omero.nothing", "omero.config.version"})
            EXPECT_EQ(scan_file(text, key, chunk), scan_get(text, key)) << key << " chunk " << chunk;
    EXPECT_EQ(scan_file(text, "omero.db.name", 5), "=omero");
    EXPECT_EQ(scan_file("", "k", 16), "<undecided>");
    EXPECT_EQ(scan_file(text.substr(0, text.size() - 3), "omero.db.name", 16), "<undecided>");  // cut short
}

TEST(QuickGet, ReadsTheProfileActiveNames) {
    const std::string text =
        kHeader + R"(<properties id="__ACTIVE__"><property name="omero.config.profile" value="b" />)"
                  R"(<property name="k" value="active copy" /></properties>)"
                  R"(<properties id="a"><property name="k" value="from a" /></properties>)"
                  R"(<properties id="b"><property name="k" value="first" /><other name="k" value="x" />)"
                  R"(<property name="k" value="last wins" /><property name="novalue" /></properties>)"
                  R"(<properties id="b"><property name="k" value="a second b block is not read" /></properties>)"
                  R"(<include file="templates.xml" /></icegrid>)";
    EXPECT_EQ(scan_get(text, "k"), "=last wins");
    EXPECT_EQ(scan_get(text, "novalue"), "=");
    for (const char* key : {"k", "novalue", "omero.config.profile", "x"}) expect_agrees(text, key);
}

TEST(QuickGet, ProfileDefaults) {
    // No __ACTIVE__ block, or one without the profile key: "default".
    for (const std::string& blocks : std::vector<std::string>{
             R"(<properties id="default"><property name="k" value="d" /></properties>)",
             R"(<properties id="__ACTIVE__"><property name="other" value="x" /></properties>)"
             R"(<properties id="__ACTIVE__"><property name="omero.config.profile" value="p" /></properties>)"
             R"(<properties id="p"><property name="k" value="p" /></properties>)"
             R"(<properties id="default"><property name="k" value="d" /></properties>)"}) {
        std::string text = "<icegrid>" + blocks + "</icegrid>";
        EXPECT_EQ(scan_get(text, "k"), "=d") << text;
        expect_agrees(text, "k");
    }
}

TEST(QuickGet, References) {
    const std::string text = R"(<icegrid><properties id="default">)"
                             R"(<property name="a" value="&lt;&gt;&amp;&quot;&apos;&#10;&#x41;&#xe9;&#128512;" />)"
                             R"(<property name="&#98;" value='single "quoted"' /></properties></icegrid>)";
    EXPECT_EQ(scan_get(text, "a"), "=<>&\"'\nA\xC3\xA9\xF0\x9F\x98\x80");
    EXPECT_EQ(scan_get(text, "b"), "=single \"quoted\"");
    expect_agrees(text, "a");
    expect_agrees(text, "b");
}

TEST(QuickGet, LeavesTheRestToTheTree) {
    const std::string body = R"(<properties id="default"><property name="k" value="v" /></properties>)";
    for (const std::string& text : std::vector<std::string>{
             std::string(),                                             // the default tree
             "<?xml version=\"1.0\"?><icegrid>" + body + "</icegrid>",  // a declaration
             "\xEF\xBB\xBF<icegrid>" + body + "</icegrid>",             // a byte-order mark
             "<!DOCTYPE icegrid><icegrid>" + body + "</icegrid>",       // a DOCTYPE
             "<icegrid>text" + body + "</icegrid>",                     // text
             "<icegrid><![CDATA[x]]>" + body + "</icegrid>",            // CDATA
             "<icegrid>" + body,                                        // unclosed
             "<icegrid>" + body + "</icegrid><second/>",                // a second root
             "<icegrid>" + body + "</grid>",                            // mismatched end
             "<config>" + body + "</config>",                           // another root name
             "<icegrid><!-- a -- b -->" + body + "</icegrid>",          // "--" in a comment
             "<icegrid><properties id=\"default\"><property name=\"k\" value=\"v\"></property>"
             "</properties></icegrid>",  // not an empty element
             "<icegrid><properties id=\"default\"><property name=\"k\" value=\"&bogus;\" />"
             "</properties></icegrid>",  // unknown reference
             "<icegrid><properties id=\"default\"><property name=\"k\" value=\"a\tb\" />"
             "</properties></icegrid>",  // pugixml makes the tab a space
             "<icegrid><properties id=\"default\"><property name=\"k\" value=\"&#0;\" />"
             "</properties></icegrid>",  // a character XML forbids
             "<icegrid><properties id=\"default\"><property name=\"omero.config.version\" value=\"4.2.1\" />"
             "<property name=\"k\" value=\"v\" /></properties></icegrid>",  // rewritten on open
             "<icegrid><properties id=\"default\"><property name=\"k\" value=\"\x01\" />"
             "</properties></icegrid>",  // a control character
             "<icegrid><properties id=\"default\"><property name=\"k\" value=\"\xC3\" />"
             "</properties></icegrid>",  // not UTF-8
             "<icegrid><properties id=\"default\"><property name=\"k\"value=\"v\" />"
             "</properties></icegrid>",  // no space between attributes
         }) {
        EXPECT_EQ(scan_get(text, "k"), "<undecided>") << text;
    }
    // A reference in a value nobody asked for is not read.
    EXPECT_EQ(scan_get("<icegrid><properties id=\"default\"><property name=\"o\" value=\"&bogus;\" />"
                       "<property name=\"k\" value=\"v\" /></properties></icegrid>",
                       "k"),
              "=v");
}

// Mutations of real files: wherever the scan decides, the tree agrees
// (the fuzz target checks the same on its inputs).
TEST(QuickGet, AgreesWithTheTreeOnMutations) {
    std::mt19937 rng(20261201);
    const std::vector<std::string> seeds = {
        written_file(),
        kHeader +
            R"(<properties id="__ACTIVE__"><property name="omero.config.profile" value="b" /></properties>)"
            R"(<properties id="b"><property name="k" value="&amp;1" /><property name='k' value='2' /></properties>)"
            R"(<include file="templates.xml" /></icegrid>)",
    };
    const std::vector<std::string> keys = {
        "k", "omero.db.name", "omero.multi", "omero.config.profile", "omero.config.version", "omero.empty"};
    size_t decided = 0, runs = 0;
    for (const std::string& seed : seeds)
        for (int m = 0; m < 4000; ++m) {
            std::string s = seed;
            for (int k = 1 + int(rng() % 3); k > 0 && !s.empty(); --k) {
                size_t at = rng() % s.size();
                switch (rng() % 4) {
                    case 0:
                        s[at] = "<>&\"'=/ !-#;\t\nk"[rng() % 15];
                        break;
                    case 1:
                        s.erase(at, 1 + rng() % 4);
                        break;
                    case 2:
                        s.insert(at, 1, "<>&\"'=/ !-#;\t\nk"[rng() % 15]);
                        break;
                    default:
                        s.insert(at, s.substr(rng() % s.size(), rng() % 40));
                        break;
                }
            }
            if (m % 50 == 0) {  // the chunked reading, at a few buffer sizes
                for (size_t chunk : {1, 3, 16, 100}) {
                    ASSERT_EQ(scan_file(s, "k", chunk), scan_get(s, "k")) << "chunk " << chunk << " of:\n" << s;
                }
            }
            for (const std::string& key : keys) {
                ++runs;
                std::string scan = scan_get(s, key);
                if (scan == "<undecided>") continue;
                ++decided;
                ASSERT_EQ(scan, tree_get(s, key)) << "key " << key << " in:\n" << s;
            }
        }
    EXPECT_GT(decided, runs / 10);  // the mutations do not all fall back
}
