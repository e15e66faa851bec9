// config_store.hpp - reading and writing etc/grid/config.xml safely.
//
// Readers take no lock and never write: every write is an atomic rename, so
// a reader always sees a whole file (omero-web#75). Writers take the same
// exclusive flock() on "<file>.lock" that omero-py takes, so the two tools
// exclude each other, but wait up to a bound instead of failing at once.
// Our writers also lock the file's directory: deleting the lock file (as
// omero-py does after each write, or a careless admin) then never lets two
// of them write at once. A
// write re-parses what it is about to install, writes "<file>.temp", fsyncs
// it, keeps the previous file as "<file>.bak", renames, and fsyncs the
// directory: killed at any moment, the file is the old or the new one.
#pragma once

#include "config/config_xml.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace omero::config {

struct StoreOptions {
    std::chrono::milliseconds lock_timeout{5000};
    std::optional<std::string> env_profile;  // OMERO_CONFIG
};

// Holds the writer lock while alive.
class WriteLock {
public:
    WriteLock(const std::filesystem::path& config, std::chrono::milliseconds timeout);
    ~WriteLock();
    WriteLock(const WriteLock&) = delete;
    WriteLock& operator=(const WriteLock&) = delete;

private:
    int fd_ = -1;      // <file>.lock, which omero-py locks too
    int dir_fd_ = -1;  // the directory: a lock nobody can delete from under us
};

class Store {
public:
    Store(std::filesystem::path file, StoreOptions opts = {});

    const std::filesystem::path& path() const { return file_; }
    bool exists() const;
    // False when the file exists and we may not replace it.
    bool writable() const;

    // The current document (the default tree when the file does not exist).
    Document read() const;
    // read().get(key) with the same errors, without building the tree when
    // the file is a plain one (config_scan.hpp): `config get KEY`.
    std::optional<std::string> get(std::string_view key) const;

    // Under the lock: reads the current file, lets `mutate` change it, and
    // installs the result when `mutate` returns true.
    void update(const std::function<bool(Document&)>& mutate);

    // Takes the writer lock (for `config lock` and `config edit`).
    WriteLock lock() const;

    // Installs text as the new file (the caller holds the lock).
    void install(const std::string& text) const;

private:
    Document prepare(std::string text) const;
    Document read_from(std::string text, bool exists) const;
    void check_writable() const;

    std::filesystem::path file_;
    StoreOptions opts_;
};

}  // namespace omero::config
