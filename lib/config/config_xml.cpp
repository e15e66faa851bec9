#include "config/config_xml.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>

#include "config/pyjson.hpp"
#include "util/clock.hpp"

#include <omero/exit_codes.h>

#include <pugixml.hpp>

#include <algorithm>
#include <ctime>
#include <unordered_map>

namespace omero::config {

const std::string* Element::attr(std::string_view name) const {
    for (const Attr& a : attrs)
        if (a.name == name) return &a.value;
    return nullptr;
}

void Element::set_attr(std::string_view name, std::string value) {
    for (Attr& a : attrs)
        if (a.name == name) {
            a.value = std::move(value);
            return;
        }
    attrs.push_back({std::string(name), std::move(value)});
}

std::string Block::id() const {
    for (const Attr& a : attrs)
        if (a.name == "id") return a.value;
    return {};
}

bool legal_key(std::string_view key) {
    return std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
               c == '-';
    });
}

// ---- parsing ---------------------------------------------------------------

static std::pair<size_t, size_t> line_column(std::string_view text, size_t offset) {
    size_t line = 1, col = 0;
    for (size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 0;
        } else {
            ++col;
        }
    }
    return {line, col};
}

// The offset of the first byte at or after i outside 0x20..0x7F (a control
// character or a byte of a multi-byte character), 8 bytes a step: config.xml
// is nearly all printable ASCII, and both checks below run on every read.
static size_t skip_printable_ascii(std::string_view s, size_t i) {
    constexpr uint64_t high = 0x8080808080808080ull, space = 0x2020202020202020ull;
    for (uint64_t w; i + 8 <= s.size(); i += 8) {
        std::memcpy(&w, s.data() + i, 8);
        if ((w | (w - space)) & high) break;  // a byte >= 0x80, or one < 0x20 (borrowing)
    }
    while (i < s.size() && static_cast<unsigned char>(s[i]) - 0x20u < 0x60u) ++i;
    return i;
}

