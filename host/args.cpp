#include "args.hpp"

#include <boost/program_options.hpp>

#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace po = boost::program_options;

namespace omero::host {

namespace {

// A decimal number with an optional unit; false when the text is not one.
bool number_and_unit(const std::string& v, double& number, std::string& unit) {
    if (v.empty() || std::isspace(static_cast<unsigned char>(v[0]))) return false;
    errno = 0;
    char* end = nullptr;
    number = std::strtod(v.c_str(), &end);
    if (end == v.c_str() || errno == ERANGE || !std::isfinite(number) || number < 0) return false;
    unit.assign(end);
    return true;
}

std::string with_bounds(const OptionInfo& o, long long value, const std::string& shown) {
    if (o.bounded() && (value < o.min || value > o.max))
        throw UsageError("option '--" + o.name + "' must be " + describe_bounds(o) + ", not '" + shown + "'");
    return std::to_string(value);
}

}  // namespace

std::string describe_bounds(const OptionInfo& o) {
    if (!o.bounded()) return {};
    auto unit = [&](int64_t v) {
        if (o.type == OMERO_VALUE_DURATION)
            return v % 1000 == 0 ? std::to_string(v / 1000) + "s" : std::to_string(v) + "ms";
        if (o.type == OMERO_VALUE_SIZE) return std::to_string(v) + " bytes";
        return std::to_string(v);
    };
    return "from " + unit(o.min) + " to " + unit(o.max);
}

std::string check_value(const OptionInfo& o, const std::string& v) {
    auto bad = [&](const std::string& want) {
        return UsageError("option '--" + o.name + "' takes " + want + ", not '" + v + "'");
    };
    switch (o.type) {
        case OMERO_VALUE_INTEGER: {
            errno = 0;
            char* end = nullptr;
            long long n = std::strtoll(v.c_str(), &end, 10);
            if (v.empty() || *end || errno == ERANGE || std::isspace(static_cast<unsigned char>(v[0])))
                throw bad("a whole number" + (o.bounded() ? " " + describe_bounds(o) : std::string()));
            return with_bounds(o, n, v);
        }
        case OMERO_VALUE_DURATION: {
            double n;
            std::string u;
            if (!number_and_unit(v, n, u)) throw bad("a duration such as 30, 30s, 5m, 1h or 250ms");
            double ms = u.empty() || u == "s"    ? n * 1000
                        : u == "ms"              ? n
                        : u == "m" || u == "min" ? n * 60000
                        : u == "h"               ? n * 3600000
                                                 : -1;
            if (ms < 0 || ms > 9.2e15) throw bad("a duration such as 30, 30s, 5m, 1h or 250ms");
            return with_bounds(o, static_cast<long long>(std::llround(ms)), v);
        }
        case OMERO_VALUE_SIZE: {
            double n;
            std::string u;
            if (!number_and_unit(v, n, u)) throw bad("a size such as 512, 64k, 10M or 2G");
            if (!u.empty() && (u.back() == 'B' || u.back() == 'b')) u.pop_back();
            if (u.size() == 2 && u[1] == 'i') u.pop_back();
            const std::string units = "kmgtp";
            double mult = 1;
            if (!u.empty()) {
                size_t i = u.size() == 1 ? units.find(static_cast<char>(std::tolower(u[0]))) : std::string::npos;
                if (i == std::string::npos) throw bad("a size such as 512, 64k, 10M or 2G");
                mult = std::pow(1024.0, static_cast<double>(i + 1));
            }
            if (n * mult > 9.2e18) throw bad("a smaller size");
            return with_bounds(o, static_cast<long long>(std::llround(n * mult)), v);
        }
        case OMERO_VALUE_PATH:
            if (v.empty()) throw bad("a path");
            return v;
        case OMERO_VALUE_CHOICE:
            for (const std::string& c : o.choices)
                if (c == v) return v;
            {
                std::string all;
                for (const std::string& c : o.choices) all += (all.empty() ? "" : ", ") + c;
                throw bad("one of: " + all);
            }
        default:
            return v;
    }
}

static const char* const kPositional = "omero-positional-args";

bool wants_help(const std::vector<std::string>& argv) {
    for (const std::string& a : argv) {
        if (a == "--") return false;
        if (a == "-h" || a == "--help") return true;
    }
    return false;
}

ParsedArgs parse_args(const CommandInfo& cmd, const std::vector<std::string>& argv) {
    po::options_description desc;
    for (const OptionInfo& o : cmd.options) {
        std::string spec = o.name;
        if (o.short_name) spec += std::string(",") + o.short_name;
        if (o.takes_value())
            desc.add_options()(spec.c_str(), po::value<std::string>());
        else
            desc.add_options()(spec.c_str(), "");
    }
    desc.add_options()(kPositional, po::value<std::vector<std::string>>());
    po::positional_options_description pos;
    pos.add(kPositional, -1);
    // No abbreviated long options: a script's flag must mean one thing forever.
    int style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;

    // Boost.PO removes each token from the front of its list, which is
    // quadratic in the number of arguments (20,000 keys to `config get`):
    // hand it the options and their values only, and keep the positionals here.
    std::vector<std::string> options_argv, positionals;
    auto takes_value = [&](const std::string& token) {
        if (token.rfind("--", 0) == 0) {
            if (token.find('=') != std::string::npos) return false;
            for (const OptionInfo& o : cmd.options)
                if (token.compare(2, std::string::npos, o.name) == 0) return o.takes_value();
            return false;
        }
        for (const OptionInfo& o : cmd.options)  // "-j" alone; "-j4" carries its value
            if (token.size() == 2 && o.short_name == token[1]) return o.takes_value();
        return false;
    };
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "--") {
            positionals.insert(positionals.end(), argv.begin() + static_cast<long>(i) + 1, argv.end());
            break;
        }
        if (a.size() > 1 && a[0] == '-') {
            options_argv.push_back(a);
            if (takes_value(a) && i + 1 < argv.size()) options_argv.push_back(argv[++i]);
        } else {
            positionals.push_back(a);
        }
    }
    po::parsed_options parsed(nullptr);
    try {
        parsed = po::command_line_parser(options_argv).options(desc).positional(pos).style(style).run();
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }

    ParsedArgs out;
    out.positionals = std::move(positionals);
    out.counts.assign(cmd.options.size(), 0);
    out.values.assign(cmd.options.size(), {});
    for (const po::option& opt : parsed.options) {
        if (opt.string_key == kPositional) {  // only a stray value Boost did not attach
            out.positionals.insert(out.positionals.end(), opt.value.begin(), opt.value.end());
            continue;
        }
        for (size_t i = 0; i < cmd.options.size(); ++i) {
            const OptionInfo& o = cmd.options[i];
            if (opt.string_key != o.name) continue;
            if (out.counts[i] > 0 && !o.repeatable && o.takes_value())
                throw UsageError("option '--" + o.name + "' may be given only once");
            ++out.counts[i];
            if (o.takes_value())
                out.values[i].push_back(check_value(o, opt.value.empty() ? std::string() : opt.value.front()));
        }
    }
    for (size_t i = 0; i < cmd.options.size(); ++i)
        if (cmd.options[i].required && out.counts[i] == 0)
            throw UsageError("option '--" + cmd.options[i].name + "' is required");

    size_t required = 0;
    bool variadic = false;
    for (const ArgInfo& a : cmd.args) {
        required += a.optional || a.variadic ? 0 : 1;
        variadic |= a.variadic;
    }
    if (out.positionals.size() < required) {
        size_t missing = 0;
        for (const ArgInfo& a : cmd.args)
            if (!a.optional && !a.variadic && missing++ == out.positionals.size())
                throw UsageError("missing argument " + a.name);
    }
    if (!variadic && out.positionals.size() > cmd.args.size())
        throw UsageError("unexpected argument '" + out.positionals[cmd.args.size()] + "'");
    return out;
}

}  // namespace omero::host
