// The other plugins' commands, through the host (see calls.hpp).
#include "calls.hpp"

#include "util/error.hpp"

namespace omero::upgrade {

int call(Context& c, const std::vector<std::string>& words, std::string* captured, std::string* why) {
    std::string reason;
    int rc = c.run(words, captured, &reason);
    if (why) *why = reason;
    return rc;
}

bool running(Context& c, const std::string& plugin) {
    std::string out;
    return call(c, {plugin, "status"}, &out) == 0;
}

bool database_exists(Context& c, const std::string& name) {
    std::string out;
    int rc = call(c, {"db", "status", "--name", name, "--json"}, &out);
    return rc != OMERO_EXIT_DB_CONNECT && rc != OMERO_EXIT_PLUGIN_UNAVAILABLE && !last_object(out).empty();
}

void say(Context& c, const std::string& step, const std::string& text) {
    if (c.json())
        c.emit_json(json{{"event", "step"}, {"step", step}, {"message", text}}.dump());
    else
        c.err("==> " + step + ": " + text + "\n");
}

bool invoke(Context& c, const std::string& step, const std::vector<std::string>& words, bool optional) {
    std::string why, line;
    for (const std::string& w : words) line += (line.empty() ? "" : " ") + w;
    say(c, step, "omero " + line);
    int rc = call(c, words, nullptr, &why);
    if (rc == OMERO_EXIT_PLUGIN_UNAVAILABLE && optional) {
        say(c, step, "skipped: " + why);
        return false;
    }
    if (rc != 0)
        throw Error(rc,
                    "'omero " + line + "' failed (exit " + std::to_string(rc) + ")" + (why.empty() ? "" : ": " + why));
    return true;
}

json last_object(const std::string& out, std::string_view key) {
    json last;
    for (size_t at = 0, nl; at < out.size(); at = nl + 1) {
        nl = out.find('\n', at);
        if (nl == std::string::npos) nl = out.size();
        json j = json::parse(out.substr(at, nl - at), nullptr, false);
        if (j.is_object() && (key.empty() || j.contains(key))) last = std::move(j);
    }
    return last;
}

}  // namespace omero::upgrade
