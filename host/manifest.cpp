#include "manifest.hpp"

#include "args.hpp"

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace omero::host {

using nlohmann::json;

bool valid_plugin_name(const std::string& name) {
    if (name.empty() || name.size() > 64 || !(name[0] >= 'a' && name[0] <= 'z')) return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return true;
}

static json command_to_json(const CommandInfo& c) {
    json j = {{"path", c.path}, {"summary", c.summary}};
    if (!c.help.empty()) j["help"] = c.help;
    json flags = json::array();
    if (c.group) flags.push_back("group");
    if (c.hidden) flags.push_back("hidden");
    if (c.needs_server_dir) flags.push_back("needs-server-dir");
    if (!flags.empty()) j["flags"] = flags;
    json opts = json::array();
    for (const OptionInfo& o : c.options) {
        json oj = {{"name", o.name}, {"help", o.help}};
        if (o.short_name) oj["short"] = std::string(1, o.short_name);
        if (o.takes_value()) oj["value"] = o.value_name;
        if (o.repeatable) oj["repeatable"] = true;
        if (o.hidden) oj["hidden"] = true;
        if (o.required) oj["required"] = true;
        if (o.json) oj["json"] = true;
        if (!o.default_value.empty()) oj["default"] = o.default_value;
        if (o.type != OMERO_VALUE_STRING) oj["type"] = value_type_name(o.type);
        if (!o.choices.empty()) oj["choices"] = o.choices;
        if (o.bounded()) oj["range"] = {o.min, o.max};
        opts.push_back(std::move(oj));
    }
    if (!opts.empty()) j["options"] = opts;
    json args = json::array();
    for (const ArgInfo& a : c.args) {
        json aj = {{"name", a.name}, {"help", a.help}};
        if (a.optional) aj["optional"] = true;
        if (a.variadic) aj["variadic"] = true;
        args.push_back(std::move(aj));
    }
    if (!args.empty()) j["args"] = args;
    return j;
}

// The elements of j[key] when it is an array, without copying it.
static const json& array_at(const json& j, const char* key) {
    static const json empty = json::array();
    auto it = j.find(key);
    return it != j.end() && it->is_array() ? *it : empty;
}

static CommandInfo command_from_json(const json& j) {
    CommandInfo c;
    c.path = j.at("path").get<std::string>();
    c.summary = j.value("summary", "");
    c.help = j.value("help", "");
    for (const auto& f : array_at(j, "flags")) {
        std::string s = f.get<std::string>();
        c.group |= s == "group";
        c.hidden |= s == "hidden";
        c.needs_server_dir |= s == "needs-server-dir";
    }
    for (const auto& oj : array_at(j, "options")) {
        OptionInfo o;
        o.name = oj.at("name").get<std::string>();
        std::string s = oj.value("short", "");
        o.short_name = s.empty() ? 0 : s[0];
        o.value_name = oj.value("value", "");
        o.help = oj.value("help", "");
        o.repeatable = oj.value("repeatable", false);
        o.hidden = oj.value("hidden", false);
        o.required = oj.value("required", false);
        o.json = oj.value("json", false);
        o.default_value = oj.value("default", "");
        if (auto t = oj.find("type"); t != oj.end()) o.type = value_type_from_name(t->get<std::string>());
        for (const auto& ch : array_at(oj, "choices")) o.choices.push_back(ch.get<std::string>());
        if (const json& r = array_at(oj, "range"); r.size() == 2) {
            o.min = r[0].get<int64_t>();
            o.max = r[1].get<int64_t>();
        }
        c.options.push_back(std::move(o));
    }
    for (const auto& aj : array_at(j, "args"))
        c.args.push_back({aj.at("name").get<std::string>(), aj.value("help", ""), aj.value("optional", false),
                          aj.value("variadic", false)});
    return c;
}

std::string manifest_to_json(const Manifest& m) {
    json j = {{"schema_version", kManifestSchema},
              {"name", m.name},
              {"vendor", m.vendor},
              {"version", m.version},
              {"summary", m.summary},
              {"library", m.library},
              {"abi", {{"min", m.abi_min}, {"max", m.abi_max}}}};
    json cmds = json::array();
    for (const CommandInfo& c : m.commands) cmds.push_back(command_to_json(c));
    j["commands"] = cmds;
    json hops = json::array();
    for (const HopInfo& h : m.hops) {
        json hj = {{"from", h.from}, {"to", h.to}, {"summary", h.summary}};
        if (!h.notes.empty()) hj["notes"] = h.notes;
        if (h.flags) hj["flags"] = h.flags;
        hops.push_back(std::move(hj));
    }
    j["hops"] = hops;
    // Compact: every start of omero reads every manifest (plugin info shows them readably).
    return j.dump() + "\n";
}

// Reads a whole (small) file with plain syscalls: this runs for every plugin
// on every start.
static bool slurp(const std::filesystem::path& file, std::string& out) {
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size > (1 << 20)) {
        ::close(fd);
        return false;
    }
    out.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < out.size()) {
        ssize_t n = ::read(fd, out.data() + got, out.size() - got);
        if (n <= 0) break;
        got += static_cast<size_t>(n);
    }
    ::close(fd);
    out.resize(got);
    return true;
}

