#include "util/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace omero {

std::string read_file(const std::filesystem::path& p, size_t max_bytes) {
    auto fail = [&](const std::string& why) {
        return Error(OMERO_EXIT_FAILURE, "cannot read " + p.string() + ": " + why);
    };
    // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) throw fail(std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw fail("not a regular file");
    }
    if (static_cast<unsigned long long>(st.st_size) > max_bytes) {
        ::close(fd);
        throw fail("larger than " + std::to_string(max_bytes) + " bytes");
    }
    std::string out;
    out.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    for (;;) {
        if (got == out.size()) out.resize(out.size() + 4096);  // the file may have grown
        ssize_t n = ::read(fd, out.data() + got, out.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = errno;
            ::close(fd);
            throw fail(std::strerror(e));
        }
        if (n == 0) break;
        got += static_cast<size_t>(n);
        if (got > max_bytes) {
            ::close(fd);
            throw fail("larger than " + std::to_string(max_bytes) + " bytes");
        }
    }
    ::close(fd);
    out.resize(got);
    return out;
}

}  // namespace omero
