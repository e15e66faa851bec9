// backup.hpp - pg_dump / pg_restore, driven safely: the password goes
// through a 0600 passfile, never argv; a dump is written under a temporary
// name, verified by reading its table of contents and all of its data back,
// and only then renamed into place (0600 file / 0700 directory).
#pragma once

#include "pg/pg.hpp"

#include <filesystem>
#include <functional>
#include <string>

namespace omero::pg {

// Progress of a long dump, verify or restore: done and total in bytes, a
// label ("pg_dump: planeinfo", "verifying the dump"); called a few times a
// second from the calling thread.
using Progress = std::function<void(uint64_t done, uint64_t total, const std::string& label)>;

struct DumpOptions {
    std::filesystem::path path;
    std::string format = "custom";  // or "directory"
    int jobs = 1;                   // directory format only
    int compress = 1;               // gzip level: 1 is ~4x faster than pg_dump's default, a little larger
    bool parents = false;           // create missing parent directories
    Progress progress;              // optional
};

struct DumpResult {
    std::filesystem::path path;
    uintmax_t bytes = 0;
    size_t toc_entries = 0;
    double seconds = 0;
};

// Throws Error(22) with pg_dump's or pg_restore's message, Error(130) when
// cancelled; removes partial results, and those of dead earlier runs in the
// same directory (each run holds a lock on <path>.partial.lock).
DumpResult dump_database(const ConnParams& p, const DumpOptions& o, const std::function<bool()>& cancelled = {});

// Restores into the existing database `dbname`; Error(130) when cancelled.
void restore_database(const ConnParams& p, const std::filesystem::path& dump, const std::string& dbname, int jobs,
                      const std::function<bool()>& cancelled = {}, const Progress& progress = {});

}  // namespace omero::pg
