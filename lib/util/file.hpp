// file.hpp - reading files whole, with an error that names the file.
#pragma once

#include "util/error.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace omero {

// The whole file, in one read of its size. Only a regular file (or a
// symlink to one) is read: a FIFO would hang us and /dev/zero would never
// end. Throws Error(`code`) naming the file and the reason when it cannot
// be read, is not a regular file, is a dangling symlink (that is not "no
// file": writing would create its target behind the user's back), or is
// larger than max_bytes. nullopt when there is no such file.
std::optional<std::string> read_file_if_exists(const std::filesystem::path& p, size_t max_bytes,
                                               int code = OMERO_EXIT_FAILURE);

// The checks of read_file_if_exists() without the read: a descriptor open
// on the file (the caller closes it), or -1 when there is no such file.
int open_regular_file(const std::filesystem::path& p, size_t max_bytes, int code = OMERO_EXIT_FAILURE);

// The same, a missing file being an error too.
std::string read_file(const std::filesystem::path& p, size_t max_bytes = size_t(1) << 30,
                      int code = OMERO_EXIT_FAILURE);

}  // namespace omero

namespace omero {

// Replaces (or creates) `p` with `content` so a reader sees the old or the
// new file, never a part: a temp file in the same directory, fsync, the
// previous file kept as "<p>.bak" when keep_backup, rename, directory fsync.
// An existing file's mode is kept (new files: new_mode). Throws Error naming the
// file; `p` is untouched then.
void write_file_atomic(const std::filesystem::path& p, std::string_view content, bool keep_backup = true,
                       unsigned new_mode = 0644);

// write_file_atomic for a file that may be a symlink (Debian's
// sites-enabled/omero -> ../sites-available/omero): the link's final target
// is replaced and the link stays. Never a "<name>.bak" beside it (in an
// included directory it would be loaded too): with `backup`, a previous
// text that differs is kept as the hidden ".<name>.bak" beside the target,
// which neither `include dir/*` nor `*.conf` loads, and *backup names it
// (empty when nothing was kept). Returns the path written.
std::filesystem::path write_through(const std::filesystem::path& p, std::string_view content,
                                    std::filesystem::path* backup = nullptr);

// The value of the first "KEY=VALUE" line of a Java properties file
// (etc/omero.properties: omero.version, which the server's defaults leave
// out) whose value is not empty and holds no '@' (a source tree's unfilled
// @token@); nullopt when there is none.
std::optional<std::string> properties_value(const std::filesystem::path& file, const std::string& key);

// The bytes of a file, or of every file below a directory (a directory-format dump).
uintmax_t path_size(const std::filesystem::path& p);

// Makes a rename or a new file in `dir` durable (best effort: errors are
// ignored, as a directory that cannot be opened has nothing to sync).
void fsync_dir(const std::filesystem::path& dir);

// Standard input with read(2), not std::cin: <iostream> would put
// libstdc++'s stream and locale set-up into every start of a plugin that
// links the runtime statically, whatever command runs.
std::string read_stdin();  // to the end of input
// One line without its newline (a last line without one too); nullopt at
// the end of input.
std::optional<std::string> read_stdin_line();

// The last `lines` lines of a text (its trailing newlines dropped).
std::string tail_lines(const std::string& text, size_t lines);
// The same of a file, reading at most its last 64 KiB; "" when it cannot be read.
std::string tail_file(const std::filesystem::path& p, size_t lines);

}  // namespace omero
