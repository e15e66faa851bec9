// config_xml.hpp - etc/grid/config.xml as omero-py's ConfigXml sees it.
//
// The file is an <icegrid> root with one <properties id="..."> block per
// profile, plus "__ACTIVE__", a flattened copy of the active profile that
// IceGrid and the Java server read. Serialisation reproduces ElementTree's
// output byte for byte (see serialize()).
#pragma once

#include "util/error.hpp"

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace omero::config {

inline constexpr const char* kVersionKey = "omero.config.version";
inline constexpr const char* kVersion = "5.1.0";
inline constexpr const char* kInternal = "__ACTIVE__";
inline constexpr const char* kProfileKey = "omero.config.profile";

using omero::Error;

// Throws Error(250) when `name` cannot be a profile (see xml_text_problem).
void check_profile_name(const std::string& name, const char* what);

struct Attr {
    std::string name, value;
};

// One child of a <properties> block, normally <property name=".." value=".."/>.
struct Element {
    std::string tag = "property";
    std::vector<Attr> attrs;  // in file order

    const std::string* attr(std::string_view name) const;
    void set_attr(std::string_view name, std::string value);
};

struct Block {
    std::vector<Attr> attrs;  // "id" and anything else, in file order
    std::vector<Element> children;

    std::string id() const;
};

class Document {
public:
    // An empty text gives the default tree. Throws Error(113) with line
    // and column on malformed XML or invalid UTF-8.
    static Document parse(std::string_view text);
    // The same, parsing in `text` itself (which it changes): no copy of the
    // file. nullopt when the XML is malformed: parse() a pristine copy then,
    // for the error's line and column. Other errors throw as parse() does.
    static std::optional<Document> parse_inplace(std::string& text);
    static Document fresh(const std::string& profile = "default");

    // The file as omero-py writes it; `when` is the ctime() text of the comment.
    std::string serialize(std::string_view when) const;

    // Active profile: `def NAME` > OMERO_CONFIG > __ACTIVE__'s omero.config.profile > "default".
    // Profile names must be text XML can hold and not the internal block's
    // id; throws Error naming where the name came from.
    void set_explicit_profile(std::string name) {
        check_profile_name(name, "profile name");
        explicit_ = std::move(name);
    }
    void set_env_profile(std::optional<std::string> name) {
        if (name) check_profile_name(*name, "OMERO_CONFIG");
        env_ = std::move(name);
    }
    std::string active() const;
    std::string stored_active() const;  // what __ACTIVE__ records

    std::vector<std::string> profile_ids() const;  // file order, without __ACTIVE__
    const Block* block(std::string_view id) const;
    Block* block(std::string_view id);
    std::optional<std::string> version(std::string_view id) const;

    // The active profile's properties (only <property> children with a name).
    std::vector<std::pair<std::string, std::string>> properties() const;
    std::optional<std::string> get(std::string_view key) const;
    void set(std::string_view key, std::string value);  // creates the block if needed
    // Many at once, in linear time; nothing changes when one value is refused.
    void set_all(const std::vector<std::pair<std::string, std::string>>& values);
    bool remove(std::string_view key);
    bool drop(std::string_view profile);  // false when there is no such block

private:
    static std::optional<Document> parse_impl(std::string_view text, char* inplace);
    Block& active_block();       // created when missing
    std::vector<Block> blocks_;  // file order, __ACTIVE__ included
    std::optional<std::string> explicit_, env_;
    void apply_version_fixups();
};

// The time text omero-py puts in the comment: ctime() of now, local time.
std::string ctime_now();

// Escape as ElementTree does inside attribute values.
std::string escape_attribute(std::string_view s);

// Names `set` accepts: [A-Za-z0-9._-]* (the empty name included, as omero-py).
bool legal_key(std::string_view key);

// Why `text` cannot go into config.xml (not UTF-8, or a code point XML 1.0
// forbids: controls other than tab/newline/CR, U+FFFE, U+FFFF), naming the
// byte; empty when it can.
std::string xml_text_problem(std::string_view text);
// The same question without the answer's text (for scans of every piece of a file).
bool xml_text_ok(std::string_view text);

// config.xml is a few hundred KB at most; a larger "config.xml" is not one.
inline constexpr size_t kMaxConfigBytes = size_t(64) << 20;

}  // namespace omero::config
