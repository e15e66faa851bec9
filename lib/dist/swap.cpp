// The distribution swap (see swap.hpp).
#include "dist/swap.hpp"

#include "util/error.hpp"
#include "util/file.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace omero::dist {

namespace {

[[noreturn]] void fail(const std::string& what, int err) {
    throw Error(OMERO_EXIT_FAILURE, what + ": " + std::strerror(err));
}

bool is(const fs::path& p, const std::optional<Ident>& id) {
    auto now = ident_of(p);
    return id && now && *now == *id;
}

// a <-> b in one step; where the file system cannot, two renames through
// a temporary name (the window is reported if a crash hits it).
void exchange(const fs::path& a, const fs::path& b) {
    if (::syscall(SYS_renameat2, AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0) return;
    if (errno != EINVAL && errno != ENOSYS) fail("cannot exchange " + a.string() + " and " + b.string(), errno);
    fs::path tmp = a.string() + ".omero-swap";
    if (::rename(a.c_str(), tmp.c_str()) != 0) fail("cannot rename " + a.string(), errno);
    if (::rename(b.c_str(), a.c_str()) != 0) fail("cannot rename " + b.string(), errno);
    if (::rename(tmp.c_str(), b.c_str()) != 0) fail("cannot rename " + tmp.string(), errno);
}

void point_link(const fs::path& link, const std::string& target) {
    fs::path tmp = link.string() + ".omero-new";
    ::unlink(tmp.c_str());
    if (::symlink(target.c_str(), tmp.c_str()) != 0) fail("cannot create the link " + tmp.string(), errno);
    if (::rename(tmp.c_str(), link.c_str()) != 0) fail("cannot replace the link " + link.string(), errno);
    fsync_dir(link.parent_path());
}

// The new distribution's link text: as short as the old one was.
std::string new_link_text(const Places& p) {
    if (!fs::path(p.link_text).is_absolute() && p.new_dir.parent_path() == p.old_dir.parent_path() &&
        fs::absolute(p.omerodir).parent_path() == p.old_dir.parent_path())
        return p.new_dir.filename().string();
    return p.new_dir.string();
}

}  // namespace

std::optional<fs::path> where_new(const Places& p) {
    for (const fs::path& at : {p.omerodir, p.new_dir, p.aside})
        if (!at.empty() && is(at, p.new_id)) return at;
    return std::nullopt;
}

bool swapped(const Places& p) { return is(p.omerodir, p.new_id); }

void swap_in(const Places& p) {
    if (p.symlink) {
        if (!swapped(p)) point_link(p.omerodir, new_link_text(p));
        return;
    }
    if (!swapped(p)) {
        if (!is(p.omerodir, p.old_id) || !is(p.new_dir, p.new_id))
            throw Error(OMERO_EXIT_FAILURE, "neither " + p.omerodir.string() + " nor " + p.new_dir.string() +
                                                " is where this upgrade left them; nothing was moved");
        exchange(p.omerodir, p.new_dir);
        fsync_dir(p.omerodir.parent_path());
        fsync_dir(p.new_dir.parent_path());
    }
    // The old distribution now sits at the new one's former name.
    if (is(p.new_dir, p.old_id)) {
        if (::rename(p.new_dir.c_str(), p.aside.c_str()) != 0)
            fail("cannot move the old distribution to " + p.aside.string(), errno);
        fsync_dir(p.aside.parent_path());
    }
}

void swap_back(const Places& p) {
    if (p.symlink) {
        if (!is(p.omerodir, p.old_id)) point_link(p.omerodir, p.link_text);
        return;
    }
    if (!is(p.omerodir, p.old_id)) {
        fs::path old_at = is(p.aside, p.old_id) ? p.aside : p.new_dir;
        if (!is(old_at, p.old_id))
            throw Error(OMERO_EXIT_FAILURE, "the old distribution is neither at " + p.aside.string() + " nor at " +
                                                p.new_dir.string() + "; nothing was moved");
        exchange(p.omerodir, old_at);
        fsync_dir(p.omerodir.parent_path());
    }
    // The new distribution back under its own name.
    std::error_code ec;
    if (is(p.aside, p.new_id) && !fs::exists(p.new_dir, ec)) {
        if (::rename(p.aside.c_str(), p.new_dir.c_str()) != 0)
            fail("cannot move the new distribution back to " + p.new_dir.string(), errno);
        fsync_dir(p.new_dir.parent_path());
    }
}

}  // namespace omero::dist
