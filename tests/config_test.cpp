// `omero config` through the real binary on real files.
#include "run.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <regex>
#include <thread>

namespace fs = std::filesystem;
using namespace omero::test;

namespace {

// The reference file of omero-cli.md §2.8, time excepted.
const char* const kReferenceExample =
    "<icegrid><!--\n\n\tThis file was generated at TIME by the OmeroConfig system.\n"
    "\tDo not edit directly but see `omero config` for details.\n"
    "\tThis file may be included into your IceGrid application.\n\n"
    "--><properties id=\"__ACTIVE__\"><property name=\"omero.config.profile\" value=\"test\" />"
    "<property name=\"omero.config.version\" value=\"5.1.0\" /><property name=\"omero.web.debug\" value=\"true\" />"
    "</properties><properties id=\"test\"><property name=\"omero.config.version\" value=\"5.1.0\" />"
    "<property name=\"omero.web.debug\" value=\"true\" /></properties><properties id=\"default\">"
    "<property name=\"omero.config.version\" value=\"5.1.0\" /><property name=\"omero.db.name\" value=\"omero\" />"
    "<property name=\"omero.db.pass\" value=\"secret\" /><property name=\"omero.data.dir\" value=\"/OMERO\" />"
    "</properties><include file=\"templates.xml\" /></icegrid>";

class Config : public ::testing::Test {
protected:
    TempDir tmp;
    fs::path srv = tmp / "srv";
    fs::path file = srv / "etc/grid/config.xml";

    void SetUp() override { fs::create_directories(srv); }

    RunOptions env(RunOptions o = {}) {
        o.env.emplace("OMERODIR", srv.string());
        o.env.emplace("OMERO_PLUGIN_PATH", (build_dir() / "lib/omero/plugins/abi1").string());
        o.env.emplace("OMERO_CONFIG", std::nullopt);
        o.env.emplace("HOME", tmp.path().string());
        return o;
    }
    Result omero(std::vector<std::string> args, RunOptions o = {}) {
        args.insert(args.begin(), "config");
        return run(omero_exe(), args, env(std::move(o)));
    }
    // The file with the comment's time replaced by TIME.
    std::string contents() {
        static const std::regex time(
            "generated at [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]\\d \\d\\d:\\d\\d:\\d\\d \\d{4} by");
        return std::regex_replace(read_file(file), time, "generated at TIME by");
    }
};

TEST_F(Config, FileIsByteCompatibleWithTheReference) {
    ASSERT_EQ(omero({"set", "omero.db.name", "omero"}).code, 0);
    ASSERT_EQ(omero({"set", "omero.db.pass", "secret"}).code, 0);
    ASSERT_EQ(omero({"set", "omero.data.dir", "/OMERO"}).code, 0);
    Result r = omero({"def", "test"});
    ASSERT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "test\n");
    ASSERT_EQ(omero({"set", "omero.web.debug", "true"}).code, 0);
    EXPECT_EQ(contents(), kReferenceExample);
    EXPECT_EQ(omero({"all"}).out, "test\ndefault\n");
}

TEST_F(Config, EscapingAsElementTree) {
    ASSERT_EQ(omero({"set", "omero.x", "a&b<c>d\"e'f\ng\th\xc3\xa9"}).code, 0);
    EXPECT_NE(read_file(file).find("value=\"a&amp;b&lt;c&gt;d&quot;e'f&#10;g&#09;h\xc3\xa9\" />"), std::string::npos)
        << read_file(file);
    EXPECT_EQ(omero({"get", "omero.x"}).out, "a&b<c>d\"e'f\ng\th\xc3\xa9\n");
    EXPECT_EQ(omero({"set", "omero.y", std::string("a\x01z")}).code, 1);  // XML cannot hold it: refused, not written
}

