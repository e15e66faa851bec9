#include "config/pyjson.hpp"

#include "config/config_xml.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace omero::config {

Json py_loads(const std::string& text, int code, const std::string& message) {
    try {
        return Json::parse(text);
    } catch (const Json::parse_error&) {
        throw Error(code, message);
    }
}

// repr() of a float: the shortest round-trip digits, fixed notation when the
// decimal point falls within 16 digits (Python's 'r' format), else d.ddde+XX.
static std::string py_float(double d) {
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string sci(buf, res.ptr);  // e.g. "-1.5e+02"
    bool neg = sci[0] == '-';
    if (neg) sci.erase(0, 1);
    size_t e = sci.find('e');
    std::string digits = sci.substr(0, e);
    digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
    int exp10 = std::stoi(sci.substr(e + 1));
    int decpt = exp10 + 1;  // value = 0.DIGITS * 10^decpt
    std::string out;
    if (decpt > -4 && decpt <= 16) {
        if (decpt <= 0) {
            out = "0." + std::string(static_cast<size_t>(-decpt), '0') + digits;
        } else if (static_cast<size_t>(decpt) >= digits.size()) {
            out = digits + std::string(decpt - digits.size(), '0') + ".0";
        } else {
            out = digits.substr(0, decpt) + "." + digits.substr(decpt);
        }
    } else {
        out = digits.substr(0, 1);
        if (digits.size() > 1) out += "." + digits.substr(1);
        char exp[16];
        std::snprintf(exp, sizeof exp, "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
        out += exp;
    }
    return neg ? "-" + out : out;
}

static void py_string(std::string& out, const std::string& s) {
    out += '"';
    for (size_t i = 0; i < s.size();) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        uint32_t cp;
        size_t n;
        if (c < 0x80) {
            cp = c;
            n = 1;
        } else if ((c >> 5) == 0x6) {
            cp = c & 0x1F;
            n = 2;
        } else if ((c >> 4) == 0xE) {
            cp = c & 0x0F;
            n = 3;
        } else {
            cp = c & 0x07;
            n = 4;
        }
        for (size_t k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
        i += n;
        char buf[16];
        switch (cp) {
            case '"':
                out += "\\\"";
                continue;
            case '\\':
                out += "\\\\";
                continue;
            case '\n':
                out += "\\n";
                continue;
            case '\r':
                out += "\\r";
                continue;
            case '\t':
                out += "\\t";
                continue;
            case '\b':
                out += "\\b";
                continue;
            case '\f':
                out += "\\f";
                continue;
            default:
                break;
        }
        if (cp >= 0x20 && cp < 0x7F) {
            out += static_cast<char>(cp);
        } else if (cp < 0x10000) {
            std::snprintf(buf, sizeof buf, "\\u%04x", cp);
            out += buf;
        } else {
            cp -= 0x10000;
            std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
            out += buf;
        }
    }
    out += '"';
}

static void dump(std::string& out, const Json& v) {
    switch (v.type()) {
        case Json::value_t::null:
            out += "null";
            break;
        case Json::value_t::boolean:
            out += v.get<bool>() ? "true" : "false";
            break;
        case Json::value_t::number_integer:
            out += std::to_string(v.get<int64_t>());
            break;
        case Json::value_t::number_unsigned:
            out += std::to_string(v.get<uint64_t>());
            break;
        case Json::value_t::number_float:
            out += py_float(v.get<double>());
            break;
        case Json::value_t::string:
            py_string(out, v.get<std::string>());
            break;
        case Json::value_t::array: {
            out += '[';
            bool first = true;
            for (const Json& x : v) {
                if (!first) out += ", ";
                first = false;
                dump(out, x);
            }
            out += ']';
            break;
        }
        case Json::value_t::object: {
            out += '{';
            bool first = true;
            for (auto it = v.begin(); it != v.end(); ++it) {
                if (!first) out += ", ";
                first = false;
                py_string(out, it.key());
                out += ": ";
                dump(out, it.value());
            }
            out += '}';
            break;
        }
        default:
            out += "null";
    }
}

std::string py_dumps(const Json& v) {
    std::string out;
    dump(out, v);
    return out;
}

static bool numeric(const Json& v, double& d) {
    if (v.is_boolean())
        d = v.get<bool>() ? 1 : 0;
    else if (v.is_number())
        d = v.get<double>();
    else
        return false;
    return true;
}

bool py_equal(const Json& a, const Json& b) {
    double x, y;
    if (numeric(a, x) && numeric(b, y)) {
        if (a.is_number_integer() && b.is_number_integer() && !a.is_number_float() && !b.is_number_float())
            return a.get<int64_t>() == b.get<int64_t>();
        return x == y;
    }
    if (a.type() != b.type()) return false;
    if (a.is_array()) {
        if (a.size() != b.size()) return false;
        for (size_t i = 0; i < a.size(); ++i)
            if (!py_equal(a[i], b[i])) return false;
        return true;
    }
    if (a.is_object()) {
        if (a.size() != b.size()) return false;
        for (auto it = a.begin(); it != a.end(); ++it) {
            auto jt = b.find(it.key());
            if (jt == b.end() || !py_equal(it.value(), *jt)) return false;
        }
        return true;
    }
    return a == b;
}

}  // namespace omero::config
