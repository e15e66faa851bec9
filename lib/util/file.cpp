#include "util/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace omero {

namespace {

// Opens `p` when it is a regular file of at most max_bytes (its size in
// `size`); -1 when there is no such file. Throws the errors read_file_if_exists names.
int open_checked(const std::filesystem::path& p, size_t max_bytes, int code, size_t& size) {
    auto fail = [&](const std::string& why) { return Error(code, p.string() + why); };
    // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int e = errno;
        struct stat lst {};
        if (e == ENOENT && ::lstat(p.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode))
            throw fail(" is a symbolic link to a file that does not exist; create the target or remove the link");
        if (e == ENOENT) return -1;
        throw Error(code, "cannot read " + p.string() + ": " + std::strerror(e));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw fail(std::string(" is not a regular file") + (S_ISDIR(st.st_mode) ? " (a directory)" : "") +
                   "; it must be a file (or a symbolic link to one)");
    }
    if (static_cast<unsigned long long>(st.st_size) > max_bytes) {
        ::close(fd);
        throw fail(" is larger than " + std::to_string(max_bytes) + " bytes");
    }
    size = static_cast<size_t>(st.st_size);
    return fd;
}

// Reads fd to its end into `out` (sized to the file and one byte more, so
// one read also sees the end), growing it while the file grows, up to
// max_bytes; closes fd.
void read_all(int fd, std::string& out, const std::filesystem::path& p, size_t max_bytes, int code) {
    size_t got = 0;
    for (;;) {
        if (got == out.size()) {
            if (out.size() > max_bytes) {
                ::close(fd);
                throw Error(code, p.string() + " grows while being read");
            }
            out.resize(out.size() * 2);
        }
        ssize_t n = ::read(fd, out.data() + got, out.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            ::close(fd);
            throw Error(code, "cannot read " + p.string() + ": " + std::strerror(e));
        }
        if (n == 0) break;
        got += static_cast<size_t>(n);
    }
    ::close(fd);
    out.resize(got);
}

}  // namespace

std::optional<std::string> read_file_if_exists(const std::filesystem::path& p, size_t max_bytes, int code) {
    size_t size = 0;
    int fd = open_checked(p, max_bytes, code, size);
    if (fd < 0) return std::nullopt;
    std::string out(size + 1, '\0');
    read_all(fd, out, p, max_bytes, code);
    return out;
}

int open_regular_file(const std::filesystem::path& p, size_t max_bytes, int code) {
    size_t size = 0;
    return open_checked(p, max_bytes, code, size);
}

std::string read_stdin() {
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(0, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

std::optional<std::string> read_stdin_line() {
    // A byte at a time: what follows the line stays unread for whoever reads next.
    std::string line;
    for (;;) {
        char c;
        ssize_t n = ::read(0, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return line.empty() ? std::nullopt : std::optional<std::string>(line);
        if (c == '\n') return line;
        line += c;
    }
}

std::string read_file(const std::filesystem::path& p, size_t max_bytes, int code) {
    if (auto text = read_file_if_exists(p, max_bytes, code)) return std::move(*text);
    throw Error(code, "cannot read " + p.string() + ": " + std::strerror(ENOENT));
}

}  // namespace omero

namespace omero {

void write_file_atomic(const std::filesystem::path& p, std::string_view content, bool keep_backup, unsigned new_mode) {
    namespace fs = std::filesystem;
    fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
    auto fail = [&](const std::string& what, int e) {
        return Error(OMERO_EXIT_FAILURE,
                     "cannot " + what + ": " + std::strerror(e) + "; " + p.string() + " is unchanged");
    };
    struct stat st {};
    bool existed = ::stat(p.c_str(), &st) == 0;
    if (existed && !S_ISREG(st.st_mode))
        throw Error(OMERO_EXIT_FAILURE, p.string() + " exists and is not a regular file; it is left as it is");
    std::string tmpl = (dir / ("." + p.filename().string() + ".XXXXXX")).string();
    int fd = ::mkstemp(tmpl.data());
    if (fd < 0) throw fail("create a file in " + dir.string(), errno);
    auto drop = [&](const std::string& what, int e) {
        ::close(fd);
        ::unlink(tmpl.c_str());
        return fail(what, e);
    };
    ::fchmod(fd, existed ? (st.st_mode & 07777) : static_cast<mode_t>(new_mode));
    for (size_t done = 0; done < content.size();) {
        ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw drop("write " + tmpl, errno);
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) throw drop("sync " + tmpl, errno);
    ::close(fd);
    if (existed && keep_backup) {
        fs::path bak = p.string() + ".bak";
        std::string bak_tmp = bak.string() + ".tmp";
        ::unlink(bak_tmp.c_str());
        if (::link(p.c_str(), bak_tmp.c_str()) == 0) ::rename(bak_tmp.c_str(), bak.c_str());
    }
    if (::rename(tmpl.c_str(), p.c_str()) != 0) {
        int e = errno;
        ::unlink(tmpl.c_str());
        throw fail("replace " + p.string(), e);
    }
    fsync_dir(dir);
}

std::filesystem::path write_through(const std::filesystem::path& p, std::string_view content,
                                    std::filesystem::path* backup) {
    std::error_code ec;
    std::filesystem::path target = std::filesystem::canonical(p, ec);
    if (ec) target = p;  // not there yet: written as a new file
    if (backup) {
        backup->clear();
        if (auto old = read_file_if_exists(target, size_t(64) << 20); old && *old != content) {
            *backup = target.parent_path() / ("." + target.filename().string() + ".bak");
            write_file_atomic(*backup, *old, false);
        }
    }
    write_file_atomic(target, content, false);
    return target;
}

std::optional<std::string> properties_value(const std::filesystem::path& file, const std::string& key) {
    auto text = read_file_if_exists(file, 1 << 20);
    if (!text) return std::nullopt;
    const std::string want = key + "=";
    for (size_t at = 0; at < text->size();) {
        size_t nl = text->find('\n', at);
        std::string line = text->substr(at, nl == std::string::npos ? std::string::npos : nl - at);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind(want, 0) == 0 && line.size() > want.size() && line.find('@') == std::string::npos)
            return line.substr(want.size());
        if (nl == std::string::npos) break;
        at = nl + 1;
    }
    return std::nullopt;
}

uintmax_t path_size(const std::filesystem::path& p) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return fs::file_size(p, ec);
    uintmax_t total = 0;
    for (fs::recursive_directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_regular_file(ec)) total += it->file_size(ec);
    return total;
}

void fsync_dir(const std::filesystem::path& dir) {
    int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

}  // namespace omero

namespace omero {

std::string tail_lines(const std::string& text, size_t lines) {
    size_t end = text.size();
    while (end > 0 && text[end - 1] == '\n') --end;
    size_t pos = end, n = 0;
    while (pos > 0) {
        size_t nl = text.rfind('\n', pos - 1);
        if (nl == std::string::npos) {
            pos = 0;
            break;
        }
        if (++n == lines) {
            pos = nl + 1;
            break;
        }
        pos = nl;
    }
    return text.substr(pos, end - pos);
}

std::string tail_file(const std::filesystem::path& p, size_t lines) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return "";
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return "";
    }
    off_t from = st.st_size > 65536 ? st.st_size - 65536 : 0;
    std::string text(static_cast<size_t>(st.st_size - from), '\0');
    ssize_t got = ::pread(fd, text.data(), text.size(), from);
    ::close(fd);
    text.resize(got > 0 ? static_cast<size_t>(got) : 0);
    return tail_lines(text, lines);
}

}  // namespace omero
