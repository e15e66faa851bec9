#include "gridfiles.hpp"

#include "config/config_store.hpp"
#include "config/config_xml.hpp"
#include "config/defaults.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

#include <pugixml.hpp>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

namespace omero::admin {

std::string Props::get(const std::string& key, const std::string& fallback) const {
    auto it = all.find(key);
    return it == all.end() ? fallback : it->second;
}

Props read_props(const fs::path& omerodir) {
    Props p;
    for (auto& [k, v] : config::server_defaults(omerodir)) p.all[k] = v;
    // The profile the host's config service reads (OMERO_CONFIG for one
    // run), so one admin command never mixes two profiles.
    config::StoreOptions o;
    if (const char* profile = std::getenv("OMERO_CONFIG")) o.env_profile = profile;
    config::Store store(omerodir / "etc" / "grid" / "config.xml", o);
    for (auto& [k, v] : store.read().properties()) {
        p.all[k] = v;
        p.config[k] = v;
    }
    return p;
}

namespace {

// omero.ports.<name> (the reference's default when unset or empty).
std::string port_setting(const Props& p, const std::string& name) {
    static const std::map<std::string, std::string> defaults = {
        {"ssl", "4064"}, {"tcp", "4063"}, {"ws", "4065"}, {"wss", "4066"}, {"registry", "4061"}};
    std::string v = p.get("omero.ports." + name);
    auto d = defaults.find(name);
    return v.empty() && d != defaults.end() ? d->second : v;
}

}  // namespace

int port(const Props& p, const std::string& name) {
    return std::atoi((p.get("omero.ports.prefix") + port_setting(p, name)).c_str());
}

std::vector<std::pair<std::string, int>> listen_ports(const Props& p) {
    std::string transports = p.get("omero.client.icetransports", "ssl,tcp");
    std::vector<std::pair<std::string, int>> out;
    for (const char* k : {"ssl", "tcp"})
        if (transports.find(k) != std::string::npos) out.emplace_back(k, port(p, k));
    out.emplace_back("registry", port(p, "registry"));
    return out;
}

std::vector<int> client_ports(const Props& p) {
    std::vector<int> out;
    for (auto& [name, n] : listen_ports(p))
        if (name != "registry") out.push_back(n);
    return out;
}

std::map<std::string, std::string> tokens(const Props& p, bool for_ice_config) {
    std::string prefix = p.get("omero.ports.prefix");
    std::string host = p.get("omero.master.host");
    if (host.empty()) host = p.get("Ice.Default.Host");
    if (host.empty()) host = for_ice_config ? "localhost" : "127.0.0.1";
    std::string endpoints;
    std::string transports = p.get("omero.client.icetransports", "ssl,tcp");
    if (transports.empty()) transports = "ssl,tcp";
    for (size_t i = 0; i <= transports.size();) {
        size_t j = transports.find(',', i);
        if (j == std::string::npos) j = transports.size();
        std::string t = transports.substr(i, j - i);
        if (!t.empty()) endpoints += (endpoints.empty() ? "" : ":") + t + " -p " + prefix + port_setting(p, t);
        i = j + 1;
    }
    std::string tables = p.get("omero.tables.module");
    return {{"@omero.ports.prefix@", prefix},
            {"@omero.ports.ssl@", port_setting(p, "ssl")},
            {"@omero.ports.tcp@", port_setting(p, "tcp")},
            {"@omero.ports.ws@", port_setting(p, "ws")},
            {"@omero.ports.wss@", port_setting(p, "wss")},
            {"@omero.ports.registry@", port_setting(p, "registry")},
            {"@omero.master.host@", host},
            {"@omero.tables.module@", tables.empty() ? "runTables" : tables},
            {"@omero.client.endpoints@", endpoints}};
}

std::string substitute(std::string text, const std::map<std::string, std::string>& tokens) {
    for (const auto& [token, value] : tokens)
        for (size_t at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size()))
            text.replace(at, token.size(), value);
    return text;
}

