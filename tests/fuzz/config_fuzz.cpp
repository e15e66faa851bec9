// Fuzz target for the config.xml parser and the `config load` grammar.
// Whatever the input, parsing either throws Error or gives a document
// whose serialisation parses back to the same serialisation; and wherever
// quick_get() decides, the document gives the same value.
#include "config/config_scan.hpp"
#include "config/config_xml.hpp"
#include "config/load_grammar.hpp"

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    omero::config::parse_load_lines(text);
    omero::config::utf8_problem(text);
    std::optional<std::string> quick[3];
    bool decided[3];
    const char* keys[3] = {"k", "omero.config.version", "omero.config.profile"};
    for (int i = 0; i < 3; ++i) {
        omero::config::QuickGet q = omero::config::quick_get(text, keys[i]);
        decided[i] = q.decided;
        quick[i] = std::move(q.value);
    }
    std::optional<omero::config::Document> d;
    try {
        d = omero::config::Document::parse(text);
    } catch (const omero::Error&) {
        for (bool dd : decided)
            if (dd) std::abort();  // the scan decided on a file the tree refuses
        return 0;
    }
    for (int i = 0; i < 3; ++i)
        if (decided[i] && d->get(keys[i]) != quick[i]) std::abort();
    try {
        std::string once = d->serialize("T");
        std::string twice = omero::config::Document::parse(once).serialize("T");
        if (once != twice) std::abort();
    } catch (const omero::Error&) {
    }
    return 0;
}
