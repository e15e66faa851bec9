#include "help.hpp"

#include "args.hpp"
#include "first_party.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <cctype>
#include <set>

namespace omero::host {

static std::string pad(const std::string& s, size_t width) {
    return s.size() >= width ? s + "  " : s + std::string(width - s.size(), ' ');
}

static std::string option_label(const OptionInfo& o) {
    std::string s = o.short_name ? std::string("-") + o.short_name + ", " : "    ";
    s += "--" + o.name;
    if (o.type == OMERO_VALUE_CHOICE) {
        std::string all;
        for (const std::string& c : o.choices) all += (all.empty() ? "" : ",") + c;
        s += " {" + all + "}";
    } else if (o.takes_value()) {
        s += " " + o.value_name;
    }
    return s;
}

// What the help line says about a value beyond the text: "(required; 1-64; default: 1)".
std::string option_constraints(const OptionInfo& o) {
    std::vector<std::string> parts;
    if (o.required) parts.push_back("required");
    if (o.type == OMERO_VALUE_DURATION) parts.push_back("a duration: 30s, 5m, 1h");
    if (o.type == OMERO_VALUE_SIZE) parts.push_back("a size: 512, 64k, 10M, 2G");
    if (o.bounded()) parts.push_back(describe_bounds(o));
    if (o.repeatable) parts.push_back("repeatable");
    if (!o.default_value.empty()) parts.push_back("default: " + o.default_value);
    std::string s;
    for (const std::string& p : parts) s += (s.empty() ? " (" : "; ") + p;
    return s.empty() ? s : s + ")";
}

std::string usage_line(const CommandInfo& c) {
    std::string u = "usage: omero " + c.path;
    if (c.group) return u + " <command> [<args>]";
    for (const OptionInfo& o : c.options) {
        if (o.hidden) continue;
        std::string flag = o.short_name ? std::string("-") + o.short_name : "--" + o.name;
        std::string one = flag + (o.takes_value() ? " " + o.value_name : "");
        u += (o.required ? " " + one : " [" + one + "]") + (o.repeatable ? "..." : "");
    }
    for (const ArgInfo& a : c.args) {
        std::string n = a.name + (a.variadic ? "..." : "");
        u += (a.optional || a.variadic) ? " [" + n + "]" : " " + n;
    }
    return u;
}

std::string command_help(const CommandInfo& c, const std::vector<const CommandInfo*>& children) {
    std::string h = usage_line(c) + "\n\n" + c.summary + "\n";
    if (!c.help.empty()) h += "\n" + c.help + (c.help.back() == '\n' ? "" : "\n");
    if (!children.empty()) {
        size_t w = 0;
        for (const CommandInfo* k : children) w = std::max(w, k->path.size() - c.path.size());
        h += "\nCommands:\n";
        for (const CommandInfo* k : children)
            if (!k->hidden) h += "  " + pad(k->path.substr(c.path.size() + 1), w + 1) + k->summary + "\n";
        h += "\nSee 'omero help " + c.path + " <command>' for a command's options.\n";
    }
    if (!c.args.empty()) {
        h += "\nArguments:\n";
        for (const ArgInfo& a : c.args) h += "  " + pad(a.name, 22) + a.help + "\n";
    }
    bool any = std::any_of(c.options.begin(), c.options.end(), [](const OptionInfo& o) { return !o.hidden; });
    if (any) {
        h += "\nOptions:\n";
        for (const OptionInfo& o : c.options) {
            if (o.hidden) continue;
            h += "  " + pad(option_label(o), 26) + o.help + option_constraints(o) + "\n";
        }
    }
    return h;
}

std::string overview(const std::vector<CommandSource>& commands, const std::vector<std::string>& not_installed) {
    std::string h =
        "usage: omero [-h] [-v] [-d LEVEL] [--path DIR] [--no-plugins] [-q] <command> [<args>]\n\n"
        "Configure, run, diagnose and upgrade an OMERO server.\n\nCommands:\n";
    std::map<std::string, const CommandSource*> tops;
    for (const CommandSource& c : commands)
        if (c.info.path.find(' ') == std::string::npos && !c.info.hidden) tops.emplace(c.info.path, &c);
    for (auto& [name, c] : tops)
        h += "  " + pad(name, 12) + c->info.summary + (c->plugin.empty() ? "" : "  [" + c->plugin + "]") + "\n";
    if (!not_installed.empty()) {
        h += "\nNot installed:";
        for (const std::string& n : not_installed) h += " " + n + " (" + package_of(n) + ")";
        h += "\n";
    }
    h += "\nGlobal options:\n"
         "  -h, --help              show help\n"
         "  -v, --version           print the version\n"
         "  -d, --debug LEVEL       0, debug, 1-9, trace or profile (comma list)\n"
         "      --path DIR          also load plugins from DIR (repeatable)\n"
         "      --no-plugins        start without any plugin\n"
         "  -q, --quiet             fewer messages\n"
         "\nSee 'omero help <command>' for a command's help; 'omero plugin list' for plugins.\n"
         "Environment: OMERODIR (the server directory), OMERO_CONFIG (profile for one run),\n"
         "OMERO_PLUGIN_PATH, OMERO_PLUGINS_DISABLE.\n";
    return h;
}

std::string json_usage(const std::vector<CommandSource>& commands) {
    nlohmann::json arr = nlohmann::json::array();
    for (const CommandSource& s : commands) {
        const CommandInfo& c = s.info;
        nlohmann::json j = {{"command", c.path},      {"summary", c.summary},
                            {"usage", usage_line(c)}, {"plugin", s.plugin.empty() ? "builtin" : s.plugin},
                            {"group", c.group},       {"needs_server_dir", c.needs_server_dir}};
        nlohmann::json opts = nlohmann::json::array();
        for (const OptionInfo& o : c.options) {
            if (o.hidden) continue;
            nlohmann::json oj = {{"name", "--" + o.name},
                                 {"help", o.help},
                                 {"takes_value", o.takes_value()},
                                 {"repeatable", o.repeatable}};
            if (o.short_name) oj["short"] = std::string("-") + o.short_name;
            if (o.takes_value()) {
                oj["value"] = o.value_name;
                oj["type"] = value_type_name(o.type);
            }
            if (o.required) oj["required"] = true;
            if (o.json) oj["json"] = true;
            if (!o.choices.empty()) oj["choices"] = o.choices;
            if (o.bounded()) oj["range"] = {o.min, o.max};
            if (!o.default_value.empty()) oj["default"] = o.default_value;
            opts.push_back(oj);
        }
        j["options"] = opts;
        nlohmann::json args = nlohmann::json::array();
        for (const ArgInfo& a : c.args)
            args.push_back({{"name", a.name}, {"help", a.help}, {"optional", a.optional}, {"variadic", a.variadic}});
        j["args"] = args;
        arr.push_back(j);
    }
    return arr.dump(2) + "\n";
}

static size_t distance(const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            size_t cur = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1)});
            prev = cur;
        }
    }
    return row[b.size()];
}

