#include "config/config_scan.hpp"

#include "config/config_xml.hpp"

#include <vector>

namespace omero::config {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-'; }

void put_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// An attribute value as pugixml gives it, from the text between its quotes.
// False on what this scanner leaves to pugixml: a literal tab, CR or LF
// (pugixml turns them into spaces) and any reference but the five named
// ones and a numeric one naming a character XML allows.
bool decode(std::string_view raw, std::string& out) {
    out.clear();
    for (size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '\t' || c == '\n' || c == '\r') return false;
        if (c != '&') {
            out += c;
            continue;
        }
        size_t semi = raw.find(';', i);
        if (semi == std::string_view::npos || semi - i > 10) return false;
        std::string_view ref = raw.substr(i + 1, semi - i - 1);
        i = semi;
        if (ref == "lt") out += '<';
        else if (ref == "gt") out += '>';
        else if (ref == "amp") out += '&';
        else if (ref == "quot") out += '"';
        else if (ref == "apos") out += '\'';
        else if (ref.size() >= 2 && ref[0] == '#') {
            bool hex = ref[1] == 'x';
            std::string_view digits = ref.substr(hex ? 2 : 1);
            if (digits.empty() || digits.size() > 7) return false;
            unsigned cp = 0;
            for (char d : digits) {
                unsigned v;
                if (d >= '0' && d <= '9') v = unsigned(d - '0');
                else if (hex && (d | ' ') >= 'a' && (d | ' ') <= 'f') v = unsigned((d | ' ') - 'a' + 10);
                else return false;
                cp = cp * (hex ? 16 : 10) + v;
            }
            bool allowed = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
                           (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
            if (!allowed) return false;
            put_utf8(out, cp);
        } else {
            return false;
        }
    }
    return true;
}

// An attribute's text as pugixml gives it: itself when it holds no
// reference and no tab or line break (nearly always), else decoded into
// `scratch`. nullopt: undecodable (the caller gives up).
std::optional<std::string_view> decoded(std::string_view raw, std::string& scratch) {
    bool plain = true;
    for (char c : raw) plain &= c != '&' && c != '\t' && c != '\n' && c != '\r';
    if (plain) return raw;
    if (!decode(raw, scratch)) return std::nullopt;
    return std::string_view(scratch);
}

class Scanner {
public:
    explicit Scanner(std::string_view text) : t_(text) {}

    bool done() const { return i_ >= t_.size(); }
    bool at(std::string_view s) const {  // (a loop the compiler unrolls: no memcmp call per tag)
        if (t_.size() - i_ < s.size()) return false;
        for (size_t k = 0; k < s.size(); ++k)
            if (t_[i_ + k] != s[k]) return false;
        return true;
    }

    // Whitespace and comments. False on a comment XML forbids ("--" inside,
    // "-" last) or one without its end.
    bool skip_misc() {
        for (;;) {
            while (i_ < t_.size() && is_space(t_[i_])) ++i_;
            if (!at("<!--")) return true;
            size_t end = t_.find("-->", i_ + 4);
            if (end == std::string_view::npos) return false;
            std::string_view body = t_.substr(i_ + 4, end - i_ - 4);
            if (body.find("--") != std::string_view::npos || (!body.empty() && body.back() == '-')) return false;
            i_ = end + 3;
        }
    }

    bool name(std::string_view& out) {
        size_t start = i_;
        if (i_ >= t_.size() || !name_start(t_[i_])) return false;
        while (i_ < t_.size() && name_char(t_[i_])) ++i_;
        out = t_.substr(start, i_ - start);
        return true;
    }

    // `<` NAME already read: the attributes up to `>` or `/>`, each given to
    // on_attr(name, text between the quotes). False on anything unusual.
    template <class F>
    bool attributes(F&& on_attr, bool& empty_element) {
        for (;;) {
            size_t before = i_;
            while (i_ < t_.size() && is_space(t_[i_])) ++i_;
            if (at("/>")) {
                i_ += 2;
                empty_element = true;
                return true;
            }
            if (at(">")) {
                ++i_;
                empty_element = false;
                return true;
            }
            std::string_view n;
            if (i_ == before || !name(n)) return false;
            while (i_ < t_.size() && is_space(t_[i_])) ++i_;
            if (!at("=")) return false;
            ++i_;
            while (i_ < t_.size() && is_space(t_[i_])) ++i_;
            if (i_ >= t_.size() || (t_[i_] != '"' && t_[i_] != '\'')) return false;
            char quote = t_[i_++];
            size_t close = t_.find(quote, i_);
            if (close == std::string_view::npos) return false;
            std::string_view raw = t_.substr(i_, close - i_);
            if (raw.find('<') != std::string_view::npos) return false;
            i_ = close + 1;
            if (!on_attr(n, raw)) return false;
        }
    }