std::string adapt_master_cfg(std::string text) {
    if (text.find("IceGrid.Registry.LMDB.Path") != std::string::npos) return text;
    const std::string old = "IceGrid.Registry.Data=";
    size_t at = text.find(old);
    if (at != std::string::npos && (at == 0 || text[at - 1] == '\n'))
        return text.replace(at, old.size(), "IceGrid.Registry.LMDB.Path=");
    return text + (text.empty() || text.back() == '\n' ? "" : "\n") + "IceGrid.Registry.LMDB.Path=var/registry\n";
}

// --- JVM settings (omero-py's omero/install/jvmcfg.py rules) ---------------

namespace {

Error memory_error(const std::string& why) { return Error(11, "Cannot adjust memory settings: " + why); }

// Python's repr of a str.
std::string py_repr(const std::string& s) {
    char q = s.find('\'') != std::string::npos && s.find('"') == std::string::npos ? '"' : '\'';
    std::string out(1, q);
    for (char ch : s) {
        if (ch == '\\' || ch == q)
            out += '\\', out += ch;
        else if (ch == '\n')
            out += "\\n";
        else if (ch == '\t')
            out += "\\t";
        else if (ch == '\r')
            out += "\\r";
        else
            out += ch;
    }
    return out + q;
}

// shlex.split for the common cases: blanks separate, quotes group, \ escapes.
std::vector<std::string> shell_split(const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    bool have = false;
    char quote = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        char ch = s[i];
        if (quote) {
            if (ch == quote)
                quote = 0;
            else if (ch == '\\' && quote == '"' && i + 1 < s.size())
                cur += s[++i];
            else
                cur += ch;
        } else if (ch == '\'' || ch == '"') {
            quote = ch;
            have = true;
        } else if (ch == '\\' && i + 1 < s.size()) {
            cur += s[++i];
            have = true;
        } else if (ch == ' ' || ch == '\t' || ch == '\n') {
            if (have) out.push_back(cur);
            cur.clear();
            have = false;
        } else {
            cur += ch;
            have = true;
        }
    }
    if (quote) throw memory_error("omero.jvmcfg.append has an unclosed quote: " + s);
    if (have) out.push_back(cur);
    return out;
}

long total_memory_mb() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    long kb = 0;
    while (in >> key) {
        if (key == "MemTotal:") {
            in >> kb;
            return static_cast<long>(static_cast<long long>(kb) * 1024 / 1000000);
        }
        std::getline(in, key);
    }
    return 4000;  // the reference's fallback
}

long to_long(const std::string& key, const std::string& v) {
    try {
        size_t used = 0;
        long n = std::stol(v, &used);
        if (used == v.size()) return n;
    } catch (const std::exception&) {
    }
    throw memory_error("omero.jvmcfg." + key + "='" + v + "' is not a whole number of MB");
}

struct JvmLookup {
    std::vector<std::pair<std::string, std::string>> server, global;  // config order (sorted)
    std::optional<std::string> lookup(const std::string& key) const {
        for (auto* m : {&server, &global})
            for (auto& [k, v] : *m)
                if (k == key) return v;
        static const std::map<std::string, std::string> statics = {
            {"strategy", "percent"},        {"append", ""},
            {"heap_dump", "off"},           {"heap_size", "512m"},
            {"max_system_memory", "48000"}, {"min_system_memory", "3414"}};
        if (auto it = statics.find(key); it != statics.end()) return it->second;
        return std::nullopt;
    }
    bool was_set(const std::string& key) const {
        for (auto* m : {&server, &global})
            for (auto& [k, v] : *m)
                if (k == key) return true;
        return false;
    }
    std::string repr() const {
        std::vector<std::pair<std::string, std::string>> d = server;
        for (auto& [k, v] : global) {
            bool found = false;
            for (auto& e : d)
                if (e.first == k) e.second = v, found = true;
            if (!found) d.emplace_back(k, v);
        }
        std::string s;
        for (auto& [k, v] : d) s += (s.empty() ? "" : ", ") + py_repr(k) + ": " + py_repr(v);
        return "Settings(" + (d.empty() ? "" : "{" + s + "}") + ")";
    }
};

