// config_plugin.cpp - `omero config`: the server's etc/grid/config.xml.
//
// Commands and flags follow omero-py's `bin/omero config`; the differences
// (each one where the reference silently drops what the user asked for) are
// listed in the README under "omero config".
#include "config_store.hpp"
#include "defaults.hpp"
#include "load_grammar.hpp"
#include "pyjson.hpp"

#include <omero/plugin.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;
using omero::sdk::Context;
using omero::sdk::Error;
using namespace omero::config;

namespace {

// ---- shared by every subcommand ----------------------------------------------

const std::vector<omero::sdk::Option> kFileOptions = {
    {.name = "source", .value_name = "FILE", .help = "use FILE instead of $OMERODIR/etc/grid/config.xml"},
    {.name = "lock-timeout", .value_name = "SECONDS", .help = "how long a write waits for the lock",
     .default_value = "5"},
};

std::vector<omero::sdk::Option> with_file_options(std::vector<omero::sdk::Option> opts) {
    opts.insert(opts.end(), kFileOptions.begin(), kFileOptions.end());
    return opts;
}

// The config file as given: --source as typed, else $OMERODIR/etc/grid/config.xml.
fs::path config_path(Context& c) {
    if (auto src = c.value("source")) {
        fs::path p{std::string(*src)};
        std::error_code ec;
        if (!fs::exists(p, ec)) throw Error(OMERO_EXIT_FILE_NOT_FOUND, "File not found: " + p.string());
        return p;
    }
    return c.server_dir() / "etc/grid/config.xml";
}

Store open_store(Context& c) {
    StoreOptions o;
    if (const char* p = std::getenv("OMERO_CONFIG")) o.env_profile = p;
    if (auto t = c.value("lock-timeout")) {
        try {
            double s = std::stod(std::string(*t));
            if (s < 0) throw std::invalid_argument("negative");
            o.lock_timeout = std::chrono::milliseconds(static_cast<long>(s * 1000));
        } catch (const std::exception&) {
            throw Error(OMERO_EXIT_USAGE, "--lock-timeout takes a number of seconds, not '" + std::string(*t) + "'");
        }
    }
    return Store(config_path(c), o);
}

// Turns store errors into command errors with the same code and message.
template <class F>
int guarded(F&& f) {
    try {
        return f();
    } catch (const ConfigError& e) {
        throw Error(e.code, e.what());
    }
}

bool is_password_key(const std::string& key) {
    std::string k = key;
    std::transform(k.begin(), k.end(), k.begin(), [](unsigned char ch) { return std::tolower(ch); });
    return k.ends_with("pass") || k.ends_with("password");
}

std::string shown(const std::string& key, const std::string& value, bool hide) {
    if (hide && is_password_key(key)) return value.empty() ? "" : "********";
    return value;
}

bool internal_key(const std::string& k) { return k == kVersionKey || k == kProfileKey; }

// ---- commands ----------------------------------------------------------------

int cmd_all(Context& c) {
    return guarded([&] {
        for (const std::string& id : open_store(c).read().profile_ids()) c.out(id + "\n");
        return 0;
    });
}

int cmd_def(Context& c) {
    return guarded([&] {
        Store store = open_store(c);
        std::string name = c.arg_count() ? std::string(c.arg(0)) : "";
        if (name.empty()) {
            c.out(store.read().active() + "\n");
            return 0;
        }
        store.update([&](Document& d) {
            d.set_explicit_profile(name);
            return true;
        });
        c.out(name + "\n");
        return 0;
    });
}

int print_properties(Context& c, const std::vector<std::string>& keys) {
    if (c.flag("show-password") && c.flag("hide-password"))
        throw Error(OMERO_EXIT_USAGE, "give --show-password or --hide-password, not both");
    bool hide = !c.flag("show-password");
    Document d = open_store(c).read();
    if (keys.size() == 1 && !c.flag("defaults")) {  // one key: the raw value, never masked (scripts rely on it)
        if (auto v = d.get(keys[0])) c.out(*v + "\n");
        return 0;
    }
    std::map<std::string, std::string> props;
    if (c.flag("defaults"))
        if (auto dir = std::getenv("OMERODIR"); dir && *dir)
            for (auto& [k, v] : server_defaults(fs::path(dir))) props[k] = v;
    for (auto& [k, v] : d.properties()) props[k] = v;

    if (keys.size() == 1) {
        if (auto it = props.find(keys[0]); it != props.end()) c.out(it->second + "\n");
        return 0;
    }
    std::string out;
    if (keys.empty()) {
        for (auto& [k, v] : props)
            if (!internal_key(k)) out += k + "=" + shown(k, v, hide) + "\n";
    } else {
        std::vector<std::string> sorted = keys;
        std::sort(sorted.begin(), sorted.end());
        for (const std::string& k : sorted)
            if (auto it = props.find(k); it != props.end()) out += k + "=" + shown(k, it->second, hide) + "\n";
    }
    c.out(out);
    return 0;
}

int cmd_get(Context& c) {
    return guarded([&] {
        std::vector<std::string> keys;
        for (auto k : c.args()) keys.emplace_back(k);
        return print_properties(c, keys);
    });
}

int cmd_list(Context& c) {
    c.err("WARNING: \"config list\" is deprecated, use \"config get\" instead\n");
    return guarded([&] { return print_properties(c, {}); });
}

int cmd_keys(Context& c) {
    return guarded([&] {
        std::vector<std::string> keys;
        for (auto& [k, v] : open_store(c).read().properties())
            if (!internal_key(k)) keys.push_back(k);
        std::sort(keys.begin(), keys.end());
        std::string out;
        for (const std::string& k : keys) out += k + "\n";
        c.out(out);
        return 0;
    });
}

void check_key(const std::string& key) {
    if (key.find('=') != std::string::npos) {
        std::string a = key.substr(0, key.find('=')), b = key.substr(key.find('=') + 1);
        throw Error(OMERO_EXIT_USAGE, "\"=\" in key name '" + key + "'; did you mean: omero config set " + a + " " +
                                          (b.empty() ? "VALUE" : b));
    }
    if (!legal_key(key)) throw Error(OMERO_EXIT_CONFIG_ILLEGAL_NAME, "Illegal property name: " + key);
}

// The text of FILE, or of standard input for "-"; a missing file or a
// directory is a usage error, as omero-py's argparse reports them.
std::string read_input(const std::string& file) {
    std::stringstream ss;
    if (file == "-") {
        ss << std::cin.rdbuf();
        return ss.str();
    }
    std::error_code ec;
    if (!fs::exists(file, ec)) throw Error(OMERO_EXIT_USAGE, "File does not exist: " + file);
    if (!fs::is_regular_file(file, ec)) throw Error(OMERO_EXIT_USAGE, "Path is not a file: " + file);
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(OMERO_EXIT_FAILURE, "cannot read " + file);
    ss << in.rdbuf();
    return ss.str();
}

std::string read_value_file(const std::string& file) {
    std::string text = read_input(file);
    // As omero-py: trailing white space (newlines included) goes, leading stays.
    text.erase(text.find_last_not_of(" \t\r\n\f\v") + 1);
    return text;
}

int cmd_set(Context& c) {
    return guarded([&] {
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
            if (!changed) c.out("Unchanged: " + key + "\n");
            else if (value) c.out("Changed: Set " + key + ":" + *value + "\n");
            else c.out("Changed: Removed " + key + "\n");
        }
        return 0;
    });
}

