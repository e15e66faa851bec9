// `omero config edit`: edit the active profile in $VISUAL / $EDITOR.
#include "config.hpp"

#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace omero::config {

namespace {

// Runs $VISUAL / $EDITOR / vi on file; returns its exit status.
int run_editor(const std::string& file) {
    const char* ed = std::getenv("VISUAL");
    if (!ed || !*ed) ed = std::getenv("EDITOR");
    std::string editor = ed && *ed ? ed : "vi";
    // The editor setting may carry arguments ("code --wait"): let the shell split it.
    pid_t pid = fork();
    if (pid < 0) throw Error(OMERO_EXIT_FAILURE, "cannot start the editor");
    if (pid == 0) {
        std::string cmd = editor + " \"$1\"";
        execl("/bin/sh", "sh", "-c", cmd.c_str(), "sh", file.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run(Context& c) {
    Store store = open_store(c);
    if (!store.writable()) throw Error(OMERO_EXIT_CONFIG_READ_ONLY, "Cannot modify " + store.path().string());
    Document start = store.read();
    auto props = start.properties();
    std::sort(props.begin(), props.end());
    std::string text = "# Edit your preferences below. Comments are ignored\n";
    for (auto& [k, v] : props) text += k + "=" + v + "\n";

    char tmpl[] = "/tmp/omero-config-edit-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) throw Error(OMERO_EXIT_FAILURE, "cannot create a temporary file in /tmp");
    (void)!::write(fd, text.data(), text.size());
    ::close(fd);
    std::string temp = tmpl;
    // The lock is not held while the editor runs (omero-py#370): instead,
    // the profile must be unchanged when we come back.
    int rc = run_editor(temp);
    if (rc != 0) throw Error(OMERO_EXIT_CONFIG_EDITOR, std::to_string(rc) + ": Failed to edit " + temp);
    std::ifstream in(temp, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto lines = parse_load_lines(ss.str());
    store.update([&](Document& d) {
        if (d.properties() != start.properties())
            throw Error(OMERO_EXIT_FAILURE, "the profile '" + d.active() +
                                                "' changed while you were editing; nothing was saved, your "
                                                "edits are in " +
                                                temp);
        std::string profile = d.active();
        Document attempt = d;
        attempt.drop(profile);
        try {
            apply_lines(attempt, lines, true);
        } catch (const Error& e) {
            throw Error(e.code(), std::string(e.what()) + " (nothing was saved; your edits are in " + temp + ")");
        }
        d = attempt;
        return true;
    });
    ::unlink(temp.c_str());
    return 0;
}

}  // namespace

Command edit_command() {
    return {.path = "config edit",
            .summary = "Edit the active profile in $VISUAL / $EDITOR",
            .options = with_file_options({}),
            .run = run};
}

}  // namespace omero::config
