// backup.hpp - pg_dump / pg_restore, driven safely: the password goes
// through a 0600 passfile, never argv; a dump is written under a temporary
// name, verified by reading its table of contents and all of its data back,
// and only then renamed into place (0600 file / 0700 directory).
#pragma once

#include "pg/pg.hpp"

#include <filesystem>
#include <string>

namespace omero::db {

struct DumpOptions {
    std::filesystem::path path;
    std::string format = "custom";  // or "directory"
    int jobs = 1;                   // directory format only
    int compress = 1;               // gzip level: 1 is ~4x faster than pg_dump's default, a little larger
};

struct DumpResult {
    std::filesystem::path path;
    uintmax_t bytes = 0;
    size_t toc_entries = 0;
    double seconds = 0;
};

// Throws Error(22) with pg_dump's or pg_restore's message; removes partial results.
DumpResult dump_database(const ConnParams& p, const DumpOptions& o);

// Creates `dbname` owned by the connecting user and restores into it.
void restore_database(const ConnParams& p, const std::filesystem::path& dump, const std::string& dbname, int jobs);

uintmax_t path_size(const std::filesystem::path& p);

}  // namespace omero::db
