// edits.hpp - local edits of the old distribution (etc/grid/*.xml,
// etc/templates/**, and up to 4.1 lib/python/omeroweb/settings.py) mapped
// onto the new one: a three-way merge (diff3 -m) where the old release's
// pristine file is known, a diff to review where it is not; a server's -Xmx
// edit becomes omero.jvmcfg.heap_size.<server> when the new release reads its
// memory from omero.jvmcfg.*.
#pragma once

#include "dist/dist.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace omero::dist {

struct FileEdit {
    std::string from;     // path in the old distribution ("etc/grid/default.xml")
    std::string to;       // where it goes in the new one ("etc/templates/grid/default.xml")
    std::string action;   // "carry" (new file = old), "merge" (clean three-way), "conflict", "review" (no pristine)
    std::string diff;     // what the sysadmin should see
    std::string content;  // for carry and merge: the new file's content
};
struct Edits {
    std::vector<FileEdit> files;
    std::vector<std::pair<std::string, std::string>> jvmcfg;  // omero.jvmcfg.* to set (from -Xmx edits)
    std::vector<std::string> notes;
    bool conflict() const;
};
// `diff -u` of two texts under the given labels ("" when equal).
std::string unified_diff(const std::string& a, const std::string& b, const std::string& la, const std::string& lb);
// The old distribution's local edits against its pristine copy (a directory
// unpacked from the old release's archive, or empty: unknown), mapped onto
// the new one.
Edits find_edits(const Dist& old_dist, const Dist& new_dist, const std::optional<fs::path>& pristine);

}  // namespace omero::dist
