#include "config/config_scan.hpp"

#include "config/config_xml.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

namespace omero::config {

namespace {

// Character classes by table: the scan looks at every byte of the file.
enum : unsigned char { kSpace = 1, kNameStart = 2, kNameChar = 4, kNotPlain = 8 };
constexpr auto kClass = [] {
    std::array<unsigned char, 256> t{};
    for (char c : {' ', '\t', '\n', '\r'}) t[static_cast<unsigned char>(c)] = kSpace;
    for (char c : {'&', '\t', '\n', '\r'}) t[static_cast<unsigned char>(c)] |= kNotPlain;  // see decoded()
    for (int c = 0; c < 256; ++c) {
        bool start = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
        if (start) t[c] |= kNameStart | kNameChar;
        if ((c >= '0' && c <= '9') || c == '.' || c == '-') t[c] |= kNameChar;
    }
    return t;
}();
bool is_space(char c) { return kClass[static_cast<unsigned char>(c)] & kSpace; }
bool name_start(char c) { return kClass[static_cast<unsigned char>(c)] & kNameStart; }
bool name_char(char c) { return kClass[static_cast<unsigned char>(c)] & kNameChar; }

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
        if (ref == "lt")
            out += '<';
        else if (ref == "gt")
            out += '>';
        else if (ref == "amp")
            out += '&';
        else if (ref == "quot")
            out += '"';
        else if (ref == "apos")
            out += '\'';
        else if (ref.size() >= 2 && ref[0] == '#') {
            bool hex = ref[1] == 'x';
            std::string_view digits = ref.substr(hex ? 2 : 1);
            if (digits.empty() || digits.size() > 7) return false;
            unsigned cp = 0;
            for (char d : digits) {
                unsigned v;
                if (d >= '0' && d <= '9')
                    v = unsigned(d - '0');
                else if (hex && (d | ' ') >= 'a' && (d | ' ') <= 'f')
                    v = unsigned((d | ' ') - 'a' + 10);
                else
                    return false;
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
    unsigned char seen = 0;
    for (char c : raw) seen |= kClass[static_cast<unsigned char>(c)];
    if (!(seen & kNotPlain)) return raw;
    if (!decode(raw, scratch)) return std::nullopt;
    return std::string_view(scratch);
}

// The text being scanned: all of it (a string), or a file read a chunk at a
// time into one buffer used again and again.
class Source {
public:
    explicit Source(std::string_view text) : text_(text), final_(true) {}
    Source(int fd, size_t chunk) : fd_(fd), buf_(chunk ? chunk : 1, '\0') {}

    std::string_view text() const { return fd_ < 0 ? text_ : std::string_view(buf_.data(), len_); }
    bool final() const { return final_; }

    // Drops the text before `keep` and reads more after the rest. False when
    // there is no more to read, on a read error, or past kMaxConfigBytes.
    bool refill(size_t keep) {
        if (fd_ < 0 || final_) return false;
        std::memmove(buf_.data(), buf_.data() + keep, len_ - keep);
        len_ -= keep;
        if (len_ == buf_.size()) {  // one item longer than the buffer
            if (buf_.size() > kMaxConfigBytes) return false;
            buf_.resize(buf_.size() * 2);
        }
        ssize_t n;
        do n = ::read(fd_, buf_.data() + len_, buf_.size() - len_);
        while (n < 0 && errno == EINTR);
        if (n < 0) return false;
        final_ = n == 0;
        len_ += static_cast<size_t>(n);
        total_ += static_cast<size_t>(n);
        return total_ <= kMaxConfigBytes;
    }

private:
    int fd_ = -1;
    std::string_view text_;
    std::string buf_;
    size_t len_ = 0, total_ = 0;
    bool final_ = false;
};

// Reads markup in a window of the text. Running into the window's end before
// the text's end marks the scanner "starved": the item being read fails, and
// the caller reads more and reads the item again.
class Scanner {
public:
    void reset(std::string_view window, bool final) {
        t_ = window;
        final_ = final;
        i_ = 0;
    }
    size_t pos() const { return i_; }
    bool starved() const { return starved_; }
    void clear_starved() { starved_ = false; }
    bool at_end() {
        if (i_ < t_.size()) return false;
        starved_ |= !final_;
        return true;
    }

    bool at(std::string_view s) {  // (a loop the compiler unrolls: no memcmp call per tag)
        if (t_.size() - i_ < s.size()) {
            starved_ |= !final_;
            return false;
        }
        for (size_t k = 0; k < s.size(); ++k)
            if (t_[i_ + k] != s[k]) return false;
        return true;
    }

    void skip_space() {
        while (i_ < t_.size() && is_space(t_[i_])) ++i_;
        at_end();
    }

    // Whitespace and comments. False on a comment XML forbids ("--" inside,
    // "-" last) or one without its end.
    bool skip_misc() {
        for (;;) {
            skip_space();
            if (!at("<!--")) return true;
            size_t end = t_.find("-->", i_ + 4);
            if (end == std::string_view::npos) {
                starved_ |= !final_;
                return false;
            }
            std::string_view body = t_.substr(i_ + 4, end - i_ - 4);
            if (body.find("--") != std::string_view::npos || (!body.empty() && body.back() == '-')) return false;
            i_ = end + 3;
        }
    }

    bool name(std::string_view& out) {
        size_t start = i_;
        if (at_end() || !name_start(t_[i_])) return false;
        while (i_ < t_.size() && name_char(t_[i_])) ++i_;
        at_end();  // a name cut by the window's end is read again whole
        out = t_.substr(start, i_ - start);
        return true;
    }

    // `<` NAME already read: the attributes up to `>` or `/>`, each given to
    // on_attr(name, text between the quotes). False on anything unusual.
    template <class F>
    bool attributes(F&& on_attr, bool& empty_element) {
        for (;;) {
            size_t before = i_;
            skip_space();
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
            skip_space();
            if (!at("=")) return false;
            ++i_;
            skip_space();
            if (at_end() || (t_[i_] != '"' && t_[i_] != '\'')) return false;
            const char quote = t_[i_++];
            size_t close = i_;  // values are short: one loop, not two memchr calls
            for (; close < t_.size() && t_[close] != quote; ++close)
                if (t_[close] == '<') return false;
            if (close == t_.size()) {
                starved_ |= !final_;
                return false;
            }
            std::string_view raw = t_.substr(i_, close - i_);
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
        skip_space();
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

private:
    std::string_view t_;
    size_t i_ = 0;
    bool final_ = true, starved_ = false;
};

struct BlockSeen {
    std::string id;
    bool matched = false;          // a <property> named KEY
    bool match_has_value = false;  // ... the last one with a value attribute
    std::string match_raw;         // ... and its text
};

// What the scan has read so far, changed only by whole items.
struct ScanState {
    enum class Where { before_root, in_root, in_block, after_root } where = Where::before_root;
    std::vector<BlockSeen> blocks;
    bool in_internal = false;  // the block being read is the first __ACTIVE__
    // The profile __ACTIVE__ names: from the first such block's first
    // <property name="omero.config.profile">, as Document::stored_active.
    bool active_seen = false, active_from_file = false, active_has_value = false;
    std::string active_raw;
    std::string scratch;
};

enum class Step { ok, failed, done };

const auto ignore_attributes = [](std::string_view, std::string_view) { return true; };

// Reads one item (whitespace and comments, then a tag) and applies it to
// `st` only when it is whole.
Step step(Scanner& s, ScanState& st, std::string_view key) {
    using Where = ScanState::Where;
    if (!s.skip_misc()) return Step::failed;
    switch (st.where) {
        case Where::before_root: {
            std::string_view n;
            bool empty = false;
            if (!s.open_element(n) || n != "icegrid" || !s.attributes(ignore_attributes, empty)) return Step::failed;
            st.where = empty ? Where::after_root : Where::in_root;
            return Step::ok;
        }
        case Where::after_root:
            return s.at_end() && !s.starved() ? Step::done : Step::failed;
        case Where::in_root: {
            if (s.at("</")) {
                if (!s.end_tag("icegrid")) return Step::failed;
                st.where = Where::after_root;
                return Step::ok;
            }
            std::string_view tag, id_raw;
            bool has_id = false, empty = false;
            if (!s.open_element(tag) || !s.attributes(
                                            [&](std::string_view n, std::string_view raw) {
                                                if (n == "id" && !has_id) has_id = true, id_raw = raw;
                                                return true;
                                            },
                                            empty))
                return Step::failed;
            if (tag != "properties") {
                // Other empty elements (config.xml ends with <include file="templates.xml" />) are not read.
                return empty ? Step::ok : Step::failed;
            }
            BlockSeen b;
            if (has_id && !decode(id_raw, b.id)) return Step::failed;
            st.in_internal = b.id == kInternal && !st.active_seen;
            st.active_seen |= st.in_internal;
            st.blocks.push_back(std::move(b));
            if (!empty) st.where = Where::in_block;
            return Step::ok;
        }
        case Where::in_block: {
            if (s.at("</")) {
                if (!s.end_tag("properties")) return Step::failed;
                st.where = Where::in_root;
                return Step::ok;
            }
            std::string_view tag, name_raw, value_raw;
            bool has_name = false, has_value = false, empty = false;
            if (!s.open_element(tag) ||
                !s.attributes(
                    [&](std::string_view n, std::string_view raw) {
                        if (n == "name" && !has_name)
                            has_name = true, name_raw = raw;
                        else if (n == "value" && !has_value)
                            has_value = true, value_raw = raw;
                        return true;
                    },
                    empty) ||
                !empty)
                return Step::failed;
            if (!has_name) return Step::ok;
            auto name = decoded(name_raw, st.scratch);
            if (!name) return Step::failed;
            // Document rewrites 4.2.0 and 4.2.1 profiles when it opens the file.
            if (*name == std::string_view(kVersionKey) && has_value) {
                std::string v;
                if (!decode(value_raw, v) || v == "4.2.0" || v == "4.2.1") return Step::failed;
            }
            if (tag != "property") return Step::ok;
            if (st.in_internal && !st.active_from_file && *name == std::string_view(kProfileKey)) {
                st.active_from_file = true;
                st.active_has_value = has_value;
                st.active_raw = value_raw;
            }
            if (*name == key) {
                BlockSeen& b = st.blocks.back();
                b.matched = true;
                b.match_has_value = has_value;
                b.match_raw = value_raw;
            }
            return Step::ok;
        }
    }
    return Step::failed;
}

QuickGet scan(Source& src, std::string_view key) {
    const QuickGet undecided;
    ScanState st;
    Scanner s;
    if (src.text().empty() && !src.refill(0)) return undecided;
    s.reset(src.text(), src.final());
    for (;;) {
        const size_t item = s.pos();
        s.clear_starved();
        Step r = step(s, st, key);
        if (r != Step::failed) {
            // Bytes Document::parse refuses are left to it (an item never
            // splits a character: its ends are ASCII).
            std::string_view span = src.text().substr(item, s.pos() - item);
            if (!xml_text_ok(span)) return undecided;
            if (r == Step::done) break;
            continue;
        }
        if (!s.starved() || !src.refill(item)) return undecided;
        s.reset(src.text(), src.final());
    }

    std::string active = "default";
    if (st.active_from_file) {
        active.clear();
        if (st.active_has_value && !decode(st.active_raw, active)) return undecided;
    }
    QuickGet r;
    r.decided = true;
    for (const BlockSeen& b : st.blocks) {
        if (b.id != active) continue;
        if (b.matched) {
            r.value.emplace();
            if (b.match_has_value && !decode(b.match_raw, *r.value)) return undecided;
        }
        break;
    }
    return r;
}

}  // namespace

QuickGet quick_get(std::string_view text, std::string_view key) {
    Source src(text);
    return scan(src, key);
}

QuickGet quick_get(int fd, std::string_view key, size_t chunk) {
    Source src(fd, chunk);
    return scan(src, key);
}

}  // namespace omero::config