namespace {

// The start-up reading of a manifest: SAX events straight into the summary
// (names, summaries, flags, hops), no document built and nothing kept of the
// options, arguments and help that only help and completion need. It takes
// and refuses what the document reading does with those left out.
class SummaryReader : public nlohmann::json_sax<json> {
public:
    Manifest m;
    std::string syntax_error;  // the JSON itself is broken
    std::string incomplete;    // a field is missing or of the wrong type

    bool have_schema() const { return have_schema_; }
    bool finish() {
        if (!incomplete.empty()) return false;
        if (!have_schema_) return !fail("'schema_version' is missing");
        if (!have_name_) return !fail("'name' is missing");
        if (!have_library_) return !fail("'library' is missing");
        if (!have_abi_min_ || !have_abi_max_) return !fail("'abi' needs 'min' and 'max'");
        return true;
    }
    int64_t schema = 0;

    bool null() override { return scalar(Value::other, {}, 0); }
    bool boolean(bool) override { return scalar(Value::other, {}, 0); }
    bool number_integer(number_integer_t v) override { return scalar(Value::number, {}, v); }
    bool number_unsigned(number_unsigned_t v) override { return scalar(Value::number, {}, static_cast<int64_t>(v)); }
    bool number_float(number_float_t v, const string_t&) override {
        // Clamped before the conversion (a huge or NaN double has no int64 value).
        const double x = v != v ? 0 : v < -9e18 ? -9e18 : v > 9e18 ? 9e18 : v;
        return scalar(Value::number, {}, static_cast<int64_t>(x));
    }
    bool string(string_t& v) override { return scalar(Value::string, v, 0); }
    bool binary(binary_t&) override { return scalar(Value::other, {}, 0); }
    bool key(string_t& k) override {
        key_ = k;
        return true;
    }
    bool start_object(std::size_t) override { return open(false); }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override { return open(true); }
    bool end_array() override { return close(); }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
        syntax_error = e.what();
        return false;
    }

private:
    enum class Ctx { root, abi, commands, command, flags, hops, hop, skip };
    enum class Value { string, number, other };
    std::vector<Ctx> stack_;
    std::string key_;
    bool have_schema_ = false, have_name_ = false, have_library_ = false, have_abi_min_ = false, have_abi_max_ = false,
         have_path_ = false, have_from_ = false, have_to_ = false;

    // Records the first problem and reads on: an unsupported schema_version
    // (read later, keys are sorted) is the better message.
    bool fail(std::string why) {
        if (incomplete.empty()) incomplete = std::move(why);
        return true;
    }
    bool fail_open(std::string why) {
        stack_.push_back(Ctx::skip);  // the container is still read, as nothing
        return fail(std::move(why));
    }
    Ctx top() const { return stack_.back(); }

    bool open(bool array) {
        if (stack_.empty()) {
            if (array) return fail_open("the manifest is not a JSON object");
            stack_.push_back(Ctx::root);
            return true;
        }
        Ctx next = Ctx::skip;
        switch (top()) {
            case Ctx::root:
                if (key_ == "abi") {
                    if (array) return fail_open("'abi' is not an object");
                    have_abi_min_ = have_abi_max_ = false;  // the last one counts
                    next = Ctx::abi;
                } else if (key_ == "commands" && array) {
                    m.commands.clear();
                    next = Ctx::commands;
                } else if (key_ == "hops" && array) {
                    m.hops.clear();
                    next = Ctx::hops;
                } else if (key_ == "schema_version" || key_ == "name" || key_ == "library" || key_ == "vendor" ||
                           key_ == "version" || key_ == "summary") {
                    return fail_open("'" + key_ + "' has the wrong type");
                }
                break;
            case Ctx::abi:
                if (key_ == "min" || key_ == "max") return fail_open("'abi." + key_ + "' is not a number");
                break;
            case Ctx::commands:
                if (array) return fail_open("a command is not an object");
                m.commands.emplace_back();
                have_path_ = false;
                next = Ctx::command;
                break;
            case Ctx::command:
                if (key_ == "flags" && array) {
                    CommandInfo& c = m.commands.back();
                    c.group = c.hidden = c.needs_server_dir = false;  // the last "flags" counts
                    next = Ctx::flags;
                } else if (key_ == "path" || key_ == "summary") {
                    return fail_open("command '" + key_ + "' is not a string");
                }
                break;  // options, args, help: not read at start-up
            case Ctx::flags:
                return fail_open("a command flag is not a string");
            case Ctx::hops:
                if (array) return fail_open("a hop is not an object");
                m.hops.emplace_back();
                have_from_ = have_to_ = false;
                next = Ctx::hop;
                break;
            case Ctx::hop:
                if (key_ == "from" || key_ == "to" || key_ == "summary" || key_ == "notes" || key_ == "flags")
                    return fail_open("hop '" + key_ + "' has the wrong type");
                break;
            case Ctx::skip:
                break;
        }
        stack_.push_back(next);
        return true;
    }

