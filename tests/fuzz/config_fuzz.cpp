// Fuzz target for the config.xml parser and the `config load` grammar.
// Whatever the input, parsing either throws Error or gives a document
// whose serialisation parses back to the same serialisation.
#include "config/config_xml.hpp"
#include "config/load_grammar.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    omero::config::parse_load_lines(text);
    omero::config::utf8_problem(text);
    try {
        omero::config::Document d = omero::config::Document::parse(text);
        std::string once = d.serialize("T");
        std::string twice = omero::config::Document::parse(once).serialize("T");
        if (once != twice) std::abort();
    } catch (const omero::Error&) {
    }
    return 0;
}
