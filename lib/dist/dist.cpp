// What a server distribution says about itself: its release, the database
// version it ships, its layout.
#include "dist/dist.hpp"

#include "migrate/versions.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>

namespace omero::dist {

std::optional<Ident> ident_of(const fs::path& p) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) return std::nullopt;
    return Ident{st.st_dev, st.st_ino};
}

json ident_json(const Ident& i) { return json::array({static_cast<uint64_t>(i.dev), static_cast<uint64_t>(i.ino)}); }

Ident ident_from(const json& j) {
    return {static_cast<dev_t>(j[0].get<uint64_t>()), static_cast<ino_t>(j[1].get<uint64_t>())};
}

namespace {

// omero.version from etc/omero.properties (a built distribution has it
// filled in), else the directory's name (OMERO.server-5.4.10-ice36-b105).
std::string release_of(const fs::path& dir) {
    if (auto v = properties_value(dir / "etc/omero.properties", "omero.version")) return *v;
    const std::string prefix = "OMERO.server-";
    std::string base = dir.filename().string();
    if (base.rfind(prefix, 0) == 0 && base.size() > prefix.size()) return base.substr(prefix.size());
    return "unknown";
}

}  // namespace

Dist inspect_dist(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir / "etc", ec) || !fs::is_directory(dir / "sql/psql", ec))
        throw Error(OMERO_EXIT_FAILURE, dir.string() +
                                            " is not an OMERO.server distribution (it needs etc/ and sql/psql/); "
                                            "give the unpacked directory or its archive");
    Dist d;
    d.dir = dir;
    d.release = release_of(dir);
    std::optional<migrate::Version> newest;
    for (const auto& e : fs::directory_iterator(dir / "sql/psql", ec))
        if (auto v = migrate::parse_version(e.path().filename().string());
            v && e.is_directory() && (!newest || *newest < *v))
            newest = v;
    if (newest) d.db_version = newest->name;
    d.templates = fs::is_directory(dir / "etc/templates/grid", ec);
    fs::path tx = d.templates ? dir / "etc/templates/grid/templates.xml" : dir / "etc/grid/templates.xml";
    if (auto t = read_file_if_exists(tx, 16 << 20)) d.jvmcfg = t->find("MEMORY:") != std::string::npos;
    return d;
}

uintmax_t free_bytes(fs::path p) {
    std::error_code ec;
    while (!p.empty() && !fs::exists(p, ec) && p != p.parent_path()) p = p.parent_path();
    struct statvfs st;
    if (::statvfs(p.c_str(), &st) != 0) return 0;
    return static_cast<uintmax_t>(st.f_bavail) * st.f_frsize;
}

std::string human_bytes(uintmax_t n) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = static_cast<double>(n);
    int u = 0;
    while (v >= 1024 && u < 4) v /= 1024, ++u;
    char buf[32];
    std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", v, units[u]);
    return buf;
}

}  // namespace omero::dist