    bool close() {
        Ctx done = top();
        stack_.pop_back();
        if (done == Ctx::command && !have_path_) return fail("a command has no 'path'");
        if (done == Ctx::hop && !(have_from_ && have_to_)) return fail("a hop needs 'from' and 'to'");
        return true;
    }

    bool scalar(Value type, const std::string& text, int64_t number) {
        if (stack_.empty()) return fail("the manifest is not a JSON object");
        auto want_string = [&](std::string& field) {
            if (type != Value::string) return fail("'" + key_ + "' is not a string");
            field = text;
            return true;
        };
        switch (top()) {
            case Ctx::root:
                if (key_ == "schema_version") {
                    if (type != Value::number) return fail("'schema_version' is not a number");
                    schema = number;
                    have_schema_ = true;
                } else if (key_ == "name") {
                    have_name_ = true;
                    return want_string(m.name);
                } else if (key_ == "library") {
                    have_library_ = true;
                    return want_string(m.library);
                } else if (key_ == "vendor") {
                    return want_string(m.vendor);
                } else if (key_ == "version") {
                    return want_string(m.version);
                } else if (key_ == "summary") {
                    return want_string(m.summary);
                } else if (key_ == "abi") {
                    return fail("'abi' is not an object");
                } else if (key_ == "commands") {
                    m.commands.clear();  // not a list: none, as the document reading takes it
                } else if (key_ == "hops") {
                    m.hops.clear();
                }
                return true;
            case Ctx::abi:
                if (key_ == "min" || key_ == "max") {
                    if (type != Value::number) return fail("'abi." + key_ + "' is not a number");
                    (key_ == "min" ? m.abi_min : m.abi_max) = static_cast<uint32_t>(number);
                    (key_ == "min" ? have_abi_min_ : have_abi_max_) = true;
                }
                return true;
            case Ctx::commands:
                return fail("a command is not an object");
            case Ctx::command: {
                CommandInfo& c = m.commands.back();
                if (key_ == "path") {
                    have_path_ = true;
                    return want_string(c.path);
                }
                if (key_ == "summary") return want_string(c.summary);
                if (key_ == "flags") {  // not a list: no flags
                    c.group = c.hidden = c.needs_server_dir = false;
                }
                return true;
            }
            case Ctx::flags: {
                if (type != Value::string) return fail("a command flag is not a string");
                CommandInfo& c = m.commands.back();
                c.group |= text == "group";
                c.hidden |= text == "hidden";
                c.needs_server_dir |= text == "needs-server-dir";
                return true;
            }
            case Ctx::hops:
                return fail("a hop is not an object");
            case Ctx::hop: {
                HopInfo& h = m.hops.back();
                if (key_ == "from") {
                    have_from_ = true;
                    return want_string(h.from);
                }
                if (key_ == "to") {
                    have_to_ = true;
                    return want_string(h.to);
                }
                if (key_ == "summary") return want_string(h.summary);
                if (key_ == "notes") return want_string(h.notes);
                if (key_ == "flags") {
                    if (type != Value::number) return fail("hop 'flags' is not a number");
                    h.flags = static_cast<uint32_t>(number);
                }
                return true;
            }
            case Ctx::skip:
                return true;
        }
        return true;
    }
};

// The checks both readings make of what they read.
void check_schema(int64_t schema) {
    if (schema < 1 || schema > kManifestSchema)
        throw std::runtime_error("manifest schema_version " + std::to_string(schema) +
                                 " is not supported (this omero reads 1.." + std::to_string(kManifestSchema) + ")");
}

void check_names(const Manifest& m) {
    if (!valid_plugin_name(m.name)) throw std::runtime_error("invalid plugin name '" + m.name + "'");
    if (m.library.empty() || m.library.find('/') != std::string::npos)
        throw std::runtime_error("manifest 'library' must be a file name beside the manifest");
}

}  // namespace

