// versions.hpp - OMERO database versions and the upgrade path between them.
//
// A version is "OMERO<major>[.|A]<minor><SUFFIX>__<patch>" (omego's pattern);
// a DEV suffix sorts before the release. The server directory holds one
// folder per target version, sql/psql/<TARGET>/, and in it one upgrade
// script per source version, <SOURCE>.sql, optionally with
// <SOURCE>-precheck.sql; other files there are helpers, not hops.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace omero::migrate {

struct Version {
    std::string name;  // "OMERO5.4__0"
    int major = 0, minor = 0, patch = 0;
    std::string suffix;  // "DEV" or empty

    std::string version() const { return name.substr(0, name.rfind("__")); }  // "OMERO5.4"
};

std::optional<Version> parse_version(const std::string& text);
bool operator<(const Version& a, const Version& b);
inline bool operator==(const Version& a, const Version& b) { return a.name == b.name; }

struct Hop {
    Version from, to;
    std::filesystem::path script;    // empty when only a plugin provides the hop
    std::filesystem::path precheck;  // empty when there is none
    std::filesystem::path to_dir;    // sql/psql/<TO>: where the script and the release's helpers are (or would be)
};

// Every hop found under sql_root (sql/psql).
std::vector<Hop> scan_hops(const std::filesystem::path& sql_root);
// Every target folder that can create a database from scratch (has schema.sql).
std::vector<Version> init_versions(const std::filesystem::path& sql_root);

// The hops from `from` to `to` (or, without `to`, to the highest version
// reachable): fewest hops, ties broken towards higher versions. Empty when
// from == to; nullopt when there is no path.
std::optional<std::vector<Hop>> find_path(const std::vector<Hop>& hops, const Version& from,
                                          const std::optional<Version>& to);

}  // namespace omero::migrate
