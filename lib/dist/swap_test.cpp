// The swap at each point a crash can leave it: a second call finishes what
// the first began, and swap_back undoes it from anywhere.
#include "dist/swap.hpp"

#include "util/error.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>

namespace omero::dist {
namespace {

class Swap : public ::testing::Test {
protected:
    fs::path dir;
    Places p;
    void SetUp() override {
        std::string t = (fs::temp_directory_path() / "swap-test-XXXXXX").string();
        ASSERT_NE(::mkdtemp(t.data()), nullptr);
        dir = t;
        for (const char* d : {"OMERO.server", "OMERO.server-5.4"}) {
            fs::create_directories(dir / d);
            std::ofstream(dir / d / "which") << d;
        }
        p.omerodir = dir / "OMERO.server";
        p.old_dir = p.omerodir;
        p.old_id = *ident_of(p.omerodir);
        p.new_dir = dir / "OMERO.server-5.4";
        p.new_id = ident_of(p.new_dir);
        p.aside = dir / "OMERO.server-5.3";
    }
    void TearDown() override { fs::remove_all(dir); }
    std::string which(const fs::path& d) {
        std::ifstream f(d / "which");
        return std::string(std::istreambuf_iterator<char>(f), {});
    }
};

TEST_F(Swap, PlainDirectoryFinishesAfterACrashBetweenExchangeAndRename) {
    // The crash: the exchange happened, the rename aside did not.
    ASSERT_EQ(::syscall(SYS_renameat2, AT_FDCWD, p.omerodir.c_str(), AT_FDCWD, p.new_dir.c_str(), RENAME_EXCHANGE), 0);
    EXPECT_TRUE(swapped(p));
    swap_in(p);
    EXPECT_EQ(which(p.omerodir), "OMERO.server-5.4");
    EXPECT_EQ(which(p.aside), "OMERO.server");
    EXPECT_FALSE(fs::exists(p.new_dir));
    swap_in(p);  // again: nothing moves
    EXPECT_EQ(which(p.omerodir), "OMERO.server-5.4");
    EXPECT_EQ(*where_new(p), p.omerodir);

    swap_back(p);
    EXPECT_EQ(which(p.omerodir), "OMERO.server");
    EXPECT_EQ(which(p.new_dir), "OMERO.server-5.4");
    EXPECT_FALSE(fs::exists(p.aside));
    swap_back(p);
    EXPECT_EQ(which(p.omerodir), "OMERO.server");
}

TEST_F(Swap, SymlinkIsReplacedAtomicallyAndBack) {
    fs::rename(p.omerodir, dir / "OMERO.server-5.3");
    fs::create_directory_symlink("OMERO.server-5.3", p.omerodir);
    p.symlink = true;
    p.link_text = "OMERO.server-5.3";
    p.old_dir = dir / "OMERO.server-5.3";
    p.aside.clear();
    swap_in(p);
    EXPECT_EQ(fs::read_symlink(p.omerodir), "OMERO.server-5.4");
    EXPECT_FALSE(fs::exists(p.omerodir.string() + ".omero-new"));
    swap_back(p);
    EXPECT_EQ(fs::read_symlink(p.omerodir), "OMERO.server-5.3");
    EXPECT_EQ(which(p.omerodir), "OMERO.server");
}

TEST_F(Swap, RefusesWhenTheDirectoriesAreNotWhereThePlanLeftThem) {
    fs::rename(p.new_dir, dir / "elsewhere");
    EXPECT_THROW(swap_in(p), Error);
    EXPECT_EQ(which(p.omerodir), "OMERO.server");
}

}  // namespace
}  // namespace omero::dist