// The list stored under key (a JSON list), for append/remove.
Json current_list(const Document& d, const std::string& key, bool for_remove) {
    auto v = d.get(key);
    if (!v) {
        if (key.rfind("omero.web.", 0) == 0)
            throw Error(2, "Cannot retrieve default value for property " + key +
                               ": the omero-web defaults are not available to this tool; set the whole list with "
                               "'omero config set " + key + " '[...]''");
        if (for_remove) throw Error(OMERO_EXIT_FAILURE, "Property " + key + " is not defined");
        return Json::array();
    }
    Json list = py_loads(*v, OMERO_EXIT_CONFIG_NOT_JSON, "No JSON object could be decoded");
    if (!list.is_array()) throw Error(OMERO_EXIT_CONFIG_NOT_A_LIST, "Property " + key + " is not a list");
    return list;
}

Json parse_json_arg(std::string_view text) {
    try {
        return Json::parse(text);
    } catch (const Json::parse_error& e) {
        throw Error(OMERO_EXIT_FAILURE, "'" + std::string(text) + "' is not valid JSON (quote strings: '\"text\"')");
    }
}

int cmd_append(Context& c) {
    return guarded([&] {
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
    });
}

int cmd_remove(Context& c) {
    return guarded([&] {
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
    });
}

int cmd_drop(Context& c) {
    return guarded([&] {
        std::string name(c.arg(0));
        bool found = true;
        open_store(c).update([&](Document& d) { return found = d.drop(name); });
        if (!found) throw Error(OMERO_EXIT_FAILURE, "Unknown configuration: " + name);
        return 0;
    });
}