std::string heap_option(std::string sz) {
    if (sz.rfind("-X", 0) == 0) return sz;
    try {
        size_t used = 0;
        double d = std::stod(sz, &used);
        if (used == sz.size()) sz = std::to_string(static_cast<long long>(d));
    } catch (const std::exception&) {
    }
    std::string rv = "-Xmx" + sz;
    char last = static_cast<char>(std::tolower(static_cast<unsigned char>(rv.back())));
    if (last != 'b' && last != 'k' && last != 'm' && last != 'g') rv += "m";
    return rv;
}

}  // namespace

std::vector<JvmSettings> jvm_settings(const Props& p) {
    std::vector<JvmSettings> out;
    const std::string pre = "omero.jvmcfg.";
    for (const char* name : {"blitz", "indexer", "pixeldata", "repository"}) {
        JvmLookup s;
        std::string suffix = std::string(".") + name;
        for (auto& [k, v] : p.config) {
            if (k.rfind(pre, 0) != 0) continue;
            std::string rest = k.substr(pre.size());
            if (rest.find('.') == std::string::npos)
                s.global.emplace_back(rest, v);
            else if (rest.size() > suffix.size() &&
                     rest.compare(rest.size() - suffix.size(), suffix.size(), suffix) == 0 &&
                     rest.substr(0, rest.size() - suffix.size()).find('.') == std::string::npos)
                s.server.emplace_back(rest.substr(0, rest.size() - suffix.size()), v);
        }
        std::string strategy = *s.lookup("strategy");
        if (strategy != "percent" && strategy != "manual")
            throw memory_error("Bad strategy: " + strategy + " (omero.jvmcfg.strategy is percent or manual)");
        std::string heap;
        if (strategy == "percent" && !s.was_set("heap_size")) {
            long total =
                s.lookup("system_memory") ? to_long("system_memory", *s.lookup("system_memory")) : total_memory_mb();
            long active = std::max(std::min(total, to_long("max_system_memory", *s.lookup("max_system_memory"))),
                                   to_long("min_system_memory", *s.lookup("min_system_memory")));
            static const std::map<std::string, long> percents = {
                {"blitz", 15}, {"pixeldata", 15}, {"indexer", 10}, {"repository", 10}};
            long percent = s.lookup("percent") ? to_long("percent", *s.lookup("percent")) : percents.at(name);
            heap = heap_option(std::to_string(static_cast<long long>(static_cast<double>(active) * percent / 100)));
        } else {
            heap = heap_option(*s.lookup("heap_size"));
        }
        JvmSettings js{name, {heap}, s.repr()};
        std::string dump = *s.lookup("heap_dump");
        if (dump == "on" || dump == "cwd" || dump == "tmp") js.options.push_back("-XX:+HeapDumpOnOutOfMemoryError");
        if (dump == "tmp") {
            const char* t = std::getenv("TMPDIR");
            js.options.push_back(std::string("-XX:HeapDumpPath=") + (t && *t ? t : "/tmp"));
        }
        for (std::string& a : shell_split(*s.lookup("append"))) js.options.push_back(std::move(a));
        out.push_back(std::move(js));
    }
    return out;
}

// --- templates.xml -------------------------------------------------------

namespace {

std::string escape_text(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else
            out += c;
    }
    return out;
}

bool blank(std::string_view s) { return s.find_first_not_of(" \t\r\n") == std::string_view::npos; }

// ElementTree's serialization: attributes in document order, text escaped,
// empty elements as <tag />; comments and layout whitespace are gone.
void write_et(const pugi::xml_node& n, std::string& out) {
    out += '<';
    out += n.name();
    for (const pugi::xml_attribute& a : n.attributes())
        out += std::string(" ") + a.name() + "=\"" + config::escape_attribute(a.value()) + '"';
    std::string body;
    for (const pugi::xml_node& c : n.children()) {
        if (c.type() == pugi::node_element)
            write_et(c, body);
        else if ((c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) && !blank(c.value()))
            body += escape_text(c.value());
    }
    if (body.empty()) {
        out += " />";
    } else {
        out += '>' + body + "</" + n.name() + '>';
    }
}

}  // namespace

