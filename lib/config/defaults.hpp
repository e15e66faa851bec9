// defaults.hpp - the server's default properties, from etc/omero.properties
// (read up to "### END"; comment lines and the build's versions.*,
// omero.upgrades.* and omero.version entries are skipped, as omero-py does).
#pragma once

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace omero::config {

// Sorted by key. Throws nothing: a missing file gives no defaults.
std::vector<std::pair<std::string, std::string>> read_properties_file(const std::filesystem::path& file);
std::vector<std::pair<std::string, std::string>> server_defaults(const std::filesystem::path& server_dir);

}  // namespace omero::config
