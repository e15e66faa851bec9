// includes.hpp - the files an nginx or Apache configuration reads, found
// from its include directives read as text, without the server's own parser.
// For a configuration the server itself refuses today: its -T (or -D
// DUMP_INCLUDES) then names nothing, yet whether it reads a given site file
// still decides whether that site file is any of our business.
//
// nginx: `include PATH;` anywhere (comments and quotes understood), relative
// to the directory of the main file. Apache: `Include`/`IncludeOptional`
// (any case) at the start of a line, relative to ServerRoot (the -d value,
// else a ServerRoot line read before, else the compiled-in root); a
// directory includes every file under it; ${VAR} from the server's
// environment. Both: shell globs, at most 32 levels, each file once.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace omero::frontend {

struct ConfRoot {
    bool nginx = true;
    std::filesystem::path main;    // the main configuration file (absolute)
    std::filesystem::path root;    // Apache: ServerRoot; nginx: unused (the main file's directory)
    std::vector<std::string> env;  // Apache: NAME=VALUE for ${NAME}
};

// The real paths of the main file and of every file it includes, in the order
// read. Files that cannot be read are listed but not followed.
std::vector<std::filesystem::path> included_files(const ConfRoot& c);

}  // namespace omero::frontend
