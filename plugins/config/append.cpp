// `omero config append`: append a JSON value to a list property.
#include "config.hpp"

namespace omero::config {

namespace {

int run(Context& c) {
    std::string key(c.arg(0));
    std::string typed(c.arg(1));
    Json item = parse_json_arg(typed);
    bool changed = false;
    open_store(c).update([&](Document& d) {
        Json list = current_list(d, key, false);
        if (c.flag("set"))
            for (const Json& x : list)
                if (py_equal(x, item)) return false;
        list.push_back(item);
        d.set(key, py_dumps(list));
        return changed = true;
    });
    if (c.flag("report")) c.out(changed ? "Changed: Appended " + key + ":" + typed + "\n" : "Unchanged: " + key + "\n");
    return 0;
}

}  // namespace

Command append_command() {
    return {.path = "config append",
            .summary = "Append a JSON value to a list property",
            .options = with_file_options({
                {.name = "set", .help = "only if no equal value is in the list"},
                {.name = "report", .help = "say what changed"},
            }),
            .args = {{"KEY", "property name"}, {"VALUE", "a JSON value, e.g. '\"text\"' or 1"}},
            .run = run};
}

}  // namespace omero::config
