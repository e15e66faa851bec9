// run.hpp - run real processes (the built omero) and real files in tests.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace omero::test {

struct Result {
    int code = -1;  // exit status, or 128 + signal
    std::string out, err;
};

struct RunOptions {
    std::map<std::string, std::optional<std::string>> env;  // nullopt unsets
    std::string input;                                      // standard input
    std::filesystem::path cwd;
    std::string argv0;  // to run under another name (busybox links)
};

// Runs program with args; the environment is ours plus/minus opts.env.
Result run(const std::filesystem::path& program, const std::vector<std::string>& args, const RunOptions& opts = {});

// The built tools, from the build tree (set by CMake).
std::filesystem::path omero_exe();
std::filesystem::path build_dir();
std::filesystem::path source_dir();
// ../shared next to the project, or empty when absent.
std::filesystem::path shared_dir();

// A temporary directory, removed with its contents at destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& s) const { return path_ / s; }

private:
    std::filesystem::path path_;
};

std::string read_file(const std::filesystem::path& p);
void write_file(const std::filesystem::path& p, const std::string& text);

}  // namespace omero::test

namespace omero::test {

// A TCP port on 127.0.0.1 that nothing listens on (the kernel's choice).
int free_port();

// The seed of a randomised test: OMERO_TEST_SEED when set (to replay a
// failure), else a fresh one. Printed, and recorded in the test's XML, as
// "seed N (replay: OMERO_TEST_SEED=N)".
unsigned test_seed();

}  // namespace omero::test
