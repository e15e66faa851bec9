#include "command_info.hpp"

#include <set>
#include <stdexcept>

namespace omero::host {

namespace {
const char* const kTypeNames[] = {"string", "integer", "duration", "size", "path", "choice"};
}

const char* value_type_name(uint32_t type) { return type < 6 ? kTypeNames[type] : "unknown"; }

uint32_t value_type_from_name(const std::string& name) {
    for (uint32_t i = 0; i < 6; ++i)
        if (name == kTypeNames[i]) return i;
    throw std::runtime_error("unknown option type '" + name + "'");
}

std::string table_problem(const CommandInfo& c) {
    std::set<std::string> names;
    std::set<char> shorts;
    for (const OptionInfo& o : c.options) {
        auto bad = [&](const std::string& why) { return "'" + c.path + "' option --" + o.name + ": " + why; };
        if (o.name.empty() || o.name[0] == '-' || o.name.find_first_of(" =") != std::string::npos)
            return bad("not a valid option name");
        if (o.name == "help") return bad("--help is the host's");
        if (!names.insert(o.name).second) return bad("declared twice");
        if (o.short_name && (o.short_name == 'h' || !shorts.insert(o.short_name).second))
            return bad(std::string("short name -") + o.short_name + " is already taken");
        if (o.type > OMERO_VALUE_CHOICE) return bad("unknown value type " + std::to_string(o.type));
        if (o.type != OMERO_VALUE_STRING && !o.takes_value()) return bad("a flag cannot have a value type");
        if (o.type == OMERO_VALUE_CHOICE && o.choices.empty()) return bad("a choice needs its choices");
        if (o.json && o.takes_value()) return bad("the JSON switch must be a flag");
    }
    bool optional_seen = false;
    for (size_t i = 0; i < c.args.size(); ++i) {
        const ArgInfo& a = c.args[i];
        if (a.variadic && i + 1 != c.args.size())
            return "'" + c.path + "' argument " + a.name + ": only the last may be variadic";
        if (!a.optional && !a.variadic && optional_seen)
            return "'" + c.path + "' argument " + a.name + ": a required argument after an optional one";
        optional_seen |= a.optional;
    }
    return {};
}

static std::string str(const char* s) { return s ? s : ""; }

CommandInfo to_info(const omero_command_spec& spec) {
    CommandInfo c;
    c.path = str(spec.path);
    c.summary = str(spec.summary);
    c.help = str(spec.help);
    c.needs_server_dir = spec.flags & OMERO_CMD_NEEDS_SERVER_DIR;
    c.hidden = spec.flags & OMERO_CMD_HIDDEN;
    c.group = (spec.flags & OMERO_CMD_GROUP) || !spec.run;
    for (size_t i = 0; i < spec.n_options; ++i) {
        const omero_option_spec* o = spec.options[i];
        OptionInfo oi;
        oi.name = str(o->name);
        oi.short_name = o->short_name;
        oi.value_name = str(o->value_name);
        oi.help = str(o->help);
        oi.repeatable = o->flags & OMERO_OPT_REPEATABLE;
        oi.hidden = o->flags & OMERO_OPT_HIDDEN;
        oi.required = o->flags & OMERO_OPT_REQUIRED;
        oi.json = o->flags & OMERO_OPT_JSON;
        if (OMERO_HAS_FIELD(o, omero_option_spec, default_value)) oi.default_value = str(o->default_value);
        if (OMERO_HAS_FIELD(o, omero_option_spec, max_value)) {
            oi.type = o->type;
            oi.min = o->min_value;
            oi.max = o->max_value;
            std::string all = str(o->choices);
            for (size_t start = 0; !all.empty() && start <= all.size();) {
                size_t bar = all.find('|', start);
                if (bar == std::string::npos) bar = all.size();
                oi.choices.push_back(all.substr(start, bar - start));
                start = bar + 1;
            }
        }
        c.options.push_back(std::move(oi));
    }
    for (size_t i = 0; i < spec.n_args; ++i) {
        const omero_arg_spec* a = spec.args[i];
        c.args.push_back(
            {str(a->name), str(a->help), bool(a->flags & OMERO_ARG_OPTIONAL), bool(a->flags & OMERO_ARG_VARIADIC)});
    }
    return c;
}

}  // namespace omero::host
