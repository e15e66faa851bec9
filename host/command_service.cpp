// run_command: another command run inside this process, in a child frame
// of the caller's (its --json, quiet and $OMERODIR; its stdout to the
// caller's sink when given), so nothing of the caller's changes.
#include "service_calls.hpp"

#include <omero/exit_codes.h>

#include <string>
#include <vector>

namespace omero::host {

int h_run_command(omero_host* h, const omero_str* argv, size_t argc, omero_sink out, void* user) {
    if (!h->dispatch) {
        h->last_error = "no command line to run commands with";
        return OMERO_EXIT_FAILURE;
    }
    if (h->depth >= 8) {
        h->last_error = "commands run each other too deeply (8 levels)";
        return OMERO_EXIT_FAILURE;
    }
    std::vector<std::string> words;
    for (size_t i = 0; i < argc; ++i) words.emplace_back(argv[i].ptr ? argv[i].ptr : "", argv[i].len);
    // The command runs in its own frame: the caller's is left as it was.
    omero_host child;
    child.parent = h;
    child.depth = h->depth + 1;
    child.quiet = h->quiet;
    // Captured, it prints what its own words ask for (the caller reads it);
    // else its output joins the caller's stdout, JSON under the caller's --json.
    child.json = out ? false : h->json;
    child.server_dir = h->server_dir;
    child.all_plugins = h->all_plugins;
    child.dispatch = h->dispatch;
    // Its stdout: the caller's sink when given, else wherever the caller's goes.
    child.capture = out ? out : h->capture;
    child.capture_user = out ? user : h->capture_user;
    child.errors_to_caller = out != nullptr;
    // A command run through here may change config.xml, or the caller may
    // have (an upgrade swaps the distribution): the child reads it afresh
    // (its cache starts empty), and so does the caller afterwards.
    h->config_cache.reset();
    int rc;
    try {
        rc = h->dispatch(child, words);
    } catch (const std::exception& e) {
        h->last_error = e.what();
        return OMERO_EXIT_FAILURE;
    }
    h->config_cache.reset();
    h->last_error = !child.last_error.empty() ? child.last_error : child.reported_error;
    return rc;
}

}  // namespace omero::host
