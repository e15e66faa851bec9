// file.hpp - reading files whole, with an error that names the file.
#pragma once

#include "util/error.hpp"

#include <cstddef>
#include <filesystem>
#include <string>

namespace omero {

// The whole file. Throws Error(OMERO_EXIT_FAILURE) naming the file and the
// reason when it cannot be read, is not a regular file, or is larger than
// max_bytes (so a FIFO or /dev/zero can never hang or exhaust us).
std::string read_file(const std::filesystem::path& p, size_t max_bytes = size_t(1) << 30);

}  // namespace omero
