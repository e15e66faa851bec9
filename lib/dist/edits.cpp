// Local edits carried from one distribution to the next (see edits.hpp).
#include "dist/edits.hpp"

#include "migrate/versions.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>

namespace omero::dist {

bool Edits::conflict() const {
    return std::any_of(files.begin(), files.end(), [](const FileEdit& f) { return f.action == "conflict"; });
}

namespace {

// A private scratch directory for diff and diff3's inputs.
struct Scratch {
    fs::path dir;
    Scratch() {
        std::string t = (fs::temp_directory_path() / "omero-upgrade-XXXXXX").string();
        if (!::mkdtemp(t.data())) throw Error(OMERO_EXIT_FAILURE, "cannot create a temporary directory");
        dir = t;
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    fs::path put(const std::string& name, const std::string& text) const {
        fs::path p = dir / name;
        write_file_atomic(p, text, false);
        return p;
    }
};

}  // namespace

std::string unified_diff(const std::string& a, const std::string& b, const std::string& la, const std::string& lb) {
    Scratch s;
    ChildOptions o;
    o.capture_stdout = true;
    ChildResult r =
        run_child({"diff", "-u", "--label", la, "--label", lb, s.put("a", a).string(), s.put("b", b).string()}, o);
    if (r.status > 1) throw Error(OMERO_EXIT_FAILURE, "diff failed: " + r.err);
    return r.out;
}

namespace {

// diff3 -m: {status, text}; 0 clean, 1 conflicts (markers in the text).
std::pair<int, std::string> merge3(const std::string& mine, const std::string& base, const std::string& theirs,
                                   const std::string& name) {
    Scratch s;
    ChildOptions o;
    o.capture_stdout = true;
    ChildResult r =
        run_child({"diff3", "-m", "-L", "yours: " + name, "-L", "old release: " + name, "-L", "new release: " + name,
                   s.put("mine", mine).string(), s.put("base", base).string(), s.put("theirs", theirs).string()},
                  o);
    if (r.status > 1) throw Error(OMERO_EXIT_FAILURE, "diff3 failed on " + name + ": " + r.err);
    return {r.status, r.out};
}

const std::map<std::string, std::string> kServers = {
    {"Blitz", "blitz"}, {"Indexer", "indexer"}, {"PixelData", "pixeldata"}, {"Repository", "repository"}};

// Each server template's literal -Xmx option: {"blitz": "-Xmx4096M"}.
// (Plain searches: std::regex recurses per character and a template file
// is tens of kilobytes.)
std::map<std::string, std::string> heap_options(const std::string& xml) {
    std::map<std::string, std::string> out;
    const std::string open = "<server-template id=\"", close = "</server-template>", opt = "<option>-Xmx";
    for (size_t at = xml.find(open); at != std::string::npos; at = xml.find(open, at + 1)) {
        size_t id = at + open.size(), quote = xml.find('"', id), end = xml.find(close, id);
        if (quote == std::string::npos || end == std::string::npos) break;
        std::string name = xml.substr(id, quote - id);
        if (name.size() <= 8 || name.compare(name.size() - 8, 8, "Template") != 0) continue;
        auto s = kServers.find(name.substr(0, name.size() - 8));
        if (s == kServers.end()) continue;
        size_t o = xml.find(opt, quote);
        if (o == std::string::npos || o > end) continue;
        size_t v = o + 8, stop = xml.find("</option>", v);
        if (stop == std::string::npos || stop > end) continue;
        std::string value = xml.substr(v, stop - v);
        if (value.find_first_of(" \t\n<") == std::string::npos) out[s->second] = value;
    }
    return out;
}

// `xml` with each named server's -Xmx option set back to `base`'s.
std::string with_heaps_of(std::string xml, const std::map<std::string, std::string>& mine,
                          const std::map<std::string, std::string>& base) {
    for (auto& [server, value] : mine) {
        auto b = base.find(server);
        if (b == base.end() || b->second == value) continue;
        std::string from = "<option>" + value + "</option>", to = "<option>" + b->second + "</option>";
        if (size_t at = xml.find(from); at != std::string::npos) xml.replace(at, from.size(), to);
    }
    return xml;
}

// The files whose local edits are carried, relative to the distribution.
std::vector<std::string> candidates(const Dist& d) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(d.dir / "etc/grid", ec)) {
        std::string name = e.path().filename().string();
        if (!e.is_regular_file() || e.path().extension() != ".xml" || name == "config.xml") continue;
        // 5.2+: etc/grid/<name> is generated from etc/templates/grid/<name> by `admin rewrite`.
        if (d.templates && fs::exists(d.dir / "etc/templates/grid" / name, ec)) continue;
        out.push_back("etc/grid/" + name);
    }
    if (fs::is_directory(d.dir / "etc/templates", ec))
        for (auto it = fs::recursive_directory_iterator(d.dir / "etc/templates", ec);
             it != fs::recursive_directory_iterator(); it.increment(ec))
            if (it->is_regular_file()) out.push_back(fs::relative(it->path(), d.dir).string());
    auto v = migrate::parse_version(d.db_version);
    if (v && (v->major < 4 || (v->major == 4 && v->minor <= 1)) &&
        fs::exists(d.dir / "lib/python/omeroweb/settings.py", ec))
        out.push_back("lib/python/omeroweb/settings.py");
    std::sort(out.begin(), out.end());
    return out;
}

// Where an old file's edits go in the new layout: before 5.2 the live
// etc/grid/*.xml were the templates.
std::string target_of(const std::string& rel, const Dist& o, const Dist& n) {
    if (!o.templates && n.templates && rel.rfind("etc/grid/", 0) == 0) {
        std::string name = rel.substr(9);
        if (fs::exists(n.dir / "etc/templates/grid" / name)) return "etc/templates/grid/" + name;
    }
    return rel;
}

std::optional<std::string> read_opt(const fs::path& p) { return read_file_if_exists(p, 64 << 20); }

}  // namespace

