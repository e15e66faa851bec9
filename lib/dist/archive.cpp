// Distribution archives (.zip, .tar.gz, .tar.bz2, ...) read with libarchive:
// no tar or unzip is run, and nothing lands outside the target.
#include "dist/archive.hpp"

#include "util/error.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <fcntl.h>
#include <unistd.h>

#include <memory>

namespace omero::dist {

namespace fs = std::filesystem;

namespace {

struct Reader {
    archive* a = archive_read_new();
    explicit Reader(const fs::path& file) {
        archive_read_support_filter_all(a);
        archive_read_support_format_all(a);
        if (archive_read_open_filename(a, file.c_str(), 1 << 16) != ARCHIVE_OK)
            throw Error(OMERO_EXIT_FAILURE, file.string() + " cannot be read as an archive: " + error());
    }
    ~Reader() { archive_read_free(a); }
    std::string error() const {
        const char* e = archive_error_string(a);
        return e ? e : "unknown error";
    }
};

// "OMERO.server-5.4.0/etc/x" -> {"OMERO.server-5.4.0", "etc/x"}; a leading "./" dropped.
std::pair<std::string, std::string> split_top(std::string path) {
    while (path.rfind("./", 0) == 0) path.erase(0, 2);
    size_t slash = path.find('/');
    if (slash == std::string::npos) return {path, ""};
    std::string rest = path.substr(slash + 1);
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    return {path.substr(0, slash), rest};
}

bool unsafe(const std::string& rel) {
    if (rel.empty()) return false;
    if (rel[0] == '/') return true;
    for (size_t at = 0;;) {
        size_t slash = rel.find('/', at);
        std::string part = rel.substr(at, slash == std::string::npos ? std::string::npos : slash - at);
        if (part == "..") return true;
        if (slash == std::string::npos) return false;
        at = slash + 1;
    }
}

}  // namespace

std::string archive_top(const fs::path& file) {
    Reader r(file);
    archive_entry* e = nullptr;
    std::string top;
    int rc;
    while ((rc = archive_read_next_header(r.a, &e)) == ARCHIVE_OK) {
        auto [t, rest] = split_top(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
        if (t.empty() || t == ".") continue;
        if (rest.empty() && archive_entry_filetype(e) != AE_IFDIR)
            throw Error(OMERO_EXIT_FAILURE, file.string() + " has the file " + t +
                                                " at its top: a distribution archive holds one directory");
        if (top.empty())
            top = t;
        else if (t != top)
            throw Error(OMERO_EXIT_FAILURE, file.string() + " holds both " + top + "/ and " + t +
                                                "/: a distribution archive holds one directory");
        // The name is all we need; the headers of a zip are at its end anyway.
        if (archive_format(r.a) != ARCHIVE_FORMAT_ZIP) break;
    }
    if (rc != ARCHIVE_OK && rc != ARCHIVE_EOF && top.empty())
        throw Error(OMERO_EXIT_FAILURE, file.string() + " cannot be read: " + r.error());
    if (top.empty() || top == ".." || top.find('/') != std::string::npos)
        throw Error(OMERO_EXIT_FAILURE, file.string() + " holds no distribution directory");
    return top;
}

void extract_archive(const fs::path& file, const fs::path& given, const std::function<bool(const std::string&)>& want,
                     const std::function<bool()>& cancelled) {
    std::error_code ec;
    // libarchive refuses to write through a symlink anywhere on the path (its
    // guard against entries that plant one): resolve ours first.
    fs::path dest = fs::weakly_canonical(given.parent_path(), ec) / given.filename();
    fs::path partial = dest.string() + ".partial";
    fs::remove_all(partial, ec);  // ours, from an interrupted run
    fs::create_directories(partial, ec);
    if (ec) throw Error(OMERO_EXIT_FAILURE, "cannot create " + partial.string() + ": " + ec.message());
    Reader r(file);
    archive* w = archive_write_disk_new();
    std::unique_ptr<archive, int (*)(archive*)> writer(w, archive_write_free);
    // Our target paths are absolute (under .partial); each entry's own path
    // was checked above (no "/", no "..") before it was joined to it.
    archive_write_disk_set_options(w, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                          ARCHIVE_EXTRACT_SECURE_SYMLINKS);
    archive_write_disk_set_standard_lookup(w);
    archive_entry* e = nullptr;
    int rc;
    auto fail = [&](const std::string& why) {
        fs::remove_all(partial, ec);
        throw Error(OMERO_EXIT_FAILURE, "cannot unpack " + file.string() + ": " + why);
    };
    while ((rc = archive_read_next_header(r.a, &e)) == ARCHIVE_OK) {
        if (cancelled && cancelled()) fail("cancelled");
        std::string name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
        auto [top, rel] = split_top(name);
        if (unsafe(rel) || name.rfind("/", 0) == 0) fail("the entry " + name + " leaves the directory");
        // A symlink may point only inside the tree: a link for etc/grid or
        // var would redirect what the upgrade writes (config.xml, the dump).
        if (archive_entry_filetype(e) == AE_IFLNK) {
            std::string to = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
            std::string resolved = (fs::path(rel).parent_path() / to).lexically_normal().string();
            if (to.empty() || to[0] == '/' || resolved == ".." || resolved.rfind("../", 0) == 0)
                fail("the symlink " + name + " -> " + to + " leaves the directory");
        }
        if (const char* hl = archive_entry_hardlink(e)) {
            auto [ht, hrel] = split_top(hl);
            if (unsafe(hrel) || hrel.empty()) fail("the hard link " + std::string(hl) + " leaves the directory");
            archive_entry_set_hardlink(e, (partial / hrel).c_str());
        }
        if (want && !rel.empty() && !want(rel)) continue;
        archive_entry_set_pathname(e, (rel.empty() ? partial : partial / rel).c_str());
        if (archive_write_header(w, e) != ARCHIVE_OK) fail(archive_error_string(w));
        const void* buf;
        size_t size;
        la_int64_t off;
        int d;
        while ((d = archive_read_data_block(r.a, &buf, &size, &off)) == ARCHIVE_OK)
            if (archive_write_data_block(w, buf, size, off) != ARCHIVE_OK) fail(archive_error_string(w));
        if (d != ARCHIVE_EOF) fail(r.error());
        if (archive_write_finish_entry(w) != ARCHIVE_OK) fail(archive_error_string(w));
    }
    if (rc != ARCHIVE_EOF) fail(r.error());
    if (archive_write_close(w) != ARCHIVE_OK) fail(archive_error_string(w));
    // Whole on disk before the name says so.
    if (int fd = ::open(partial.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
        ::syncfs(fd);
        ::close(fd);
    }
    fs::rename(partial, dest, ec);
    if (ec) fail("cannot rename " + partial.string() + " to " + dest.string() + ": " + ec.message());
}

}  // namespace omero::dist
