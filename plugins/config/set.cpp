// `omero config set`: set a property, or remove it when no VALUE is given.
#include "config.hpp"

namespace omero::config {

namespace {

void check_key(const std::string& key) {
    if (key.find('=') != std::string::npos) {
        std::string a = key.substr(0, key.find('=')), b = key.substr(key.find('=') + 1);
        throw Error(OMERO_EXIT_USAGE, "\"=\" in key name '" + key + "'; did you mean: omero config set " + a + " " +
                                          (b.empty() ? "VALUE" : b));
    }
    if (!legal_key(key)) throw Error(OMERO_EXIT_CONFIG_ILLEGAL_NAME, "Illegal property name: " + key);
}

std::string read_value_file(const std::string& file) {
    std::string text = read_input(file);
    // As omero-py: trailing white space (newlines included) goes, leading stays.
    text.erase(text.find_last_not_of(" \t\r\n\f\v") + 1);
    return text;
}

int run(Context& c) {
    std::string key(c.arg(0));
    check_key(key);
    std::optional<std::string> value;
    if (auto f = c.value("file")) {
        if (c.arg_count() > 1) throw Error(OMERO_EXIT_USAGE, "give VALUE or --file, not both");
        value = read_value_file(std::string(*f));
    } else if (c.arg_count() > 1) {
        value = std::string(c.arg(1));
    }
    bool changed = false;
    open_store(c).update([&](Document& d) {
        auto old = d.get(key);
        if (value) {
            changed = old != value;
            if (changed) d.set(key, *value);
        } else {
            changed = d.remove(key);
        }
        return changed;
    });
    if (c.flag("report")) {
        if (!changed)
            c.out("Unchanged: " + key + "\n");
        else if (value)
            c.out("Changed: Set " + key + ":" + *value + "\n");
        else
            c.out("Changed: Removed " + key + "\n");
    }
    return 0;
}

}  // namespace

Command set_command() {
    return {.path = "config set",
            .summary = "Set a property, or remove it when no VALUE is given",
            .help = "A VALUE that starts with '-' goes after '--': omero config set -- omero.x -1",
            .options = with_file_options({
                {.name = "file",
                 .short_name = 'f',
                 .value_name = "FILE",
                 .help = "read the value from FILE ('-': standard input); trailing white space is dropped"},
                {.name = "report", .help = "say what changed"},
            }),
            .args = {{"KEY", "property name ([A-Za-z0-9._-])"}, {"VALUE", "new value", OMERO_ARG_OPTIONAL}},
            .run = run};
}

}  // namespace omero::config