// Applies parsed `load` lines to a document: all of them or none.
void apply_lines(Document& d, const std::vector<std::pair<std::string, std::string>>& lines, bool quiet) {
    auto before = d.properties();
    auto had = [&](const std::string& k) -> const std::string* {
        for (auto& [bk, bv] : before)
            if (bk == k) return &bv;
        return nullptr;
    };
    for (auto& [key, value] : lines) {
        const std::string* old = had(key);
        if (!old) {
            if (key.find('=') != std::string::npos || !legal_key(key))
                throw Error(OMERO_EXIT_CONFIG_ILLEGAL_NAME, "Illegal property name: " + key);
        } else if (!quiet && *old != value) {
            throw Error(OMERO_EXIT_CONFIG_DUPLICATE, "Duplicate property: " + key + " ('" + *old + "' => '" + value + "')");
        }
        d.set(key, value);
    }
}

int cmd_load(Context& c) {
    return guarded([&] {
        std::vector<std::string> files;
        for (auto f : c.args()) files.emplace_back(f);
        if (files.empty()) files.push_back("-");
        std::vector<std::pair<std::string, std::string>> lines;
        for (const std::string& f : files) {
            std::string text = read_input(f);
            if (std::string why = utf8_problem(text); !why.empty())
                throw Error(OMERO_EXIT_CONFIG_CANNOT_READ, "Cannot read " + f + ": " + why);
            auto parsed = parse_load_lines(text);
            lines.insert(lines.end(), parsed.begin(), parsed.end());
        }
        open_store(c).update([&](Document& d) {
            apply_lines(d, lines, c.flag("quiet"));
            return true;
        });
        return 0;
    });
}

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

