// dist.hpp - an OMERO.server distribution directory: what it says about
// itself (its release, the database version it ships, its layout), a file's
// identity (what a rename keeps and a copy does not), and the room on a file
// system. The rest of lib/dist works on distributions: archive.hpp (unpacking
// one), edits.hpp (carrying local edits from one to the next), swap.hpp
// (putting the new one at $OMERODIR).
#pragma once

#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace omero::dist {

namespace fs = std::filesystem;
using nlohmann::json;

// A file's identity: what a rename keeps and a copy does not.
struct Ident {
    dev_t dev = 0;
    ino_t ino = 0;
    bool operator==(const Ident&) const = default;
};
std::optional<Ident> ident_of(const fs::path& p);  // nullopt: no such file (a symlink is followed)
json ident_json(const Ident& i);                   // [dev, ino], as the upgrade journal keeps it
Ident ident_from(const json& j);

struct Dist {
    fs::path dir;            // as found (real path)
    std::string release;     // "5.4.10-ice36-b105", from etc/omero.properties or the directory name
    std::string db_version;  // the newest sql/psql/<VERSION> it ships ("OMERO5.4__0"), "" if none
    bool templates = false;  // etc/templates/grid/ (5.2+): etc/grid/*.xml are generated
    bool jvmcfg = false;     // its templates.xml takes MEMORY:<server> (omero.jvmcfg.*)
};
// Reads what a distribution directory says about itself; throws Error
// naming the directory when it is not one (no etc/ or no sql/psql).
Dist inspect_dist(const fs::path& dir);
// Free bytes on the file system holding p (or its nearest existing parent).
uintmax_t free_bytes(fs::path p);
std::string human_bytes(uintmax_t n);

}  // namespace omero::dist
