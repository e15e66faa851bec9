#include "command_info.hpp"

namespace omero::host {

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
        if (OMERO_HAS_FIELD(o, omero_option_spec, default_value)) oi.default_value = str(o->default_value);
        c.options.push_back(std::move(oi));
    }
    for (size_t i = 0; i < spec.n_args; ++i) {
        const omero_arg_spec* a = spec.args[i];
        c.args.push_back({str(a->name), str(a->help), bool(a->flags & OMERO_ARG_OPTIONAL),
                          bool(a->flags & OMERO_ARG_VARIADIC)});
    }
    return c;
}

}  // namespace omero::host
