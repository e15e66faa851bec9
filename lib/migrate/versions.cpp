#include "migrate/versions.hpp"

#include <algorithm>
#include <map>
#include <queue>
#include <regex>
#include <set>

namespace fs = std::filesystem;

namespace omero::migrate {

std::optional<Version> parse_version(const std::string& text) {
    static const std::regex re("^OMERO(\\d+)(\\.|A)?(\\d*)([A-Z]*)__(\\d+)$");
    std::smatch m;
    if (!std::regex_match(text, m, re)) return std::nullopt;
    Version v;
    v.name = text;
    v.major = std::stoi(m[1]);
    v.minor = m[3].length() ? std::stoi(m[3]) : 0;
    v.suffix = m[4];
    v.patch = std::stoi(m[5]);
    return v;
}

bool operator<(const Version& a, const Version& b) {
    if (a.major != b.major) return a.major < b.major;
    if (a.minor != b.minor) return a.minor < b.minor;
    // A development line (OMERO5.4DEV) comes before its release (OMERO5.4).
    bool adev = !a.suffix.empty(), bdev = !b.suffix.empty();
    if (adev != bdev) return adev;
    if (a.suffix != b.suffix) return a.suffix < b.suffix;
    return a.patch < b.patch;
}

static std::vector<fs::path> sorted_entries(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) out.push_back(it->path());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<Hop> scan_hops(const fs::path& sql_root) {
    std::vector<Hop> hops;
    for (const fs::path& dir : sorted_entries(sql_root)) {
        auto to = parse_version(dir.filename().string());
        if (!to || !fs::is_directory(dir)) continue;
        for (const fs::path& f : sorted_entries(dir)) {
            if (f.extension() != ".sql") continue;
            auto from = parse_version(f.stem().string());  // "-precheck" and helpers do not parse
            if (!from) continue;
            Hop h{*from, *to, f, {}, dir};
            fs::path pre = dir / (f.stem().string() + "-precheck.sql");
            if (fs::exists(pre)) h.precheck = pre;
            hops.push_back(std::move(h));
        }
    }
    return hops;
}

std::vector<Version> init_versions(const fs::path& sql_root) {
    std::vector<Version> out;
    for (const fs::path& dir : sorted_entries(sql_root))
        if (auto v = parse_version(dir.filename().string()); v && fs::exists(dir / "schema.sql")) out.push_back(*v);
    std::sort(out.begin(), out.end());
    return out;
}

std::optional<std::vector<Hop>> find_path(const std::vector<Hop>& hops, const Version& from,
                                          const std::optional<Version>& to) {
    if (to && *to == from) return std::vector<Hop>{};
    // Breadth-first from `from`; the first way found to each version is kept,
    // trying higher next versions first.
    std::map<std::string, const Hop*> via;
    std::map<std::string, Version> seen = {{from.name, from}};
    std::queue<Version> q;
    q.push(from);
    while (!q.empty()) {
        Version v = q.front();
        q.pop();
        std::vector<const Hop*> next;
        for (const Hop& h : hops)
            if (h.from == v && !seen.count(h.to.name)) next.push_back(&h);
        std::sort(next.begin(), next.end(), [](const Hop* a, const Hop* b) { return b->to < a->to; });
        for (const Hop* h : next) {
            if (seen.count(h->to.name)) continue;
            seen.emplace(h->to.name, h->to);
            via[h->to.name] = h;
            q.push(h->to);
        }
    }
    Version target = from;
    if (to) {
        if (!seen.count(to->name)) return std::nullopt;
        target = *to;
    } else {
        for (auto& [name, v] : seen)
            if (target < v) target = v;
    }
    std::vector<Hop> path;
    for (std::string at = target.name; at != from.name; at = via.at(at)->from.name) path.push_back(*via.at(at));
    std::reverse(path.begin(), path.end());
    return path;
}

}  // namespace omero::migrate