TEST_F(Config, ReadsFilesOmeroPyWrote) {
    write_file(file,
               "<icegrid>\n  <!-- hand edited -->\n  <properties id='__ACTIVE__'>\n"
               "    <property name='omero.config.profile' value='default'/>\n  </properties>\n"
               "  <properties id=\"default\">\n    <property name=\"omero.config.version\" value=\"5.1.0\"/>\n"
               "    <property value=\"v1\" name=\"omero.a\" extra=\"kept\"/>\n  </properties>\n"
               "  <include file=\"templates.xml\"/>\n</icegrid>\n");
    EXPECT_EQ(omero({"get", "omero.a"}).out, "v1\n");
    ASSERT_EQ(omero({"set", "omero.b", "v2"}).code, 0);
    EXPECT_EQ(contents(),
              "<icegrid><!--\n\n\tThis file was generated at TIME by the OmeroConfig system.\n"
              "\tDo not edit directly but see `omero config` for details.\n"
              "\tThis file may be included into your IceGrid application.\n\n"
              "--><properties id=\"__ACTIVE__\"><property name=\"omero.config.profile\" value=\"default\" />"
              "<property name=\"omero.config.version\" value=\"5.1.0\" />"
              "<property value=\"v1\" name=\"omero.a\" extra=\"kept\" /><property name=\"omero.b\" value=\"v2\" />"
              "</properties><properties id=\"default\"><property name=\"omero.config.version\" value=\"5.1.0\" />"
              "<property value=\"v1\" name=\"omero.a\" extra=\"kept\" /><property name=\"omero.b\" value=\"v2\" />"
              "</properties><include file=\"templates.xml\" /></icegrid>");
}

TEST_F(Config, OldVersionsAreFixedUp) {
    write_file(file,
               "<icegrid><properties id=\"__ACTIVE__\"/><properties id=\"default\">"
               "<property name=\"omero.config.version\" value=\"4.2.0\"/>"
               "<property name=\"omero.ldap.base\" value=\"${omero.dollar}${x}\"/></properties></icegrid>");
    EXPECT_EQ(omero({"get", "omero.ldap.base"}).out, "@{x}\n");
    EXPECT_EQ(omero({"version"}).out, "4.2.0\n");

    write_file(file,
               "<icegrid><properties id=\"default\"><property name=\"omero.config.version\" value=\"4.2.1\"/>"
               "<property name=\"omero.web.ui.top_links\" value='[[\"Mine\", \"http://x\"]]'/></properties></icegrid>");
    EXPECT_EQ(omero({"version"}).out, "5.1.0\n");
    EXPECT_EQ(omero({"get", "omero.web.ui.top_links"}).out,
              "[[\"Data\", \"webindex\", {\"title\": \"Browse Data via Projects, Tags etc\"}], "
              "[\"History\", \"history\", {\"title\": \"History\"}], "
              "[\"Help\", \"https://help.openmicroscopy.org/\", {\"target\": \"new\", \"title\": \"Open OMERO user "
              "guide in a new tab\"}], [\"Mine\", \"http://x\"]]\n");
}