// Offset of the first byte that is not valid UTF-8, or npos.
static size_t invalid_utf8(std::string_view s) {
    size_t i = 0;
    while ((i = skip_printable_ascii(s, i)) < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
        if (n == 0 || (n == 2 && c < 0xC2) || i + n > s.size()) return i;
        for (size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return i;
        if (n == 3) {
            unsigned cp = ((c & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
            if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        }
        if (n == 4) {
            unsigned cp = ((c & 0x07) << 18) | ((s[i + 1] & 0x3F) << 12) | ((s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
            if (cp < 0x10000 || cp > 0x10FFFF) return i;
        }
        i += n;
    }
    return std::string_view::npos;
}

// Characters XML 1.0 cannot carry at all (even escaped): controls other
// than tab, newline and CR, and U+FFFE / U+FFFF (EF BF BE / EF BF BF).
static size_t forbidden_char(std::string_view s) {
    for (size_t i = 0; (i = skip_printable_ascii(s, i)) < s.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return i;
        if (c == 0xEF && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xBF &&
            (static_cast<unsigned char>(s[i + 2]) == 0xBE || static_cast<unsigned char>(s[i + 2]) == 0xBF))
            return i;
    }
    return std::string_view::npos;
}

bool xml_text_ok(std::string_view text) {
    return invalid_utf8(text) == std::string_view::npos && forbidden_char(text) == std::string_view::npos;
}

std::string xml_text_problem(std::string_view text) {
    if (size_t bad = invalid_utf8(text); bad != std::string_view::npos)
        return "is not valid UTF-8 (byte " + std::to_string(bad + 1) + ")";
    if (size_t bad = forbidden_char(text); bad != std::string_view::npos) {
        unsigned char c = static_cast<unsigned char>(text[bad]);
        char cp[16];
        std::snprintf(cp, sizeof cp, "U+%04X",
                      c == 0xEF ? (static_cast<unsigned char>(text[bad + 2]) == 0xBE ? 0xFFFE : 0xFFFF) : c);
        return std::string("contains ") + cp + " (byte " + std::to_string(bad + 1) + "), which XML 1.0 cannot hold";
    }
    return {};
}

void check_profile_name(const std::string& name, const char* what) {
    if (name == kInternal)
        throw Error(OMERO_EXIT_CONFIG_ILLEGAL_NAME,
                    std::string(what) + "=" + name + " names the internal block, not a profile; choose another name");
    if (std::string why = xml_text_problem(name); !why.empty())
        throw Error(OMERO_EXIT_CONFIG_ILLEGAL_NAME, std::string("the ") + what + " " + why);
}

Document Document::parse(std::string_view text) { return *parse_impl(text, nullptr); }

std::optional<Document> Document::parse_inplace(std::string& text) { return parse_impl(text, text.data()); }

// The parse of both entry points. With `inplace`, pugixml works in that
// buffer itself (no copy of the file); its error offsets would then point
// into the changed buffer, so malformed XML gives nullopt and the caller
// re-parses a pristine copy for the line and column.
std::optional<Document> Document::parse_impl(std::string_view text, char* inplace) {
    if (text.empty()) return fresh();
    auto fail = [&](const std::string& what, size_t offset) -> Error {
        auto [line, col] = line_column(text, offset);
        return Error(OMERO_EXIT_CONFIG_INVALID,
                     what + ": line " + std::to_string(line) + ", column " + std::to_string(col));
    };
    if (size_t bad = invalid_utf8(text); bad != std::string_view::npos) throw fail("not valid UTF-8", bad);
    if (size_t bad = forbidden_char(text); bad != std::string_view::npos)
        throw fail("not well-formed (invalid token)", bad);

    pugi::xml_document xml;
    unsigned flags = pugi::parse_default | pugi::parse_comments;
    pugi::xml_parse_result r = inplace ? xml.load_buffer_inplace(inplace, text.size(), flags, pugi::encoding_utf8)
                                       : xml.load_buffer(text.data(), text.size(), flags, pugi::encoding_utf8);
    if (!r && inplace) return std::nullopt;
    if (!r) {
        std::string what = r.status == pugi::status_no_document_element ? "no element found" : r.description();
        throw fail(what, r.status == pugi::status_no_document_element ? text.size() : static_cast<size_t>(r.offset));
    }
    pugi::xml_node root = xml.document_element();
    Document d;
    for (pugi::xml_node p : root.children("properties")) {
        Block b;
        for (pugi::xml_attribute a : p.attributes()) b.attrs.push_back({a.name(), a.value()});
        size_t n = 0;
        for (pugi::xml_node c = p.first_child(); c; c = c.next_sibling()) n += c.type() == pugi::node_element;
        b.children.reserve(n);  // no regrowth copies: a big file is one allocation here
        for (pugi::xml_node c : p.children()) {
            if (c.type() != pugi::node_element) continue;
            Element& e = b.children.emplace_back();
            e.tag = c.name();
            e.attrs.reserve(2);  // name and value, nearly always
            for (pugi::xml_attribute a : c.attributes()) e.attrs.push_back({a.name(), a.value()});
        }
        d.blocks_.push_back(std::move(b));
    }
    d.apply_version_fixups();
    return d;
}

Document Document::fresh(const std::string& profile) {
    Document d;
    Block internal;
    internal.attrs = {{"id", kInternal}};
    internal.children = {{"property", {{"name", kProfileKey}, {"value", profile}}},
                         {"property", {{"name", kVersionKey}, {"value", kVersion}}}};
    Block prof;
    prof.attrs = {{"id", profile}};
    prof.children = {{"property", {{"name", kVersionKey}, {"value", kVersion}}}};
    d.blocks_ = {internal, prof};
    return d;
}

// omero-py's fix-ups of old files, re-applied on every open (and persisted by
// the next write): 4.2.0 LDAP values lose ${omero.dollar} and use @{ for ${;
// 4.2.1 blocks become 5.1.0 with the three default top links prepended.
void Document::apply_version_fixups() {
    for (Block& b : blocks_) {
        if (b.id() == kInternal) continue;
        std::optional<std::string> v = version(b.id());
        if (v == "4.2.0") {
            for (Element& e : b.children) {
                const std::string* name = e.attr("name");
                if (!name || name->rfind("omero.ldap", 0) != 0) continue;
                std::string val = e.attr("value") ? *e.attr("value") : "";
                for (size_t p; (p = val.find("${omero.dollar}")) != std::string::npos;) val.erase(p, 15);
                for (size_t p = 0; (p = val.find("${", p)) != std::string::npos; p += 2) val[p] = '@';
                e.set_attr("value", val);
            }
        } else if (v == "4.2.1") {
            for (Element& e : b.children) {
                const std::string* name = e.attr("name");
                if (name && *name == "omero.web.ui.top_links") {
                    Json links = py_loads(e.attr("value") ? *e.attr("value") : "", OMERO_EXIT_CONFIG_INVALID,
                                          "omero.web.ui.top_links in a 4.2.1 profile is not JSON");
                    Json defaults = Json::parse(
                        R"([["Data", "webindex", {"title": "Browse Data via Projects, Tags etc"}], )"
                        R"(["History", "history", {"title": "History"}], )"
                        R"(["Help", "https://help.openmicroscopy.org/", {"target": "new", "title": "Open OMERO user guide in a new tab"}]])");
                    if (links.is_array())
                        for (auto& l : links) defaults.push_back(l);
                    e.set_attr("value", py_dumps(defaults));
                }
                if (name && *name == kVersionKey) e.set_attr("value", kVersion);
            }
        }
    }
}

// ---- queries ---------------------------------------------------------------

const Block* Document::block(std::string_view id) const {
    for (const Block& b : blocks_)
        if (b.id() == id) return &b;
    return nullptr;
}

Block* Document::block(std::string_view id) {
    return const_cast<Block*>(static_cast<const Document*>(this)->block(id));
}

std::string Document::stored_active() const {
    if (const Block* b = block(kInternal))
        for (const Element& e : b->children)
            if (e.tag == "property" && e.attr("name") && *e.attr("name") == kProfileKey)
                return e.attr("value") ? *e.attr("value") : "";
    return "default";
}

std::string Document::active() const {
    if (explicit_ && !explicit_->empty()) return *explicit_;
    if (env_ && !env_->empty()) return *env_;
    return stored_active();
}

std::vector<std::string> Document::profile_ids() const {
    std::vector<std::string> ids;
    for (const Block& b : blocks_)
        if (b.id() != kInternal) ids.push_back(b.id());
    return ids;
}

std::optional<std::string> Document::version(std::string_view id) const {
    if (const Block* b = block(id))
        for (const Element& e : b->children)
            if (e.attr("name") && *e.attr("name") == kVersionKey) return e.attr("value") ? *e.attr("value") : "";
    return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> Document::properties() const {
    std::vector<std::pair<std::string, std::string>> out;
    std::unordered_map<std::string_view, size_t> index;  // a repeated name: the last one wins, as in a dict
    if (const Block* b = block(active()))
        for (const Element& e : b->children) {
            const std::string* name = e.tag == "property" ? e.attr("name") : nullptr;
            if (!name) continue;
            std::string value = e.attr("value") ? *e.attr("value") : "";
            auto [it, fresh] = index.emplace(*name, out.size());
            if (fresh)
                out.emplace_back(*name, std::move(value));
            else
                out[it->second].second = std::move(value);
        }
    return out;
}

std::optional<std::string> Document::get(std::string_view key) const {
    std::optional<std::string> v;
    if (const Block* b = block(active()))
        for (const Element& e : b->children)
            if (e.tag == "property" && e.attr("name") && *e.attr("name") == key)
                v = e.attr("value") ? *e.attr("value") : "";
    return v;
}

Block& Document::active_block() {
    std::string id = active();
    if (Block* b = block(id)) return *b;
    Block nb;
    nb.attrs = {{"id", id}};
    nb.children = {{"property", {{"name", kVersionKey}, {"value", kVersion}}}};
    blocks_.push_back(std::move(nb));
    return blocks_.back();
}

static void check_value(std::string_view key, std::string_view value) {
    if (std::string why = xml_text_problem(value); !why.empty())
        throw Error(OMERO_EXIT_FAILURE, "the value given for " + std::string(key) + " " + why +
                                            "; config.xml cannot store it (nothing was changed)");
}

void Document::set(std::string_view key, std::string value) {
    check_value(key, value);
    Block& b = active_block();
    for (Element& e : b.children)
        if (e.tag == "property" && e.attr("name") && *e.attr("name") == key) {
            e.set_attr("value", std::move(value));
            return;
        }
    b.children.push_back({"property", {{"name", std::string(key)}, {"value", std::move(value)}}});
}

void Document::set_all(const std::vector<std::pair<std::string, std::string>>& values) {
    for (const auto& [k, v] : values) check_value(k, v);  // all or nothing
    Block& b = active_block();
    // One index of the block, so N properties cost N, not N * size.
    std::unordered_map<std::string, size_t> first;  // set() changes the first of a repeated name
    for (size_t i = 0; i < b.children.size(); ++i)
        if (const std::string* name = b.children[i].tag == "property" ? b.children[i].attr("name") : nullptr)
            first.emplace(*name, i);
    for (const auto& [k, v] : values) {
        auto [it, fresh] = first.emplace(k, b.children.size());
        if (fresh)
            b.children.push_back({"property", {{"name", k}, {"value", v}}});
        else
            b.children[it->second].set_attr("value", v);
    }
}

bool Document::remove(std::string_view key) {
    Block* b = block(active());
    if (!b) return false;
    auto before = b->children.size();
    std::erase_if(b->children, [&](const Element& e) { return e.attr("name") && *e.attr("name") == key; });
    return b->children.size() != before;
}

bool Document::drop(std::string_view profile) {
    auto it = std::find_if(blocks_.begin(), blocks_.end(), [&](const Block& b) { return b.id() == profile; });
    if (it == blocks_.end()) return false;
    blocks_.erase(it);
    return true;
}

// ---- serialisation -----------------------------------------------------------

std::string escape_attribute(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\n':
                out += "&#10;";
                break;
            case '\r':
                out += "&#13;";
                break;
            case '\t':
                out += "&#09;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

static void write_element(std::string& out, const std::string& tag, const std::vector<Attr>& attrs) {
    out += '<' + tag;
    for (const Attr& a : attrs) out += ' ' + a.name + "=\"" + escape_attribute(a.value) + '"';
    out += " />";
}

static void write_block(std::string& out, const std::vector<Attr>& attrs, const std::vector<Element>& children) {
    if (children.empty()) return write_element(out, "properties", attrs);
    out += "<properties";
    for (const Attr& a : attrs) out += ' ' + a.name + "=\"" + escape_attribute(a.value) + '"';
    out += '>';
    for (const Element& e : children) write_element(out, e.tag, e.attrs);
    out += "</properties>";
}

std::string Document::serialize(std::string_view when) const {
    // What is persisted as active: an explicit `def`, else what the file said
    // (OMERO_CONFIG is never written).
    std::string active = explicit_ && !explicit_->empty() ? *explicit_ : stored_active();
    std::string out = "<icegrid><!--\n\n\tThis file was generated at ";
    out += when;
    out +=
        " by the OmeroConfig system.\n\tDo not edit directly but see `omero config` for details.\n"
        "\tThis file may be included into your IceGrid application.\n\n-->";

    std::vector<Element> internal = {{"property", {{"name", kProfileKey}, {"value", active}}},
                                     {"property", {{"name", kVersionKey}, {"value", kVersion}}}};
    const Block* src = block(active);
    if (src)
        for (const Element& e : src->children) {
            const std::string* n = e.attr("name");
            if (!n || (*n != kProfileKey && *n != kVersionKey)) internal.push_back({"property", e.attrs});
        }
    write_block(out, {{"id", kInternal}}, internal);
    if (!src) write_block(out, {{"id", active}}, {{"property", {{"name", kVersionKey}, {"value", kVersion}}}});
    for (const Block& b : blocks_)
        if (b.id() != kInternal) write_block(out, b.attrs, b.children);
    out += "<include file=\"templates.xml\" /></icegrid>";
    return out;
}

std::string ctime_now() { return omero::ctime_text(); }

}  // namespace omero::config