int cmd_edit(Context& c) {
    return guarded([&] {
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
        if (rc != 0)
            throw Error(OMERO_EXIT_CONFIG_EDITOR, std::to_string(rc) + ": Failed to edit " + temp);
        std::ifstream in(temp, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        auto lines = parse_load_lines(ss.str());
        store.update([&](Document& d) {
            if (d.properties() != start.properties())
                throw Error(OMERO_EXIT_FAILURE, "the profile '" + d.active() +
                                                    "' changed while you were editing; nothing was saved, your "
                                                    "edits are in " + temp);
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
    });
}

int cmd_version(Context& c) {
    return guarded([&] {
        Document d = open_store(c).read();
        auto v = d.version(d.active());
        if (!v) throw Error(OMERO_EXIT_FAILURE, "profile '" + d.active() + "' has no " + kVersionKey);
        c.out(*v + "\n");
        return 0;
    });
}

int cmd_path(Context& c) {
    return guarded([&] {
        if (auto src = c.value("source")) {
            config_path(c);  // 124 when it does not exist, as the other commands
            c.out(std::string(*src) + "\n");
        } else {
            c.out((c.server_dir() / "etc/grid/config.xml").string() + "\n");
        }
        return 0;
    });
}

int cmd_lock(Context& c) {
    return guarded([&] {
        Store store = open_store(c);
        WriteLock held = store.lock();
        c.out("Press enter to unlock");
        std::string line;
        std::getline(std::cin, line);  // end of input unlocks too
        return 0;
    });
}

int cmd_parse(Context& c) {
    if (c.flag("rst") || c.flag("headers"))
        throw Error(OMERO_EXIT_USAGE, "--rst and --headers need the property documentation, which this tool does "
                                      "not carry; use --defaults or --keys");
    fs::path dir;
    if (auto f = c.value("file")) {
        dir = fs::path{std::string(*f)};
    } else {
        dir = c.server_dir() / "etc/omero.properties";
    }
    std::error_code ec;
    if (!fs::exists(dir, ec)) throw Error(OMERO_EXIT_FILE_NOT_FOUND, "File not found: " + dir.string());
    std::string out;
    for (auto& [k, v] : read_properties_file(dir)) out += c.flag("keys") ? k + "\n" : k + "=" + v + "\n";
    c.out(out);
    return 0;
}

omero::sdk::Plugin make_plugin() {
    using omero::sdk::Arg;
    using omero::sdk::Command;
    const unsigned optional = OMERO_ARG_OPTIONAL, variadic = OMERO_ARG_VARIADIC;
    omero::sdk::Plugin p{"config", "0.1.0", "omero developers",
                         "Server configuration: etc/grid/config.xml, compatible with omero-py"};
    p.command({.path = "config",
               .summary = "Read and change the server configuration (etc/grid/config.xml)",
               .help = "The file is shared with omero-py's bin/omero, IceGrid and the Java server. Writes take\n"
                       "the same lock omero-py takes, wait up to --lock-timeout for it, and replace the file\n"
                       "atomically (the previous one is kept as config.xml.bak). OMERO_CONFIG selects a profile\n"
                       "for one run without changing the stored one.",
               .options = kFileOptions});
    p.command({.path = "config all", .summary = "List the profiles", .options = with_file_options({}), .run = cmd_all});
    p.command({.path = "config def",
               .summary = "Print the active profile, or make NAME the active one",
               .options = with_file_options({}),
               .args = {{"NAME", "profile to activate", optional}},
               .run = cmd_def});
    p.command({.path = "config get",
               .summary = "Print properties of the active profile",
               .help = "No KEY: every property as key=value, sorted, passwords masked. One KEY: its raw value\n"
                       "(nothing, and exit 0, when it is not set). Several KEYs: key=value lines, sorted.",
               .options = with_file_options({
                   {.name = "show-password", .help = "print passwords in clear"},
                   {.name = "hide-password", .help = "mask passwords (the default)", .flags = OMERO_OPT_HIDDEN},
                   {.name = "defaults", .help = "include the defaults from $OMERODIR/etc/omero.properties"},
               }),
               .args = {{"KEY", "property names", variadic}},
               .run = cmd_get});
    p.command({.path = "config list",
               .summary = "Deprecated: use 'config get'",
               .options = with_file_options({
                   {.name = "show-password", .help = "print passwords in clear"},
                   {.name = "hide-password", .help = "mask passwords (the default)", .flags = OMERO_OPT_HIDDEN},
                   {.name = "defaults", .help = "include the defaults", .flags = OMERO_OPT_HIDDEN},
               }),
               .flags = OMERO_CMD_HIDDEN,
               .run = cmd_list});
    p.command({.path = "config set",
               .summary = "Set a property, or remove it when no VALUE is given",
               .help = "A VALUE that starts with '-' goes after '--': omero config set -- omero.x -1",
               .options = with_file_options({
                   {.name = "file", .short_name = 'f', .value_name = "FILE",
                    .help = "read the value from FILE ('-': standard input); trailing white space is dropped"},
                   {.name = "report", .help = "say what changed"},
               }),
               .args = {{"KEY", "property name ([A-Za-z0-9._-])"}, {"VALUE", "new value", optional}},
               .run = cmd_set});
    p.command({.path = "config append",
               .summary = "Append a JSON value to a list property",
               .options = with_file_options({
                   {.name = "set", .help = "only if no equal value is in the list"},
                   {.name = "report", .help = "say what changed"},
               }),
               .args = {{"KEY", "property name"}, {"VALUE", "a JSON value, e.g. '\"text\"' or 1"}},
               .run = cmd_append});
    p.command({.path = "config remove",
               .summary = "Remove a JSON value from a list property",
               .options = with_file_options({{.name = "report", .help = "say what changed"}}),
               .args = {{"KEY", "property name"}, {"VALUE", "the JSON value to remove"}},
               .run = cmd_remove});
    p.command({.path = "config drop",
               .summary = "Remove a whole profile",
               .options = with_file_options({}),
               .args = {{"NAME", "profile"}},
               .run = cmd_drop});
    p.command({.path = "config keys",
               .summary = "List the property names of the active profile",
               .options = with_file_options({}),
               .run = cmd_keys});
    p.command({.path = "config load",
               .summary = "Set properties from key=value files, all or nothing",
               .help = "Lines: '#' comments, a trailing '\\' joins the next line, split on the first '='.\n"
                       "A property that is already set to another value is an error unless -q.",
               .options = with_file_options({{.name = "quiet", .short_name = 'q',
                                              .help = "let the files override existing values"}}),
               .args = {{"FILE", "files to read ('-' or none: standard input)", variadic}},
               .run = cmd_load});
    p.command({.path = "config edit",
               .summary = "Edit the active profile in $VISUAL / $EDITOR",
               .options = with_file_options({}),
               .run = cmd_edit});
    p.command({.path = "config version",
               .summary = "Print the file format version of the active profile",
               .options = with_file_options({}),
               .run = cmd_version});
    p.command({.path = "config path",
               .summary = "Print the path of the configuration file",
               .options = with_file_options({}),
               .run = cmd_path});
    p.command({.path = "config lock",
               .summary = "Hold the configuration lock until Enter is pressed",
               .options = with_file_options({}),
               .run = cmd_lock});
    p.command({.path = "config parse",
               .summary = "Print the server's default properties (etc/omero.properties)",
               .options = {
                   {.name = "file", .short_name = 'f', .value_name = "FILE", .help = "read FILE instead"},
                   {.name = "defaults", .help = "key=value lines (the default)"},
                   {.name = "keys", .help = "names only"},
                   {.name = "rst", .help = "not supported", .flags = OMERO_OPT_HIDDEN},
                   {.name = "headers", .help = "not supported", .flags = OMERO_OPT_HIDDEN},
                   {.name = "no-web", .help = "accepted for compatibility (web defaults are never read)"},
               },
               .run = cmd_parse});
    return p;
}

}  // namespace

OMERO_PLUGIN(make_plugin)