TEST_F(Config, GetRules) {
    omero({"set", "omero.db.pass", "pw"});
    omero({"set", "omero.db.name", "omero"});
    omero({"set", "x.bypass", "b"});
    omero({"set", "x.passwords", "c"});
    omero({"set", "y.password", ""});
    EXPECT_EQ(omero({"get"}).out,
              "omero.db.name=omero\nomero.db.pass=********\nx.bypass=********\nx.passwords=c\ny.password=\n");
    EXPECT_EQ(omero({"get", "omero.db.pass"}).out, "pw\n");  // one key: raw
    EXPECT_EQ(omero({"get", "omero.db.pass", "omero.db.name", "nosuch"}).out,
              "omero.db.name=omero\nomero.db.pass=********\n");
    EXPECT_EQ(omero({"get", "--show-password", "omero.db.pass", "omero.db.name"}).out,
              "omero.db.name=omero\nomero.db.pass=pw\n");
    EXPECT_EQ(omero({"get", "omero.config.version", "omero.db.name"}).out,
              "omero.config.version=5.1.0\nomero.db.name=omero\n");
    Result r = omero({"get", "nosuch"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(omero({"get", "--show-password", "--hide-password"}).code, 2);
    r = omero({"list"});
    EXPECT_NE(r.err.find("\"config list\" is deprecated"), std::string::npos);
    EXPECT_EQ(omero({"keys"}).out, "omero.db.name\nomero.db.pass\nx.bypass\nx.passwords\ny.password\n");
}

TEST_F(Config, ReadersNeverWrite) {
    omero({"set", "a", "1"});
    struct stat before, after;
    ASSERT_EQ(stat(file.c_str(), &before), 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (auto cmd : {"get", "keys", "all", "def", "path", "version"}) omero({cmd});
    ASSERT_EQ(stat(file.c_str(), &after), 0);
    EXPECT_EQ(before.st_ino, after.st_ino);
    EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
    // A reader on a missing file creates nothing.
    fs::remove_all(srv / "etc");
    EXPECT_EQ(omero({"get"}).code, 0);
    EXPECT_FALSE(fs::exists(srv / "etc"));
}

TEST_F(Config, SetRules) {
    Result r = omero({"set", "a=b"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("did you mean: omero config set a b"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(file));
    EXPECT_EQ(omero({"set", "a b", "c"}).code, 250);
    EXPECT_EQ(omero({"set", "a!", "c"}).err, "omero config set: error: Illegal property name: a!\n");
    EXPECT_EQ(omero({"set", "--report", "k", "v"}).out, "Changed: Set k:v\n");
    EXPECT_EQ(omero({"set", "--report", "k", "v"}).out, "Unchanged: k\n");
    EXPECT_EQ(omero({"set", "--report", "k"}).out, "Changed: Removed k\n");
    EXPECT_EQ(omero({"set", "--report", "k"}).out, "Unchanged: k\n");
    EXPECT_EQ(omero({"set", "--", "n", "-1"}).code, 0);
    EXPECT_EQ(omero({"get", "n"}).out, "-1\n");
    write_file(tmp / "value", "  indented\nsecond line \n\n");
    EXPECT_EQ(omero({"set", "-f", (tmp / "value").string(), "f"}).code, 0);
    EXPECT_EQ(omero({"get", "f"}).out, "  indented\nsecond line\n");
    EXPECT_EQ(omero({"set", "g", "-f", "-"}, {.input = "from stdin\n"}).code, 0);
    EXPECT_EQ(omero({"get", "g"}).out, "from stdin\n");
    r = omero({"set", "-f", (tmp / "missing").string(), "f"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("File does not exist"), std::string::npos);
}

TEST_F(Config, AppendAndRemoveUsePythonJson) {
    EXPECT_EQ(omero({"append", "l", "1.50"}).code, 0);
    EXPECT_EQ(omero({"append", "l", "1e2"}).code, 0);
    EXPECT_EQ(omero({"append", "l", "\"\xc3\xa9\""}).code, 0);
    EXPECT_EQ(omero({"append", "l", "{\"b\": 1, \"a\": [true, null]}"}).code, 0);
    EXPECT_EQ(omero({"get", "l"}).out, "[1.5, 100.0, \"\\u00e9\", {\"b\": 1, \"a\": [true, null]}]\n");
    EXPECT_EQ(omero({"append", "--set", "--report", "l", "100"}).out, "Unchanged: l\n");  // 100 == 100.0
    EXPECT_EQ(omero({"append", "--report", "l", "7"}).out, "Changed: Appended l:7\n");
    EXPECT_EQ(omero({"remove", "--report", "l", "1.5"}).out, "Changed: Removed l:1.5\n");
    EXPECT_EQ(omero({"get", "l"}).out, "[100.0, \"\\u00e9\", {\"b\": 1, \"a\": [true, null]}, 7]\n");
    EXPECT_EQ(omero({"remove", "l", "8"}).code, 1);
    EXPECT_EQ(omero({"remove", "unset", "8"}).code, 1);  // omero-py wraps 512 to 0
    EXPECT_EQ(omero({"append", "l", "not json"}).code, 1);
    omero({"set", "s", "plain"});
    EXPECT_EQ(omero({"append", "s", "1"}).code, 254);
    omero({"set", "o", "{}"});
    EXPECT_EQ(omero({"append", "o", "1"}).code, 255);
    EXPECT_EQ(omero({"append", "omero.web.apps", "\"x\""}).code, 2);
}

TEST_F(Config, DropProfiles) {
    omero({"set", "a", "1"});
    omero({"def", "other"});
    omero({"set", "b", "2"});
    Result r = omero({"drop", "nosuch"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("Unknown configuration: nosuch"), std::string::npos);
    EXPECT_EQ(omero({"drop", "other"}).code, 0);  // the active one: re-created empty
    EXPECT_EQ(omero({"all"}).out, "other\ndefault\n");
    EXPECT_EQ(omero({"get"}).out, "");
    EXPECT_EQ(omero({"drop", "__ACTIVE__"}).code, 0);
    EXPECT_EQ(omero({"def"}).out, "default\n");
    EXPECT_EQ(omero({"get", "a"}).out, "1\n");
}

TEST_F(Config, ProfileFromEnvironmentIsNeverPersisted) {
    omero({"def", "test"});
    omero({"set", "t", "1"});
    EXPECT_EQ(omero({"set", "d", "2"}, {.env = {{"OMERO_CONFIG", "default"}}}).code, 0);
    EXPECT_EQ(omero({"def"}).out, "test\n");
    EXPECT_EQ(omero({"get"}).out, "t=1\n");
    EXPECT_EQ(omero({"get"}, {.env = {{"OMERO_CONFIG", "default"}}}).out, "d=2\n");
    omero({"set", "n", "3"}, {.env = {{"OMERO_CONFIG", "new"}}});
    EXPECT_EQ(omero({"all"}).out, "test\ndefault\nnew\n");
}

TEST_F(Config, PathVersionSourceAndServerDir) {
    EXPECT_EQ(omero({"path"}).out, file.string() + "\n");
    omero({"set", "a", "1"});
    EXPECT_EQ(omero({"version"}).out, "5.1.0\n");
    fs::copy_file(file, tmp / "other.xml");
    // --source before the subcommand, as in omero-py, or after it.
    EXPECT_EQ(omero({"--source", (tmp / "other.xml").string(), "get", "a"}).out, "1\n");
    EXPECT_EQ(omero({"get", "--source", (tmp / "other.xml").string(), "a"}).out, "1\n");
    Result r = omero({"--source", "nope.xml", "get"});
    EXPECT_EQ(r.code, 124);
    EXPECT_NE(r.err.find("File not found: nope.xml"), std::string::npos);
    r = run(omero_exe(), {"config", "get"}, env({.env = {{"OMERODIR", std::nullopt}}}));
    EXPECT_EQ(r.code, 125);
    EXPECT_NE(r.err.find("OMERODIR is not set"), std::string::npos) << r.err;
    EXPECT_EQ(
        run(omero_exe(), {"config", "--source", file.string(), "get", "a"}, env({.env = {{"OMERODIR", std::nullopt}}}))
            .out,
        "1\n");
}

TEST_F(Config, LoadGrammarAndAllOrNothing) {
    write_file(tmp / "a.properties", "# comment\n\na=1\ni=j\\\nk\nl=m \\\n   n\nnovalue\n=skipped\nc=x=y\r\nlast=\\");
    ASSERT_EQ(omero({"load", (tmp / "a.properties").string()}).code, 0);
    EXPECT_EQ(omero({"get", "a", "c", "i", "l", "novalue"}).out, "a=1\nc=x=y\ni=jk\nl=m    n\nnovalue=\n");
    EXPECT_EQ(omero({"get", "last"}).out, "");
    // "b " (with its space) is not a legal name: nothing from this file was set.
    write_file(tmp / "b.properties", "zz=1\nb = 2\n");
    EXPECT_EQ(omero({"load", (tmp / "b.properties").string()}).code, 250);
    EXPECT_EQ(omero({"get", "zz"}).out, "");

    write_file(tmp / "c.properties", "a=1\nnew=1\nnew=2\n");
    EXPECT_EQ(omero({"load", (tmp / "c.properties").string()}).code, 0);  // same value, and a new key repeated
    EXPECT_EQ(omero({"get", "new"}).out, "2\n");
    write_file(tmp / "d.properties", "a=changed\n");
    Result r = omero({"load", (tmp / "d.properties").string()});
    EXPECT_EQ(r.code, 246);
    EXPECT_NE(r.err.find("Duplicate property: a ('1' => 'changed')"), std::string::npos) << r.err;
    EXPECT_EQ(omero({"load", "-q", (tmp / "d.properties").string()}).code, 0);
    EXPECT_EQ(omero({"get", "a"}).out, "changed\n");

    write_file(tmp / "bad.properties", "x=\xff\n");
    r = omero({"load", (tmp / "bad.properties").string()});
    EXPECT_EQ(r.code, 200);
    EXPECT_NE(r.err.find("can't decode byte 0xff in position 2"), std::string::npos) << r.err;
    EXPECT_EQ(omero({"load", (tmp / "missing").string()}).code, 2);
    EXPECT_EQ(omero({"load", tmp.path().string()}).code, 2);
    EXPECT_EQ(omero({"load"}, {.input = "from=stdin\n"}).code, 0);
    EXPECT_EQ(omero({"get", "from"}).out, "stdin\n");
}

TEST_F(Config, MalformedFilesAreNeverOverwritten) {
    for (std::string bad : {std::string("<icegrid><properties id=\"default\">"), std::string("\n"),
                            std::string("<icegrid>\xff</icegrid>"), std::string("<icegrid>\x01</icegrid>")}) {
        write_file(file, bad);
        Result r = omero({"set", "a", "1"});
        EXPECT_EQ(r.code, 113) << bad;
        EXPECT_NE(r.err.find("line "), std::string::npos) << r.err;
        EXPECT_NE(r.err.find("column "), std::string::npos) << r.err;
        EXPECT_EQ(read_file(file), bad);
        EXPECT_EQ(omero({"get"}).code, 113);
    }
    write_file(file, "");  // zero bytes: the default tree, as omero-py
    EXPECT_EQ(omero({"get"}).code, 0);
}

// Holds the writer lock the way omero-py does (flock on config.xml.lock).
struct HeldLock {
    int fd;
    explicit HeldLock(const fs::path& config, int op = LOCK_EX) {
        fd = ::open((config.string() + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        flock(fd, op);
    }
    ~HeldLock() { ::close(fd); }
};

TEST_F(Config, LockIsSharedWithOmeroPyAndWaitsBounded) {
    omero({"set", "a", "1"});
    {
        HeldLock lock(file);
        auto start = std::chrono::steady_clock::now();
        Result r = omero({"set", "--lock-timeout", "0.3", "b", "2"});
        EXPECT_EQ(r.code, 112);
        EXPECT_NE(r.err.find("Could not acquire lock on " + file.string()), std::string::npos) << r.err;
        EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(300));
        EXPECT_EQ(omero({"get", "a"}).out, "1\n");  // readers are not blocked (omero-web#75)
    }
    // A writer that waits gets through once the holder lets go.
    auto holder = std::make_unique<HeldLock>(file);
    std::thread release([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        holder.reset();
    });
    Result r = omero({"set", "--lock-timeout", "5", "b", "2"});
    release.join();
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(omero({"get", "b"}).out, "2\n");
    // omero-py leaves an empty file behind while it creates one under the lock.
    fs::remove(file);
    write_file(file, "");
    HeldLock again(file);
    r = omero({"get"});
    EXPECT_EQ(r.code, 113);
    EXPECT_NE(r.err.find("is empty and another process holds its lock"), std::string::npos) << r.err;
}

TEST_F(Config, WritesKeepBackupModeAndSymlink) {
    omero({"set", "a", "1"});
    fs::permissions(file, fs::perms(0600));
    std::string before = read_file(file);
    omero({"set", "a", "2"});
    EXPECT_EQ(read_file(srv / "etc/grid/config.xml.bak"), before);
    EXPECT_EQ(fs::status(file).permissions() & fs::perms::mask, fs::perms(0600));
    // A symlinked config.xml stays a link; the target is updated.
    fs::rename(file, tmp / "real.xml");
    fs::create_symlink(tmp / "real.xml", file);
    omero({"set", "a", "3"});
    EXPECT_TRUE(fs::is_symlink(file));
    EXPECT_EQ(omero({"get", "a"}).out, "3\n");
}

TEST_F(Config, FiftyConcurrentWritersLoseNothing) {
    omero({"set", "seed", "0"});
    std::vector<pid_t> pids;
    std::atomic<bool> done{false};
    std::atomic<int> bad_reads{0};
    std::thread reader([&] {
        while (!done) {
            Result r = omero({"get"});
            if (r.code != 0) ++bad_reads;
        }
    });
    std::vector<std::thread> writers;
    std::vector<int> codes(50, -1);
    for (int i = 0; i < 50; ++i)
        writers.emplace_back([&, i] {
            codes[i] = omero({"set", "--lock-timeout", "60", "key." + std::to_string(i), "v" + std::to_string(i)}).code;
        });
    for (auto& t : writers) t.join();
    done = true;
    reader.join();
    for (int i = 0; i < 50; ++i) EXPECT_EQ(codes[i], 0) << i;
    EXPECT_EQ(bad_reads, 0);
    std::string keys = omero({"keys"}).out;
    for (int i = 0; i < 50; ++i) EXPECT_NE(keys.find("key." + std::to_string(i) + "\n"), std::string::npos) << i;
}

TEST_F(Config, DeletingTheLockFileDuringWritesLosesNothing) {
    omero({"set", "seed", "0"});
    std::atomic<bool> done{false};
    std::thread vandal([&] {  // what omero-py, or a careless admin, does to the lock file
        while (!done) {
            ::unlink((file.string() + ".lock").c_str());
            std::this_thread::sleep_for(std::chrono::microseconds(300));
        }
    });
    std::vector<std::thread> writers;
    std::vector<int> codes(40, -1);
    for (int i = 0; i < 40; ++i)
        writers.emplace_back([&, i] {
            codes[i] = omero({"set", "--lock-timeout", "60", "key." + std::to_string(i), "v"}).code;
        });
    for (auto& t : writers) t.join();
    done = true;
    vandal.join();
    std::string keys = omero({"keys"}).out;
    for (int i = 0; i < 40; ++i) {
        EXPECT_EQ(codes[i], 0) << i;
        EXPECT_NE(keys.find("key." + std::to_string(i) + "\n"), std::string::npos) << "write " << i << " was lost";
    }
}

TEST_F(Config, OnlyRegularFilesAreReadOrReplaced) {
    fs::create_directories(file.parent_path());
    // A FIFO: reading must not hang, writing must not replace it.
    fs::path fifo = tmp / "fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    fs::create_symlink(fifo, file);
    Result r = omero({"get"});
    EXPECT_EQ(r.code, 113);
    EXPECT_NE(r.err.find("is not a regular file"), std::string::npos) << r.err;
    EXPECT_EQ(omero({"set", "a", "1"}).code, 113);
    EXPECT_TRUE(fs::is_fifo(fifo));
    fs::remove(file);
    // /dev/zero would never end.
    fs::create_symlink("/dev/zero", file);
    EXPECT_EQ(omero({"get"}).code, 113);
    fs::remove(file);
    // A device node of our own (root only): never replaced, never moved to .bak.
    fs::path dev = tmp / "null";
    if (::mknod(dev.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0) {
        fs::create_symlink(dev, file);
        EXPECT_EQ(omero({"set", "a", "1"}).code, 113);
        struct stat st {};
        ASSERT_EQ(::stat(dev.c_str(), &st), 0);
        EXPECT_TRUE(S_ISCHR(st.st_mode));
        EXPECT_FALSE(fs::exists(file.string() + ".bak"));
        fs::remove(file);
    }
    // A dangling link: refused, not replaced by a regular file.
    fs::create_symlink(tmp / "missing.xml", file);
    r = omero({"set", "a", "1"});
    EXPECT_EQ(r.code, 113);
    EXPECT_NE(r.err.find("symbolic link to a file that does not exist"), std::string::npos) << r.err;
    EXPECT_TRUE(fs::is_symlink(file));
    EXPECT_FALSE(fs::exists(tmp / "missing.xml"));
}

TEST_F(Config, BadInputIsNamedAndChangesNothing) {
    omero({"set", "a", "1"});
    std::string before = read_file(file);
    Result r = omero({"set", "k",
                      "a\xff"
                      "b"});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("the value given for k is not valid UTF-8"), std::string::npos) << r.err;
    r = omero({"set", "k",
               "a\xef\xbf\xbe"
               "b"});  // U+FFFE
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("U+FFFE"), std::string::npos) << r.err;
    r = omero({"set", "k", "v"}, {.env = {{"OMERO_CONFIG", "c\x01"}}});
    EXPECT_EQ(r.code, 250);
    EXPECT_NE(r.err.find("OMERO_CONFIG"), std::string::npos) << r.err;
    r = omero({"set", "k", "v"}, {.env = {{"OMERO_CONFIG", "__ACTIVE__"}}});
    EXPECT_EQ(r.code, 250);
    EXPECT_EQ(read_file(file), before);
    // Output that cannot be written is a failure.
    RunOptions full;
    EXPECT_EQ(run("/bin/sh", {"-c", "\"$0\" config get a > /dev/full", omero_exe().string()}, env(full)).code, 1);
}

TEST_F(Config, AFullFilesystemFailsAndKeepsTheFile) {
    fs::path mnt = tmp / "small";
    fs::create_directories(mnt);
    if (geteuid() != 0 || run("/bin/mount", {"-t", "tmpfs", "-o", "size=16k", "tmpfs", mnt.string()}).code != 0)
        GTEST_SKIP() << "needs root to mount a small tmpfs";
    RunOptions o;
    o.env.emplace("OMERODIR", mnt.string());
    EXPECT_EQ(omero({"set", "a", "1"}, o).code, 0);
    write_file(tmp / "big", std::string(12000, 'x'));
    Result r = omero({"set", "-f", (tmp / "big").string(), "b"}, o);
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
    EXPECT_EQ(omero({"get", "a"}, o).out, "1\n");
    EXPECT_FALSE(fs::exists(mnt / "etc/grid/config.xml.temp"));
    run("/bin/umount", {mnt.string()});
}

TEST_F(Config, ServerDirMustBeADirectory) {
    write_file(tmp / "afile", "x");
    for (const char* dir : {"afile", "nonexistent"}) {
        RunOptions o;
        o.env.emplace("OMERODIR", (tmp / dir).string());
        Result r = omero({"set", "a", "1"}, o);
        EXPECT_EQ(r.code, 8) << dir << ": " << r.err;
        EXPECT_NE(r.err.find("OMERODIR=" + (tmp / dir).string()), std::string::npos) << r.err;
    }
    EXPECT_FALSE(fs::exists(tmp / "nonexistent"));
}

TEST_F(Config, KillNineDuringWritesLeavesAValidFile) {
    omero({"set", "seed", "0"});
    std::mt19937 rng(42);
    std::vector<std::string> argv = {omero_exe().string(), "config", "set", "", ""};
    for (int i = 0; i < 40; ++i) {
        pid_t pid = fork();
        if (pid == 0) {
            setenv("OMERODIR", srv.c_str(), 1);
            setenv("OMERO_PLUGIN_PATH", (build_dir() / "lib/omero/plugins/abi1").c_str(), 1);
            std::string k = "k" + std::to_string(i), v(2000, 'x');
            execl(omero_exe().c_str(), "omero", "config", "set", k.c_str(), v.c_str(), (char*)nullptr);
            _exit(127);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 6000));
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        Result r = omero({"get", "seed"});
        ASSERT_EQ(r.code, 0) << "after kill " << i << ": " << r.err;
        ASSERT_EQ(r.out, "0\n");
    }
    EXPECT_EQ(omero({"set", "after", "1"}).code, 0);  // no stale lock blocks the next writer
}

TEST_F(Config, ReadOnlyFile) {
    omero({"set", "a", "1"});
    fs::permissions(file, fs::perms(0444));
    // As root every file is writable: run as nobody to see the read-only rules.
    if (geteuid() == 0) {
        fs::permissions(tmp.path(), fs::perms(0755));
        fs::permissions(srv, fs::perms(0755));
        auto as_nobody = [&](std::vector<std::string> args, RunOptions o = {}) {
            std::vector<std::string> full = {"--reuid=65534", "--regid=65534", "--clear-groups", omero_exe().string(),
                                             "config"};
            full.insert(full.end(), args.begin(), args.end());
            return run("/usr/bin/setpriv", full, env(std::move(o)));
        };
        Result r = as_nobody({"get", "a"});
        if (r.code >= 126 || r.err.find("Permission denied") != std::string::npos)
            GTEST_SKIP() << "cannot run as nobody here: " << r.err;
        EXPECT_EQ(r.out, "1\n");
        r = as_nobody({"set", "a", "2"});
        EXPECT_EQ(r.code, 77);
        EXPECT_NE(r.err.find("Cannot modify " + file.string()), std::string::npos) << r.err;
        EXPECT_EQ(as_nobody({"drop", "default"}).code, 77);
        EXPECT_EQ(as_nobody({"get"}, {.env = {{"OMERO_CONFIG", "x"}}}).code, 113);
    } else {
        EXPECT_EQ(omero({"get", "a"}).out, "1\n");
        EXPECT_EQ(omero({"set", "a", "2"}).code, 77);
    }
}

TEST_F(Config, EditAppliesAndProtectsConcurrentChanges) {
    omero({"set", "b", "1"});
    omero({"set", "a", "1"});
    write_file(tmp / "ed.sh", "#!/bin/sh\nsed -i 's/^a=1$/a=edited/' \"$1\"\necho 'c=new' >> \"$1\"\n");
    fs::permissions(tmp / "ed.sh", fs::perms(0755));
    Result r = omero({"edit"}, {.env = {{"EDITOR", (tmp / "ed.sh").string()}, {"VISUAL", std::nullopt}}});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(omero({"get"}).out, "a=edited\nb=1\nc=new\n");

    write_file(tmp / "fail.sh", "#!/bin/sh\nexit 3\n");
    fs::permissions(tmp / "fail.sh", fs::perms(0755));
    r = omero({"edit"}, {.env = {{"VISUAL", (tmp / "fail.sh").string()}}});
    EXPECT_EQ(r.code, 186);
    EXPECT_NE(r.err.find("3: Failed to edit"), std::string::npos) << r.err;

    // Someone else changes the profile while the editor is open: nothing is lost.
    write_file(tmp / "race.sh", "#!/bin/sh\nOMERO_PLUGIN_PATH=" + (build_dir() / "lib/omero/plugins/abi1").string() +
                                    " OMERODIR=" + srv.string() + " " + omero_exe().string() +
                                    " config set b other\necho 'd=1' >> \"$1\"\n");
    fs::permissions(tmp / "race.sh", fs::perms(0755));
    r = omero({"edit"}, {.env = {{"VISUAL", (tmp / "race.sh").string()}}});
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.err.find("changed while you were editing"), std::string::npos) << r.err;
    EXPECT_EQ(omero({"get", "b"}).out, "other\n");
    EXPECT_EQ(omero({"get", "d"}).out, "");
}

TEST_F(Config, LockCommandHoldsTheLock) {
    Result r = omero({"lock"}, {.input = "\n"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "Press enter to unlock");
}

TEST_F(Config, DefaultsFromOmeroProperties) {
    write_file(
        srv / "etc/omero.properties",
        "## doc\n# comment\nomero.ports.ssl=4064\nomero.db.name=omero\nomero.version=5.6\n### END\nversions.x=1\n");
    EXPECT_EQ(omero({"parse"}).out, "omero.db.name=omero\nomero.ports.ssl=4064\n");
    EXPECT_EQ(omero({"parse", "--keys"}).out, "omero.db.name\nomero.ports.ssl\n");
    omero({"set", "omero.db.name", "mine"});
    EXPECT_EQ(omero({"get", "--defaults", "omero.ports.ssl"}).out, "4064\n");
    EXPECT_EQ(omero({"get", "omero.ports.ssl"}).out, "");
    EXPECT_EQ(omero({"get", "--defaults"}).out, "omero.db.name=mine\nomero.ports.ssl=4064\n");
    fs::path real = shared_dir() / "omero-etc/etc/omero.properties";
    if (fs::exists(real)) {
        Result r = omero({"parse", "-f", real.string()});
        EXPECT_EQ(r.code, 0);
        EXPECT_NE(r.out.find("omero.ports.registry=4061\n"), std::string::npos);
        EXPECT_EQ(r.out.find("versions."), std::string::npos);
    }
}

}  // namespace