Manifest read_manifest(const std::filesystem::path& file, bool details) {
    std::string text;
    if (!slurp(file, text)) throw std::runtime_error("cannot read manifest");
    if (!details) {
        SummaryReader r;
        json::sax_parse(text.data(), text.data() + text.size(), &r);
        if (!r.syntax_error.empty()) throw std::runtime_error("manifest is not valid JSON: " + r.syntax_error);
        if (r.have_schema()) check_schema(r.schema);  // the better message first
        if (!r.finish()) throw std::runtime_error("manifest is incomplete: " + r.incomplete);
        check_names(r.m);
        r.m.details = false;
        return std::move(r.m);
    }
    json j;
    try {
        j = json::parse(text.data(), text.data() + text.size());
    } catch (const json::parse_error& e) {
        throw std::runtime_error(std::string("manifest is not valid JSON: ") + e.what());
    }
    try {
        check_schema(j.at("schema_version").get<int>());
        Manifest m;
        m.name = j.at("name").get<std::string>();
        m.vendor = j.value("vendor", "");
        m.version = j.value("version", "");
        m.summary = j.value("summary", "");
        m.library = j.at("library").get<std::string>();
        m.abi_min = j.at("abi").at("min").get<uint32_t>();
        m.abi_max = j.at("abi").at("max").get<uint32_t>();
        check_names(m);
        for (const auto& c : array_at(j, "commands")) m.commands.push_back(command_from_json(c));
        for (const auto& h : array_at(j, "hops"))
            m.hops.push_back({h.at("from").get<std::string>(), h.at("to").get<std::string>(), h.value("summary", ""),
                              h.value("notes", ""), h.value("flags", 0u)});
        return m;
    } catch (const json::exception& e) {
        throw std::runtime_error(std::string("manifest is incomplete: ") + e.what());
    }
}

// Groups a multi-word command needs but the plugin did not declare ("a" for "a b").
static void add_missing_groups(Manifest& m) {
    std::vector<CommandInfo> groups;
    auto declared = [&](const std::string& path) {
        auto same = [&](const CommandInfo& c) { return c.path == path; };
        return std::any_of(m.commands.begin(), m.commands.end(), same) ||
               std::any_of(groups.begin(), groups.end(), same);
    };
    for (const CommandInfo& c : m.commands)
        for (size_t sp = c.path.find(' '); sp != std::string::npos; sp = c.path.find(' ', sp + 1))
            if (!declared(c.path.substr(0, sp))) {
                CommandInfo g;
                g.path = c.path.substr(0, sp);
                g.summary = m.summary;
                g.group = true;
                groups.push_back(std::move(g));
            }
    m.commands.insert(m.commands.begin(), groups.begin(), groups.end());
}

std::string manifest_problem(const Manifest& m, const std::vector<std::string>& builtins) {
    if (!valid_plugin_name(m.name)) return "invalid plugin name '" + m.name + "' (want ^[a-z][a-z0-9-]*$)";
    std::set<std::string> paths;
    for (const CommandInfo& c : m.commands) {
        if (c.path.empty() || c.path.front() == ' ' || c.path.back() == ' ' || c.path.find("  ") != std::string::npos)
            return "command '" + c.path + "' is not a valid command path";
        if (!paths.insert(c.path).second) return "command '" + c.path + "' is declared twice";
        if (std::find(builtins.begin(), builtins.end(), c.top()) != builtins.end())
            return "command '" + c.path + "' clashes with the built-in command '" + c.top() + "'";
        if (std::string why = table_problem(c); !why.empty()) return why;
        for (const OptionInfo& o : c.options)
            if (o.takes_value() && !o.default_value.empty()) try {
                    check_value(o, o.default_value);
                } catch (const UsageError& e) {
                    return "'" + c.path + "' default of --" + o.name + ": " + e.what();
                }
    }
    std::set<std::pair<std::string, std::string>> hops;
    for (const HopInfo& h : m.hops)
        if (!hops.insert({h.from, h.to}).second) return "hop " + h.from + " -> " + h.to + " is declared twice";
    return {};
}

Manifest manifest_from_api(const omero_plugin_api& api, uint32_t abi_min, uint32_t abi_max,
                           const std::string& library) {
    Manifest m;
    m.name = api.name ? api.name : "";
    m.vendor = api.vendor ? api.vendor : "";
    m.version = api.version ? api.version : "";
    m.summary = api.summary ? api.summary : "";
    m.library = library;
    m.abi_min = abi_min;
    m.abi_max = abi_max;
    for (size_t i = 0; i < api.n_commands; ++i) m.commands.push_back(to_info(*api.commands[i]));
    add_missing_groups(m);
    if (api.struct_size >= offsetof(omero_plugin_api, n_hops) + sizeof api.n_hops)
        for (size_t i = 0; i < api.n_hops; ++i) {
            const omero_upgrade_hop* h = api.hops[i];
            auto s = [](const char* p) { return std::string(p ? p : ""); };
            m.hops.push_back({s(h->from), s(h->to), s(h->summary), s(h->notes),
                              OMERO_HAS_FIELD(h, omero_upgrade_hop, flags) ? h->flags : 0u});
        }
    return m;
}

}  // namespace omero::host
