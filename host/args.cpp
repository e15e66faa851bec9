#include "args.hpp"

#include <boost/program_options.hpp>

namespace po = boost::program_options;

namespace omero::host {

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

    po::parsed_options parsed(nullptr);
    try {
        parsed = po::command_line_parser(argv).options(desc).positional(pos).style(style).run();
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }

    ParsedArgs out;
    out.counts.assign(cmd.options.size(), 0);
    out.values.assign(cmd.options.size(), {});
    for (const po::option& opt : parsed.options) {
        if (opt.string_key == kPositional) {
            out.positionals.insert(out.positionals.end(), opt.value.begin(), opt.value.end());
            continue;
        }
        for (size_t i = 0; i < cmd.options.size(); ++i) {
            const OptionInfo& o = cmd.options[i];
            if (opt.string_key != o.name) continue;
            if (out.counts[i] > 0 && !o.repeatable && o.takes_value())
                throw UsageError("option '--" + o.name + "' may be given only once");
            ++out.counts[i];
            if (o.takes_value()) out.values[i].push_back(opt.value.empty() ? std::string() : opt.value.front());
        }
    }

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
