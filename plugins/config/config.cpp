#include "config.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace omero::config {

const std::vector<Option> kFileOptions = {
    {.name = "source",
     .value_name = "FILE",
     .help = "use FILE instead of $OMERODIR/etc/grid/config.xml",
     .type = OMERO_VALUE_PATH},
    {.name = "lock-timeout",
     .value_name = "SECONDS",
     .help = "how long a write waits for the lock",
     .default_value = "5",
     .type = OMERO_VALUE_DURATION,
     .min = 0,
     .max = 86400000},
};

std::vector<Option> with_file_options(std::vector<Option> opts) {
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
    o.lock_timeout = std::chrono::milliseconds(*c.integer("lock-timeout"));
    return Store(config_path(c), o);
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

int print_properties(Context& c, const std::vector<std::string>& keys) {
    if (c.flag("show-password") && c.flag("hide-password"))
        throw Error(OMERO_EXIT_USAGE, "give --show-password or --hide-password, not both");
    bool hide = !c.flag("show-password");
    if (keys.size() == 1 && !c.flag("defaults")) {  // one key: the raw value, never masked (scripts rely on it)
        if (auto v = open_store(c).get(keys[0])) c.out(*v + "\n");
        return 0;
    }
    Document d = open_store(c).read();
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

// The text of FILE, or of standard input for "-"; a missing file or a
// directory is a usage error, as omero-py's argparse reports them.
std::string read_input(const std::string& file) {
    if (file == "-") return read_stdin();
    std::stringstream ss;
    std::error_code ec;
    if (!fs::exists(file, ec)) throw Error(OMERO_EXIT_USAGE, "File does not exist: " + file);
    if (!fs::is_regular_file(file, ec)) throw Error(OMERO_EXIT_USAGE, "Path is not a file: " + file);
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(OMERO_EXIT_FAILURE, "cannot read " + file);
    ss << in.rdbuf();
    return ss.str();
}

// Applies parsed `load` lines to a document: all of them or none.
void apply_lines(Document& d, const std::vector<std::pair<std::string, std::string>>& lines, bool quiet) {
    std::unordered_map<std::string, std::string> before;
    for (auto& [k, v] : d.properties()) before.emplace(std::move(k), std::move(v));
    for (auto& [key, value] : lines) {
        auto old = before.find(key);
        if (old == before.end()) {
            if (key.find('=') != std::string::npos || !legal_key(key))
                throw Error(OMERO_EXIT_CONFIG_ILLEGAL_NAME, "Illegal property name: " + key);
        } else if (!quiet && old->second != value) {
            throw Error(OMERO_EXIT_CONFIG_DUPLICATE,
                        "Duplicate property: " + key + " ('" + old->second + "' => '" + value + "')");
        }
    }
    d.set_all(lines);
}

// The list stored under key (a JSON list), for append/remove.
Json current_list(const Document& d, const std::string& key, bool for_remove) {
    auto v = d.get(key);
    if (!v) {
        if (key.rfind("omero.web.", 0) == 0)
            throw Error(OMERO_EXIT_CONFIG_NO_DEFAULT,
                        "Cannot retrieve default value for property " + key +
                            ": the omero-web defaults are not available to this tool; set the whole list with "
                            "'omero config set " +
                            key + " '[...]''");
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

}  // namespace omero::config