std::string render_templates_xml(const std::string& template_text, const Props& p) {
    // @omero.glacier2.icessl@: one property per omero.glacier2.IceSSL.X.
    std::string ssl;
    const std::string pre = "omero.glacier2.IceSSL.";
    for (auto& [k, v] : p.all)
        if (k.size() > pre.size() && k.rfind(pre, 0) == 0)
            ssl += (ssl.empty() ? "" : "\n") + std::string("<property name=\"IceSSL.") + k.substr(pre.size()) +
                   "\" value=\"" + config::escape_attribute(v) + "\"/>";
    std::string text = substitute(template_text, {{"@omero.glacier2.icessl@", ssl}, {"@ICE_LIB_VERSION@", "37"}});
    pugi::xml_document doc;
    auto parsed = doc.load_buffer(text.data(), text.size(), pugi::parse_default | pugi::parse_ws_pcdata_single);
    if (!parsed) throw memory_error(std::string("etc/templates/grid/templates.xml: ") + parsed.description());
    pugi::xml_node root = doc.document_element();
    std::map<std::string, std::pair<pugi::xml_node, pugi::xml_node>> options, replacements;
    for (pugi::xml_node t : root.children("server-template"))
        for (pugi::xml_node server : t.children("server")) {
            for (pugi::xml_node o : server.children("option")) {
                std::string v = o.text().get();
                if (v.rfind("MEMORY:", 0) == 0) options[v.substr(7)] = {server, o};
            }
            for (pugi::xml_node props : server.children("properties"))
                for (pugi::xml_node prop : props.children("property")) {
                    std::string name = prop.attribute("name").value();
                    if (name.rfind("REPLACEMENT:", 0) == 0) replacements[name.substr(12)] = {server, prop};
                }
        }
    for (const char* name : {"blitz", "indexer", "pixeldata", "repository"})
        if (!options.count(name))
            throw memory_error(std::string("Cannot find ") + name +
                               " option. Make sure templates.xml was not copied from an older server");
    for (const JvmSettings& js : jvm_settings(p)) {
        auto [server, option] = options[js.name];
        option.text().set(js.options[0].c_str());
        pugi::xml_node after = option;
        for (size_t i = 1; i < js.options.size(); ++i) {
            after = server.insert_child_after("option", after);
            after.text().set(js.options[i].c_str());
        }
        // The reference keeps only the last config key ending in .<name>.
        std::optional<std::pair<std::string, std::string>> last;
        std::string suffix = "." + js.name;
        for (auto& [k, v] : p.config)
            if (k.size() > suffix.size() && k.compare(k.size() - suffix.size(), suffix.size(), suffix) == 0)
                last = {k.substr(0, k.size() - suffix.size()), v};
        if (last && replacements.count(js.name)) {
            pugi::xml_node prop = replacements[js.name].second;
            prop.attribute("name").set_value(last->first.c_str());
            prop.attribute("value").set_value(last->second.c_str());
        }
    }
    std::string out;
    write_et(root, out);
    return out;
}

namespace {

std::vector<std::pair<std::string, std::vector<std::string>>> parse_descriptors(const std::string& d) {
    std::vector<std::pair<std::string, std::vector<std::string>>> nodes;
    std::istringstream words(d);
    for (std::string w; words >> w;) {
        size_t colon = w.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == w.size())
            throw Error(1, "omero.server.nodedescriptors: '" + w + "' is not NODE:SERVER,SERVER...");
        std::vector<std::string> servers;
        std::string list = w.substr(colon + 1);
        for (size_t i = 0; i <= list.size();) {
            size_t j = list.find(',', i);
            if (j == std::string::npos) j = list.size();
            if (j > i) servers.push_back(list.substr(i, j - i));
            i = j + 1;
        }
        nodes.emplace_back(w.substr(0, colon), servers);
    }
    std::sort(nodes.begin(), nodes.end());
    return nodes;
}

std::string instances(const std::vector<std::string>& servers) {
    std::string s;
    for (const std::string& d : servers) {
        size_t dash = d.find('-');
        std::string t = d.substr(0, dash);
        s += "      <server-instance template=\"" + t + "Template\"";
        if (dash != std::string::npos) s += " index=\"" + d.substr(dash + 1) + "\"";
        if (t == "Blitz") s += " config=\"default\"";
        if (t == "PixelData" || t == "Processor" || t == "Tables") s += " dir=\"\"";
        s += "/>\n";
    }
    return s;
}

}  // namespace

