// `omero config keys`: list the property names of the active profile.
#include "config.hpp"

namespace omero::config {

namespace {

int run(Context& c) {
    std::vector<std::string> keys;
    for (auto& [k, v] : open_store(c).read().properties())
        if (!internal_key(k)) keys.push_back(k);
    std::sort(keys.begin(), keys.end());
    std::string out;
    for (const std::string& k : keys) out += k + "\n";
    c.out(out);
    return 0;
}

}  // namespace

Command keys_command() {
    return {.path = "config keys",
            .summary = "List the property names of the active profile",
            .options = with_file_options({}),
            .run = run};
}

}  // namespace omero::config
