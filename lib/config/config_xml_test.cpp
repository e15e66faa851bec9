// Unit tests of the config.xml model, the load grammar and Python-style JSON.
#include "config/config_xml.hpp"
#include "config/load_grammar.hpp"
#include "config/pyjson.hpp"

#include <gtest/gtest.h>

using namespace omero::config;

TEST(PyJson, FloatsAsPythonRepr) {
    auto f = [](const char* text) { return py_dumps(Json::parse(text)); };
    EXPECT_EQ(f("1.50"), "1.5");
    EXPECT_EQ(f("1e2"), "100.0");
    EXPECT_EQ(f("1e5"), "100000.0");
    EXPECT_EQ(f("1e16"), "1e+16");
    EXPECT_EQ(f("1e15"), "1000000000000000.0");
    EXPECT_EQ(f("0.0001"), "0.0001");
    EXPECT_EQ(f("0.00001"), "1e-05");
    EXPECT_EQ(f("-2.5e-300"), "-2.5e-300");
    EXPECT_EQ(f("123456.789"), "123456.789");
    EXPECT_EQ(f("[1,{\"a\":\"\\u00e9\\n\"},[]]"), "[1, {\"a\": \"\\u00e9\\n\"}, []]");
    EXPECT_EQ(f("\"\xf0\x9f\x98\x80\""), "\"\\ud83d\\ude00\"");
}

TEST(PyJson, PythonEquality) {
    EXPECT_TRUE(py_equal(Json::parse("1"), Json::parse("1.0")));
    EXPECT_TRUE(py_equal(Json::parse("1"), Json::parse("true")));
    EXPECT_TRUE(py_equal(Json::parse("{\"a\":1,\"b\":2}"), Json::parse("{\"b\":2,\"a\":1.0}")));
    EXPECT_FALSE(py_equal(Json::parse("\"1\""), Json::parse("1")));
}

TEST(LoadGrammar, ReferenceCases) {
    using P = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(parse_load_lines("i=j\\\nk\n"), (P{{"i", "jk"}}));
    EXPECT_EQ(parse_load_lines("l=m \\\n   n\n"), (P{{"l", "m    n"}}));
    EXPECT_EQ(parse_load_lines("a=1\\\n# c\n"), (P{{"a", "1# c"}}));
    EXPECT_EQ(parse_load_lines("b=2\\\n\n"), (P{{"b", "2"}}));
    EXPECT_EQ(parse_load_lines("x=1\nlast=\\"), (P{{"x", "1"}}));
    EXPECT_EQ(parse_load_lines("\\\nq=1\n"), (P{{"q", "1"}}));
    EXPECT_EQ(parse_load_lines("w=a\\\\\nz\n"), (P{{"w", "a\\z"}}));
    EXPECT_EQ(parse_load_lines("E = F\r\n"), (P{{"E ", " F"}}));
    EXPECT_EQ(parse_load_lines("=x\nnoeq\n"), (P{{"noeq", ""}}));
}

TEST(ConfigXml, ParseErrorsNameLineAndColumn) {
    try {
        Document::parse("<icegrid>\n<properties id='a'>\n</icegrid>");
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), 113);
        EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
    }
    EXPECT_THROW(Document::parse("\n"), Error);
}

TEST(ConfigXml, SerializeRoundTrips) {
    Document d = Document::fresh();
    d.set("a", "x\ty\"z");
    std::string once = d.serialize("T");
    EXPECT_EQ(Document::parse(once).serialize("T"), once);
    EXPECT_EQ(*Document::parse(once).get("a"), "x\ty\"z");
}
