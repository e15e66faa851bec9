// Unit tests of the host library: parsing from a command table, the words of
// a piped line, help text and suggestions, and the child frame of a nested
// command (no plugin, no process).
#include "args.hpp"
#include "cli.hpp"
#include "help.hpp"
#include "services.hpp"

#include <omero/exit_codes.h>

#include <gtest/gtest.h>

using namespace omero::host;

namespace {

CommandInfo dump_table() {
    CommandInfo c;
    c.path = "db dump";
    c.summary = "dump the database";
    OptionInfo format{.name = "format", .value_name = "FORMAT", .help = "custom or directory"};
    format.type = OMERO_VALUE_CHOICE;
    format.choices = {"custom", "directory"};
    format.default_value = "custom";
    OptionInfo jobs{.name = "jobs", .short_name = 'j', .value_name = "N", .help = "parallel jobs"};
    jobs.type = OMERO_VALUE_INTEGER;
    jobs.min = 1;
    jobs.max = 64;
    OptionInfo timeout{.name = "timeout", .value_name = "TIME", .help = "give up after"};
    timeout.type = OMERO_VALUE_DURATION;
    OptionInfo file{.name = "file", .short_name = 'f', .value_name = "PATH", .help = "where", .required = true};
    file.type = OMERO_VALUE_PATH;
    c.options = {format, jobs, timeout, file, {.name = "quiet", .short_name = 'q', .help = "say less"}};
    c.args = {{.name = "TABLE", .help = "tables", .optional = true, .variadic = true}};
    return c;
}

TEST(Args, TypedValuesInTableOrder) {
    ParsedArgs p = parse_args(dump_table(), {"-f", "x.dump", "--format=directory", "-j", "4", "--timeout", "1.5m", "-q",
                                             "planeinfo", "pixels"});
    ASSERT_EQ(p.counts.size(), 5u);
    EXPECT_EQ(p.values[0], std::vector<std::string>{"directory"});
    EXPECT_EQ(p.values[1], std::vector<std::string>{"4"});
    EXPECT_EQ(p.values[2], std::vector<std::string>{"90000"});  // durations in milliseconds
    EXPECT_EQ(p.values[3], std::vector<std::string>{"x.dump"});
    EXPECT_EQ(p.counts[4], 1u);
    EXPECT_EQ(p.positionals, (std::vector<std::string>{"planeinfo", "pixels"}));
}

TEST(Args, BadInputIsAUsageErrorNamingTheOption) {
    auto why = [](std::vector<std::string> argv) {
        try {
            parse_args(dump_table(), argv);
        } catch (const UsageError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(why({"-f", "x", "--format", "tar"}).find("format"), std::string::npos);
    EXPECT_NE(why({"-f", "x", "-j", "65"}).find("jobs"), std::string::npos);
    EXPECT_NE(why({"-f", "x", "-j", "two"}).find("jobs"), std::string::npos);
    EXPECT_NE(why({"-f", "x", "--timeout", "soon"}).find("timeout"), std::string::npos);
    EXPECT_NE(why({"--format", "custom"}).find("file"), std::string::npos);  // required
    EXPECT_NE(why({"-f", "x", "--nope"}).find("nope"), std::string::npos);
}

TEST(Args, HelpIsAskedBeforeDoubleDashOnly) {
    EXPECT_TRUE(wants_help({"-f", "x", "--help"}));
    EXPECT_TRUE(wants_help({"-h"}));
    EXPECT_FALSE(wants_help({"--", "-h"}));
}

TEST(Words, ShellQuotingOfPipedLines) {
    EXPECT_EQ(split_words(R"(config set omero.web.x "a b" 'c "d"' e\ f)"),
              (std::vector<std::string>{"config", "set", "omero.web.x", "a b", "c \"d\"", "e f"}));
    EXPECT_EQ(split_words("  \t "), std::vector<std::string>{});
    EXPECT_EQ(split_words(R"("" x)"), (std::vector<std::string>{"", "x"}));
}

TEST(Help, UsageAndSuggestionsComeFromTheTable) {
    CommandInfo c = dump_table();
    std::string usage = usage_line(c);
    EXPECT_NE(usage.find("omero db dump"), std::string::npos) << usage;
    EXPECT_NE(usage.find("-f PATH"), std::string::npos) << usage;
    std::string help = command_help(c, {});
    for (const char* s : {"--format", "custom", "directory", "--jobs", "dump the database"})
        EXPECT_NE(help.find(s), std::string::npos) << s << "\n" << help;
    auto s = suggestions("stauts", {"status", "start", "stop", "upgrade"});
    ASSERT_FALSE(s.empty());
    EXPECT_EQ(s.front(), "status");
}

// A nested command gets a child frame: the caller's frame is untouched, the
// child's error comes back in the caller's last_error.
TEST(Services, RunCommandGivesTheCommandItsOwnFrame) {
    omero_host root;
    root.command = "upgrade run";
    root.json = true;
    std::vector<std::string> seen;
    omero_host* child_seen = nullptr;
    root.dispatch = [&](omero_host& frame, const std::vector<std::string>& words) {
        child_seen = &frame;
        seen = words;
        EXPECT_EQ(frame.parent, &root);
        EXPECT_EQ(frame.depth, 1);
        EXPECT_FALSE(frame.json);             // captured: its own words decide, not the caller's --json
        EXPECT_TRUE(frame.errors_to_caller);  // captured: its error is the caller's to report
        frame.command = "db status";
        frame.last_error = "database omero is not reachable";
        return 22;
    };
    const omero_str argv[] = {{"db", 2}, {"status", 6}};
    std::string out;
    int rc = host_api()->run_command(
        &root, argv, 2, [](void* u, const char* p, size_t n) { static_cast<std::string*>(u)->append(p, n); }, &out);
    EXPECT_EQ(rc, 22);
    EXPECT_EQ(seen, (std::vector<std::string>{"db", "status"}));
    EXPECT_NE(child_seen, &root);
    EXPECT_EQ(root.command, "upgrade run");
    EXPECT_EQ(root.capture, nullptr);
    EXPECT_EQ(root.depth, 0);
    EXPECT_EQ(root.last_error, "database omero is not reachable");

    // Not captured, its output joins the caller's: JSON under the caller's --json.
    root.dispatch = [&](omero_host& frame, const std::vector<std::string>&) {
        EXPECT_TRUE(frame.json);
        EXPECT_FALSE(frame.errors_to_caller);
        return 0;
    };
    EXPECT_EQ(host_api()->run_command(&root, argv, 2, nullptr, nullptr), 0);
}

TEST(Services, NestingIsBounded) {
    omero_host root;
    int calls = 0;
    root.dispatch = [&](omero_host& frame, const std::vector<std::string>&) {
        ++calls;
        const omero_str argv[] = {{"x", 1}};
        return host_api()->run_command(&frame, argv, 1, nullptr, nullptr);
    };
    const omero_str argv[] = {{"x", 1}};
    EXPECT_EQ(host_api()->run_command(&root, argv, 1, nullptr, nullptr), OMERO_EXIT_FAILURE);
    EXPECT_EQ(calls, 8);
    EXPECT_NE(root.last_error.find("too deeply"), std::string::npos) << root.last_error;
}

}  // namespace
