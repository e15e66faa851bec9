// archive.hpp - distribution archives (.zip, .tar.gz, .tar.bz2, ...), read
// with libarchive: no tar or unzip is run, and nothing lands outside the
// target.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

namespace omero::dist {

// The single top-level directory of a distribution archive; throws Error
// when there is none.
std::string archive_top(const std::filesystem::path& archive);
// Extracts the archive's top directory into `dest` (which must not exist),
// only entries whose path below the top passes `want` (all when empty).
// Absolute paths, "..", and links leaving the tree are refused. Written into
// "<dest>.partial" and renamed when complete: `dest` is whole or absent.
// `cancelled` is asked between entries (Ctrl-C).
void extract_archive(const std::filesystem::path& archive, const std::filesystem::path& dest,
                     const std::function<bool(const std::string&)>& want = {},
                     const std::function<bool()>& cancelled = {});

}  // namespace omero::dist