Edits find_edits(const Dist& o, const Dist& n, const std::optional<fs::path>& pristine) {
    Edits out;
    for (const std::string& rel : candidates(o)) {
        std::string to = target_of(rel, o, n);
        std::string mine = *read_opt(o.dir / rel);
        std::optional<std::string> base = pristine ? read_opt(*pristine / rel) : std::nullopt;
        std::optional<std::string> theirs = read_opt(n.dir / to);
        if (base && mine == *base) continue;  // not edited

        // Memory: literal -Xmx options become omero.jvmcfg.heap_size.<server>.
        if (n.jvmcfg && fs::path(rel).filename() == "templates.xml") {
            auto heaps = heap_options(mine);
            auto base_heaps = base ? heap_options(*base) : std::map<std::string, std::string>{};
            for (auto& [server, opt] : heaps) {
                if (base && base_heaps.count(server) && base_heaps[server] == opt) continue;
                out.jvmcfg.emplace_back("omero.jvmcfg.heap_size." + server, opt.substr(4));
                out.notes.push_back(rel + ": " + server + " " + opt + " becomes omero.jvmcfg.heap_size." + server +
                                    "=" + opt.substr(4) +
                                    (base ? ""
                                          : " (no pristine copy to tell your value from the "
                                            "release's: check it)"));
            }
            if (base) {
                mine = with_heaps_of(mine, heaps, base_heaps);
                if (mine == *base) continue;  // the memory was the only edit
            }
        }

        FileEdit f{rel, to, "", "", ""};
        if (!pristine) {
            if (theirs && mine == *theirs) continue;
            f.action = "review";
            f.diff = theirs ? unified_diff(*theirs, mine, "new release: " + to, "yours: " + rel)
                            : unified_diff("", mine, "(not in the new release)", "yours: " + rel);
        } else if (!base) {
            // Not in the old release: a file of yours.
            if (!theirs)
                f.action = "carry", f.content = mine, f.diff = unified_diff("", mine, "/dev/null", "yours: " + rel);
            else if (mine == *theirs)
                continue;
            else
                f.action = "review", f.diff = unified_diff(*theirs, mine, "new release: " + to, "yours: " + rel);
        } else if (!theirs) {
            f.action = "review";  // the new release dropped a file you edited
            f.diff = unified_diff(*base, mine, "old release: " + rel, "yours: " + rel);
        } else if (*theirs == *base) {
            f.action = "carry", f.content = mine,
            f.diff = unified_diff(*base, mine, "old release: " + rel, "yours: " + rel);
        } else {
            auto [rc, merged] = merge3(mine, *base, *theirs, to);
            if (rc == 0) {
                f.action = "merge", f.content = merged;
                f.diff = unified_diff(*theirs, merged, "new release: " + to, "merged: " + to);
            } else {
                f.action = "conflict", f.diff = merged;
            }
        }
        out.files.push_back(std::move(f));
    }
    return out;
}

}  // namespace omero::dist