std::string apply_node_descriptors(const std::string& xml, const std::string& descriptors) {
    auto nodes = parse_descriptors(descriptors);
    if (nodes.empty()) return xml;
    static const std::regex master(R"re(<node name="master">\s*<server-instance[^>]*>)re");
    std::smatch m;
    if (!std::regex_search(xml, m, master))
        throw Error(1, "omero.server.nodedescriptors is set but default.xml has no <node name=\"master\"> to split");
    size_t start = static_cast<size_t>(m.position(0) + m.length(0));
    size_t end = xml.find("</node>", start);
    if (end == std::string::npos) throw Error(1, "default.xml: the master <node> is not closed");
    end += 7;
    std::string master_part = "\n    </node>\n", others;
    for (auto& [name, servers] : nodes) {
        if (name == "master")
            master_part = instances(servers) + master_part;
        else
            others += "    <node name=\"" + name + "\">\n" + instances(servers) + "    </node>\n";
    }
    // The reference's layout, byte for byte: the first new instance follows
    // Glacier2's on the same line.
    return xml.substr(0, start) + master_part + others + xml.substr(end);
}

std::vector<std::string> worker_nodes(const std::string& descriptors) {
    std::vector<std::string> out;
    for (auto& [name, servers] : parse_descriptors(descriptors))
        if (name != "master") out.push_back(name);
    return out;
}

std::string node_cfg(const std::string& node) {
    return "# Generated by omero admin rewrite for the worker node " + node +
           " (omero.server.nodedescriptors).\n"
           "# Run it with: omero node " +
           node +
           " start\n"
           "IceGrid.Node.Name=" +
           node +
           "\n"
           "IceGrid.Node.Data=var/" +
           node +
           "\n"
           "IceGrid.Node.Endpoints=tcp\n"
           "Ice.StdOut=var/log/" +
           node +
           ".out\n"
           "Ice.StdErr=var/log/" +
           node + ".err\n";
}

std::vector<std::pair<fs::path, std::string>> generate(const fs::path& omerodir, const Props& p) {
    fs::path tdir = omerodir / "etc" / "templates";
    std::vector<std::pair<fs::path, std::string>> out;
    auto toks = tokens(p, false);
    std::error_code ec;
    std::vector<fs::path> cfgs;
    for (const auto& e : fs::directory_iterator(tdir, ec))
        if (e.path().extension() == ".cfg") cfgs.push_back(e.path());
    if (ec) throw Error(10, "FATAL: Cannot access " + tdir.string() + ": " + ec.message());
    std::sort(cfgs.begin(), cfgs.end());
    for (const fs::path& f : cfgs) {
        std::string text = substitute(read_file(f), toks);
        if (f.filename() == "master.cfg") text = adapt_master_cfg(text);
        out.emplace_back(omerodir / "etc" / f.filename(), text);
    }
    std::vector<fs::path> xmls;
    for (const auto& e : fs::directory_iterator(tdir / "grid", ec)) {
        std::string n = e.path().filename().string();
        if (n.size() >= 11 && n.compare(n.size() - 11, 11, "default.xml") == 0) xmls.push_back(e.path());
    }
    std::sort(xmls.begin(), xmls.end());
    std::string descriptors = p.get("omero.server.nodedescriptors");
    for (const fs::path& f : xmls)
        out.emplace_back(omerodir / "etc" / "grid" / f.filename(),
                         apply_node_descriptors(substitute(read_file(f), toks), descriptors));
    for (const std::string& node : worker_nodes(descriptors))
        out.emplace_back(omerodir / "etc" / (node + ".cfg"), node_cfg(node));
    if (fs::exists(tdir / "ice.config"))
        out.emplace_back(omerodir / "etc" / "ice.config", substitute(read_file(tdir / "ice.config"), tokens(p, true)));
    out.emplace_back(omerodir / "etc" / "grid" / "templates.xml",
                     render_templates_xml(read_file(tdir / "grid" / "templates.xml"), p));
    return out;
}

}  // namespace omero::admin
