// config_scan.hpp - one property of the active profile without building the tree.
//
// `config get KEY` is what scripts call most, once per key. Document::parse
// (config_xml.hpp) builds pugixml's tree and our model of every property
// first; quick_get() reads the text in place instead, allocating nothing
// per property. It decides only on the plain files omero-py and omero
// write: one <icegrid> root; comments; <properties> blocks of empty
// elements; attributes quoted, with the five named and the numeric
// character references. On anything else -- an XML declaration, a DOCTYPE,
// CDATA, text, a nested or unclosed element, a 4.2.0/4.2.1 profile (which
// Document rewrites when it opens the file), bytes xml_text_problem() names,
// a literal tab or line break inside a name or value it must read -- it
// answers "undecided" and the caller parses the whole file as before, which
// also gives malformed files their error with line and column. Where it
// decides, its answer is Document::parse(text).get(key) with the profile
// config.xml itself names (OMERO_CONFIG is the caller's business):
// config_scan_test.cpp and the fuzz target check that on every input.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace omero::config {

struct QuickGet {
    bool decided = false;              // false: parse the whole file instead
    std::optional<std::string> value;  // when decided: the value, or none when the key is not set
};

QuickGet quick_get(std::string_view text, std::string_view key);

// The same, reading the file open on `fd` from where it stands, `chunk`
// bytes at a time into one buffer (grown only for an item longer than it).
// Reading a 100 KB config.xml whole would touch 25 fresh pages of memory,
// each a page fault (microseconds on a virtual machine): most of what
// `config get` cost. Undecided on a read error too.
QuickGet quick_get(int fd, std::string_view key, size_t chunk = 16384);

}  // namespace omero::config