std::vector<std::string> suggestions(const std::string& word, const std::vector<std::string>& candidates) {
    size_t best = std::max<size_t>(1, std::min<size_t>(3, word.size() / 2));
    std::vector<std::string> out;
    for (const std::string& c : candidates) {
        size_t d = distance(word, c);
        if (d < best) {
            best = d;
            out.clear();
        }
        if (d == best && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
    }
    return out;
}

std::vector<std::string> complete(const std::vector<CommandSource>& commands, const std::vector<std::string>& words) {
    // words: everything after "omero"; the last one is being completed.
    std::string prefix = words.empty() ? "" : words.back();
    std::string path;
    const CommandInfo* leaf = nullptr;
    for (size_t i = 0; i + 1 < words.size(); ++i) {
        std::string next = path.empty() ? words[i] : path + " " + words[i];
        auto it =
            std::find_if(commands.begin(), commands.end(), [&](const CommandSource& c) { return c.info.path == next; });
        if (it == commands.end()) break;
        path = next;
        leaf = &it->info;
    }
    std::set<std::string> out;
    for (const CommandSource& c : commands) {
        const std::string& p = c.info.path;
        if (c.info.hidden) continue;
        bool child = path.empty() ? p.find(' ') == std::string::npos
                                  : p.size() > path.size() && p.compare(0, path.size() + 1, path + " ") == 0 &&
                                        p.find(' ', path.size() + 1) == std::string::npos;
        if (child) {
            std::string w = path.empty() ? p : p.substr(path.size() + 1);
            if (w.compare(0, prefix.size(), prefix) == 0) out.insert(w);
        }
    }
    if (leaf && !prefix.empty() && prefix[0] == '-')
        for (const OptionInfo& o : leaf->options)
            if (!o.hidden && ("--" + o.name).compare(0, prefix.size(), prefix) == 0) out.insert("--" + o.name);
    return {out.begin(), out.end()};
}

std::string bash_completion_script() {
    return R"(# bash completion for omero; generated by `omero completion bash`.
# The candidates come from the command tables (plugin manifests): no plugin is loaded.
# omero-<plugin> (the links the plugin packages install) completes as
# `omero <plugin> ...`; each link's completion file is a link to this one.
_omero() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    local IFS=$'\n'
    local cmd=${COMP_WORDS[0]##*/}
    local -a words=("${COMP_WORDS[@]:1:COMP_CWORD}")
    case $cmd in
        omero-?*) words=("${cmd#omero-}" "${words[@]}") ;;
    esac
    COMPREPLY=($(omero __complete -- "${words[@]}" 2>/dev/null))
    if [ ${#COMPREPLY[@]} -eq 0 ]; then
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -o filenames -F _omero omero
for _omero_link in $(compgen -c omero- 2>/dev/null); do
    complete -o filenames -F _omero "$_omero_link"
done
unset _omero_link
)";
}

namespace {

// Escapes text for roff: backslashes, and a leading dot or quote.
std::string roff(const std::string& text) {
    std::string out;
    bool line_start = true;
    for (char c : text) {
        if (line_start && (c == '.' || c == '\'')) out += "\\&";
        if (c == '\\')
            out += "\\e";
        else if (c == '-')
            out += "\\-";
        else
            out += c;
        line_start = c == '\n';
    }
    return out;
}

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

std::string man_page(const std::string& name, const std::vector<CommandSource>& commands, const std::string& version) {
    const bool whole = name == "omero";
    const std::string title = whole ? "omero" : "omero-" + name;
    std::string m = ".TH " + upper(title) + " 1 \"\" \"omero " + version + "\" \"OMERO server administration\"\n";
    m += ".SH NAME\n" + roff(title) + " \\- ";
    const CommandInfo* top = nullptr;
    for (const CommandSource& c : commands)
        if (c.info.path == name) top = &c.info;
    m += whole ? std::string("configure, run, diagnose and upgrade an OMERO server\n")
               : roff(top ? top->summary : name) + "\n";
    m += ".SH SYNOPSIS\n.B omero\n[\\fIglobal options\\fR] " +
         (whole ? std::string("\\fIcommand\\fR") : roff(name) + " \\fIsubcommand\\fR") +
         " [\\fIoptions\\fR] [\\fIarguments\\fR]\n";
    if (top && !top->help.empty()) m += ".SH DESCRIPTION\n" + roff(top->help) + "\n";
    m += ".SH COMMANDS\n";
    std::vector<const CommandInfo*> list;
    for (const CommandSource& c : commands)
        if (!c.info.hidden && !c.info.group &&
            (whole ? c.plugin.empty() : c.info.path.rfind(name + " ", 0) == 0 || c.info.path == name))
            list.push_back(&c.info);
    std::sort(list.begin(), list.end(), [](auto* a, auto* b) { return a->path < b->path; });
    for (const CommandInfo* c : list) {
        m += ".SS \"" + roff(usage_line(*c).substr(7)) + "\"\n" + roff(c->summary) + "\n";
        if (!c->help.empty()) m += ".PP\n" + roff(c->help) + "\n";
        for (const OptionInfo& o : c->options) {
            if (o.hidden) continue;
            std::string label = option_label(o);
            label.erase(0, label.find_first_not_of(' '));
            m += ".TP\n.B " + roff(label) + "\n" + roff(o.help + option_constraints(o)) + "\n";
        }
        for (const ArgInfo& a : c->args) m += ".TP\n.I " + roff(a.name) + "\n" + roff(a.help) + "\n";
    }
    if (whole) {
        m += ".SH PLUGINS\nEvery other command comes from a plugin, each with its own page: ";
        std::set<std::string> tops;
        for (const CommandSource& c : commands)
            if (!c.plugin.empty()) tops.insert(c.info.top());
        std::string refs;
        for (const std::string& t : tops) refs += (refs.empty() ? "" : ", ") + ("\\fBomero\\-" + roff(t) + "\\fR(1)");
        m += (refs.empty() ? std::string("see \\fBomero plugin list\\fR") : refs) + ".\n";
    }
    m += ".SH EXIT STATUS\n0 on success; 1 when a command failed; 2 for a bad command line; 125 when OMERODIR is not "
         "set;\n"
         "126 when the plugin that provides a command cannot be used; 130 when interrupted.\n"
         "Every code is listed in /usr/include/omero/exit_codes.h and the README.\n";
    m += ".SH ENVIRONMENT\n.TP\n.B OMERODIR\nthe server directory (the one holding etc/ and var/)\n"
         ".TP\n.B OMERO_PLUGIN_PATH\ncolon-separated plugin directories (replaces the default search)\n"
         ".TP\n.B OMERO_PLUGINS_DISABLE\nplugins not to use (names or globs, or all)\n";
    m += ".SH SEE ALSO\n" + std::string(whole ? "" : "\\fBomero\\fR(1), ") + "\\fBomero help\\fR " +
         (whole ? std::string("\\fIcommand\\fR") : roff(name)) + "\n";
    return m;
}

}  // namespace omero::host
