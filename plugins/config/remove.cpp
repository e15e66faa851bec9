// `omero config remove`: remove a JSON value from a list property.
#include "config.hpp"

namespace omero::config {

namespace {

int run(Context& c) {
    std::string key(c.arg(0));
    std::string typed(c.arg(1));
    Json item = parse_json_arg(typed);
    open_store(c).update([&](Document& d) {
        Json list = current_list(d, key, true);
        for (auto it = list.begin(); it != list.end(); ++it)
            if (py_equal(*it, item)) {
                list.erase(it);
                d.set(key, py_dumps(list));
                return true;
            }
        throw Error(OMERO_EXIT_FAILURE, typed + " is not defined in " + key);
    });
    if (c.flag("report")) c.out("Changed: Removed " + key + ":" + typed + "\n");
    return 0;
}

}  // namespace

Command remove_command() {
    return {.path = "config remove",
            .summary = "Remove a JSON value from a list property",
            .options = with_file_options({{.name = "report", .help = "say what changed"}}),
            .args = {{"KEY", "property name"}, {"VALUE", "the JSON value to remove"}},
            .run = run};
}

}  // namespace omero::config