    // `</NAME>` with optional space before `>`.
    bool end_tag(std::string_view want) {
        if (!at("</")) return false;
        i_ += 2;
        std::string_view n;
        if (!name(n) || n != want) return false;
        while (i_ < t_.size() && is_space(t_[i_])) ++i_;
        if (!at(">")) return false;
        ++i_;
        return true;
    }

    // `<` and any element's name.
    bool open_element(std::string_view& tag) {
        if (!at("<")) return false;
        ++i_;
        return name(tag);
    }

    // `<NAME` where NAME is exactly `want`.
    bool start_tag(std::string_view want) {
        if (!at("<")) return false;
        size_t save = i_++;
        std::string_view n;
        if (name(n) && n == want) return true;
        i_ = save;
        return false;
    }

private:
    std::string_view t_;
    size_t i_ = 0;
};

struct BlockSeen {
    std::string id;
    bool has_id = false;
    bool matched = false;          // a <property> named KEY
    bool match_has_value = false;  // ... the last one with a value attribute
    std::string_view match_raw;    // ... and its text
};

}  // namespace

QuickGet quick_get(std::string_view text, std::string_view key) {
    const QuickGet undecided;
    const std::string_view version_key = kVersionKey, profile_key = kProfileKey;
    if (text.empty() || text.starts_with("\xEF\xBB\xBF") || !xml_text_problem(text).empty()) return undecided;
    std::string scratch;
    std::vector<BlockSeen> blocks;
    // The profile __ACTIVE__ names: from the first such block's first
    // <property name="omero.config.profile">, as Document::stored_active.
    bool active_seen = false, active_from_file = false;
    std::string_view active_raw;
    bool active_has_value = false;

    Scanner s(text);
    bool empty_element = false;
    if (!s.skip_misc() || !s.start_tag("icegrid") ||
        !s.attributes([](std::string_view, std::string_view) { return true; }, empty_element))
        return undecided;
    while (!empty_element) {
        if (!s.skip_misc()) return undecided;
        if (s.at("</")) {
            if (!s.end_tag("icegrid")) return undecided;
            break;
        }
        if (!s.start_tag("properties")) {
            // Other empty elements (config.xml ends with <include file="templates.xml" />) are not read.
            std::string_view other;
            bool other_empty = false;
            if (!s.open_element(other) ||
                !s.attributes([](std::string_view, std::string_view) { return true; }, other_empty) || !other_empty)
                return undecided;
            continue;
        }
        BlockSeen& b = blocks.emplace_back();
        bool block_empty = false;
        bool ok = s.attributes(
            [&](std::string_view n, std::string_view raw) {
                if (n != "id" || b.has_id) return true;
                b.has_id = true;
                return decode(raw, b.id);
            },
            block_empty);
        if (!ok) return undecided;
        const bool internal = b.id == kInternal && !active_seen;
        if (internal) active_seen = true;
        while (!block_empty) {
            if (!s.skip_misc()) return undecided;
            if (s.at("</")) {
                if (!s.end_tag("properties")) return undecided;
                break;
            }
            std::string_view tag;
            struct {
                bool has_name = false, has_value = false;
                std::string_view name, value;
            } e;
            bool element_empty = false;
            if (!s.open_element(tag) ||
                !s.attributes(
                    [&](std::string_view n, std::string_view raw) {
                        if (n == "name" && !e.has_name) e.has_name = true, e.name = raw;
                        else if (n == "value" && !e.has_value) e.has_value = true, e.value = raw;
                        return true;
                    },
                    element_empty) ||
                !element_empty)
                return undecided;
            if (!e.has_name) continue;
            auto name = decoded(e.name, scratch);
            if (!name) return undecided;
            // Document rewrites 4.2.0 and 4.2.1 profiles when it opens the file.
            if (*name == version_key && e.has_value) {
                std::string v;
                if (!decode(e.value, v)) return undecided;
                if (v == "4.2.0" || v == "4.2.1") return undecided;
            }
            if (tag != "property") continue;
            if (internal && !active_from_file && *name == profile_key) {
                active_from_file = true;
                active_has_value = e.has_value;
                active_raw = e.value;
            }
            if (*name == key) {
                b.matched = true;
                b.match_has_value = e.has_value;
                b.match_raw = e.value;
            }
        }
    }
    if (!s.skip_misc() || !s.done()) return undecided;

    std::string active = "default";
    if (active_from_file) {
        active.clear();
        if (active_has_value && !decode(active_raw, active)) return undecided;
    }
    QuickGet r;
    r.decided = true;
    for (const BlockSeen& b : blocks) {
        if (b.id != active) continue;
        if (b.matched) {
            r.value.emplace();
            if (b.match_has_value && !decode(b.match_raw, *r.value)) return undecided;
        }
        break;
    }
    return r;
}

}  // namespace omero::config
