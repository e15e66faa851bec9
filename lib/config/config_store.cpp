#include "config/config_store.hpp"

#include "config/config_scan.hpp"

#include "util/clock.hpp"
#include "util/file.hpp"

#include <omero/exit_codes.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace fs = std::filesystem;

namespace omero::config {

namespace {

std::string errno_text(int e) { return std::strerror(e); }

// The file's text; `exists` false (and "") when there is none.
std::string read_config(const fs::path& p, bool& exists) {
    auto text = read_file_if_exists(p, kMaxConfigBytes, OMERO_EXIT_CONFIG_INVALID);
    exists = text.has_value();
    return text ? std::move(*text) : std::string();
}

void write_all(int fd, const std::string& s, const fs::path& p) {
    const char* d = s.data();
    size_t left = s.size();
    while (left > 0) {
        ssize_t n = ::write(fd, d, left);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw Error(OMERO_EXIT_FAILURE, "cannot write " + p.string() + ": " + errno_text(errno));
        d += n;
        left -= static_cast<size_t>(n);
    }
}

// Where writes go: the target of a symlinked config.xml, which stays a link.
fs::path write_target(const fs::path& file) {
    std::error_code ec;
    if (fs::is_symlink(file, ec)) {
        fs::path t = fs::canonical(file, ec);
        if (!ec) return t;
    }
    return file;
}

// Whether someone holds the writer lock right now (a brief shared probe).
bool locked_by_other(const fs::path& config) {
    const fs::path lock = config.string() + ".lock";
    int fd = ::open(lock.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
    ::close(fd);
    return held;
}

}  // namespace

WriteLock::WriteLock(const fs::path& config, std::chrono::milliseconds timeout) {
    const fs::path lock = config.string() + ".lock";
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto timed_out = [&](const std::string& holder) {
        return Error(OMERO_EXIT_CONFIG_LOCKED, "Could not acquire lock on " + config.string() + " within " +
                                                   seconds_text(timeout) +
                                                   " s; another omero (or `config edit`/`config lock`) holds " +
                                                   holder + "; retry, or raise --lock-timeout");
    };
    const fs::path dir = config.has_parent_path() ? config.parent_path() : fs::path(".");
    dir_fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd_ >= 0) {
        while (::flock(dir_fd_, LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK && errno != EINTR) break;  // a filesystem without flock on directories
            if (std::chrono::steady_clock::now() >= deadline) {
                ::close(dir_fd_);
                dir_fd_ = -1;
                throw timed_out(dir.string());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    for (;;) {
        fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (fd_ < 0) {
            int e = errno;
            if (dir_fd_ >= 0) ::close(dir_fd_);
            throw Error(OMERO_EXIT_CONFIG_READ_ONLY,
                        "Cannot modify " + config.string() + ": cannot create " + lock.string() + ": " + errno_text(e));
        }
        if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) {
            // omero-py deletes the lock file after its writes: make sure the
            // file we locked is still the one at that path.
            struct stat held, now;
            if (fstat(fd_, &held) == 0 && stat(lock.c_str(), &now) == 0 && held.st_ino == now.st_ino &&
                held.st_dev == now.st_dev)
                return;
        } else if (errno != EWOULDBLOCK && errno != EINTR) {
            int e = errno;
            ::close(fd_);
            if (dir_fd_ >= 0) ::close(dir_fd_);
            throw Error(OMERO_EXIT_CONFIG_LOCKED,
                        "Could not acquire lock on " + config.string() + ": " + errno_text(e));
        }
        ::close(fd_);
        fd_ = -1;
        if (std::chrono::steady_clock::now() >= deadline) {
            if (dir_fd_ >= 0) ::close(dir_fd_);
            dir_fd_ = -1;
            throw timed_out(lock.string());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

WriteLock::~WriteLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the flock; the file stays (see above)
    if (dir_fd_ >= 0) ::close(dir_fd_);
}

Store::Store(fs::path file, StoreOptions opts) : file_(std::move(file)), opts_(std::move(opts)) {}

bool Store::exists() const {
    std::error_code ec;
    return fs::exists(file_, ec);
}

bool Store::writable() const { return !exists() || ::access(file_.c_str(), W_OK) == 0; }

Document Store::prepare(std::string text) const {
    std::optional<Document> fast;
    const std::string pristine_if_small = text.size() < 4096 ? text : std::string();
    if (!text.empty()) fast = Document::parse_inplace(text);
    if (!fast) {
        // Malformed (or empty): parse a pristine copy, which names line and column.
        bool exists = true;
        fast = Document::parse(text.empty() || !pristine_if_small.empty() ? pristine_if_small
                                                                          : read_config(file_, exists));
    }
    Document d = std::move(*fast);
    d.set_env_profile(opts_.env_profile);
    return d;
}

Document Store::read() const {
    bool exists = true;
    std::string text = read_config(file_, exists);
    return read_from(std::move(text), exists);
}

Document Store::read_from(std::string text, bool exists) const {
    if (exists && text.empty() && locked_by_other(file_))
        // omero-py creates config.xml empty and fills it under the lock.
        throw Error(OMERO_EXIT_CONFIG_INVALID, file_.string() +
                                                   " is empty and another process holds its lock (it is being "
                                                   "written): line 1, column 0; retry in a moment");
    Document d = prepare(std::move(text));
    // A read-only file cannot take a profile other than its own (omero-py rule).
    if (exists && !writable() && opts_.env_profile)
        throw Error(OMERO_EXIT_CONFIG_INVALID, "Non-default OMERO_CONFIG on read-only: " + *opts_.env_profile);
    return d;
}

std::optional<std::string> Store::get(std::string_view key) const {
    if (!opts_.env_profile) {
        int fd = open_regular_file(file_, kMaxConfigBytes, OMERO_EXIT_CONFIG_INVALID);
        if (fd >= 0) {
            QuickGet q = quick_get(fd, key);
            ::close(fd);
            if (q.decided) return std::move(q.value);
        }
    }
    return read().get(key);  // what the scan leaves undecided (rare: the file is read again)
}

WriteLock Store::lock() const {
    check_writable();
    return WriteLock(file_, opts_.lock_timeout);
}

void Store::check_writable() const {
    if (!writable()) throw Error(OMERO_EXIT_CONFIG_READ_ONLY, "Cannot modify " + file_.string());
    fs::path dir = file_.parent_path();
    std::error_code ec;
    if (!dir.empty() && !fs::exists(dir, ec)) {
        fs::create_directories(dir, ec);
        if (ec)
            throw Error(OMERO_EXIT_CONFIG_READ_ONLY,
                        "Cannot modify " + file_.string() + ": cannot create " + dir.string() + ": " + ec.message());
    }
}

void Store::update(const std::function<bool(Document&)>& mutate) {
    WriteLock held = lock();
    bool exists = true;
    Document d = prepare(read_config(file_, exists));
    if (!mutate(d)) return;
    install(d.serialize(ctime_now()));
}

void Store::install(const std::string& text) const {
    // Never install what we could not read back.
    Document::parse(text);

    const fs::path target = write_target(file_);
    const fs::path dir = target.parent_path();
    const fs::path temp = target.string() + ".temp";
    const fs::path bak = target.string() + ".bak";

    struct stat old {};
    bool had_old = ::stat(target.c_str(), &old) == 0;
    // A new config.xml is the owner's alone: it may come to hold omero.db.pass.
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, had_old ? (old.st_mode & 07777) : 0600);
    if (fd < 0)
        throw Error(OMERO_EXIT_CONFIG_READ_ONLY,
                    "Cannot modify " + file_.string() + ": cannot create " + temp.string() + ": " + errno_text(errno));
    try {
        if (had_old) {
            // Keep the file's mode, and its owner when we can (root editing an
            // omero-owned install must not leave a root-owned config.xml).
            ::fchmod(fd, old.st_mode & 07777);
            if (geteuid() == 0) (void)!::fchown(fd, old.st_uid, old.st_gid);
        }
        write_all(fd, text, temp);
        if (::fsync(fd) != 0)
            throw Error(OMERO_EXIT_FAILURE, "cannot sync " + temp.string() + ": " + errno_text(errno));
    } catch (...) {
        ::close(fd);
        ::unlink(temp.c_str());
        throw;
    }
    if (::close(fd) != 0) {
        int e = errno;
        ::unlink(temp.c_str());
        throw Error(OMERO_EXIT_FAILURE, "cannot write " + temp.string() + ": " + errno_text(e));
    }

    if (had_old) {
        // The previous file survives as .bak (a hard link: config.xml is only
        // ever replaced, never changed in place).
        const fs::path bak_tmp = bak.string() + ".tmp";
        ::unlink(bak_tmp.c_str());
        if (::link(target.c_str(), bak_tmp.c_str()) == 0) ::rename(bak_tmp.c_str(), bak.c_str());
    }
    if (::rename(temp.c_str(), target.c_str()) != 0) {
        int e = errno;
        ::unlink(temp.c_str());
        throw Error(OMERO_EXIT_FAILURE, "cannot replace " + target.string() + ": " + errno_text(e));
    }
    fsync_dir(dir);
}

}  // namespace omero::config
