// The host and the plugin boundary, through the real binary and real plugin
// libraries copied into temporary plugin directories.
#include "run.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <chrono>
#include <nlohmann/json.hpp>
#include <omero/plugin.hpp>

#include <set>

#include <sys/stat.h>

namespace fs = std::filesystem;
using namespace omero::test;

namespace {

const fs::path kPlugins = OMERO_TEST_PLUGIN_DIR;

// Copies a built test plugin (library + manifest) into dir.
void install(const fs::path& dir, const std::string& name) {
    fs::create_directories(dir);
    fs::copy_file(kPlugins / name / ("libomero-" + name + ".so"), dir / ("libomero-" + name + ".so"),
                  fs::copy_options::overwrite_existing);
    fs::path manifest = kPlugins / name / (name + ".omero-plugin.json");
    if (fs::exists(manifest))
        fs::copy_file(manifest, dir / (name + ".omero-plugin.json"), fs::copy_options::overwrite_existing);
}

// A hand-written manifest (for libraries the build cannot describe).
void write_manifest(const fs::path& dir, const std::string& name, int abi_min, int abi_max,
                    const std::string& command) {
    nlohmann::json j = {{"schema_version", 1},
                        {"name", name},
                        {"vendor", "tests"},
                        {"version", "1.0"},
                        {"library", "libomero-" + name + ".so"},
                        {"abi", {{"min", abi_min}, {"max", abi_max}}},
                        {"commands", {{{"path", command}, {"summary", "test"}}}}};
    write_file(dir / (name + ".omero-plugin.json"), j.dump());
}

class Host : public ::testing::Test {
protected:
    TempDir tmp;
    fs::path plugins = tmp / "plugins";

    void SetUp() override {
        install(plugins, "probe");
        fs::create_directories(tmp / "home");
    }

    Result omero(const std::vector<std::string>& args, RunOptions o = {}) {
        o.env.emplace("OMERO_PLUGIN_PATH", plugins.string());
        o.env.emplace("HOME", (tmp / "home").string());
        o.env.emplace("XDG_CONFIG_HOME", (tmp / "home/.config").string());
        o.env.emplace("XDG_DATA_HOME", (tmp / "home/.local/share").string());
        o.env.emplace("OMERODIR", std::nullopt);
        o.env.emplace("OMERO_PLUGINS_DISABLE", std::nullopt);
        return run(omero_exe(), args, o);
    }
};

TEST_F(Host, RunsAPluginCommandWithParsedOptions) {
    Result r = omero({"probe", "echo", "--flag", "-o", "a", "--opt=b", "x", "y"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "flag=1 opt=a opt=b arg=x arg=y\n");
    r = omero({"probe", "echo", "--", "-x", "--flag"});
    EXPECT_EQ(r.out, "flag=0 arg=-x arg=--flag\n");
}

TEST_F(Host, UnknownOptionIsAUsageError) {
    Result r = omero({"probe", "echo", "--nope"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("omero probe echo: error:"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("usage: omero probe echo"), std::string::npos) << r.err;
    EXPECT_EQ(omero({"probe", "exit"}).code, 2);  // missing argument
}

TEST_F(Host, ThrowingCommandGivesCleanMessageAndExitCode) {
    Result r = omero({"probe", "throw"});
    EXPECT_EQ(r.code, 1);
    EXPECT_EQ(r.err, "omero probe throw: error: boom from the plugin\n");
    r = omero({"probe", "fail"});
    EXPECT_EQ(r.code, 42);
    EXPECT_EQ(r.err, "omero probe fail: error: it failed on purpose\n");
    EXPECT_EQ(omero({"probe", "exit", "7"}).code, 7);
}

TEST_F(Host, PluginWantingNewerAbiIsIncompatible) {
    fs::copy_file(kPlugins / "newabi/libomero-newabi.so", plugins / "libomero-newabi.so");
    write_manifest(plugins, "newabi", 2, 2, "newabi");
    Result r = omero({"plugin", "list"});
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("incompatible"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("plugin needs ABI 2..2, this omero offers 1..1"), std::string::npos) << r.out;
    r = omero({"newabi"});
    EXPECT_EQ(r.code, 126);
    EXPECT_NE(r.err.find("incompatible"), std::string::npos) << r.err;

    // A manifest that claims ABI 1: the library itself refuses at negotiation.
    write_manifest(plugins, "newabi", 1, 1, "newabi");
    r = omero({"newabi"});
    EXPECT_EQ(r.code, 126);
    EXPECT_NE(r.err.find("is incompatible: plugin needs ABI 2..2, this omero offers 1..1"), std::string::npos) << r.err;
    EXPECT_EQ(omero({"probe", "exit", "0"}).code, 0);  // the host keeps working
}

TEST_F(Host, LibraryWithoutEntryPointIsInvalid) {
    fs::copy_file(kPlugins / "noentry/libomero-noentry.so", plugins / "libomero-noentry.so");
    write_manifest(plugins, "noentry", 1, 1, "noentry");
    Result r = omero({"plugin", "list"});
    EXPECT_NE(r.out.find("invalid"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("does not export omero_plugin_negotiate"), std::string::npos) << r.out;
    r = omero({"noentry"});
    EXPECT_EQ(r.code, 126);
    EXPECT_NE(r.err.find("invalid"), std::string::npos) << r.err;
}

TEST_F(Host, BrokenManifestIsInvalidAndHostKeepsRunning) {
    write_file(plugins / "broken.omero-plugin.json", "{ not json");
    Result r = omero({"plugin", "list"});
    EXPECT_EQ(r.code, 0);
    EXPECT_NE(r.out.find("broken"), std::string::npos);
    EXPECT_NE(r.out.find("manifest is not valid JSON"), std::string::npos) << r.out;
    EXPECT_EQ(omero({"probe", "echo"}).code, 0);
}

TEST_F(Host, ManifestThatDisagreesWithLibraryIsRefused) {
    auto j = nlohmann::json::parse(read_file(plugins / "probe.omero-plugin.json"));
    j["commands"].push_back({{"path", "probe ghost"}, {"summary", "not in the library"}});
    write_file(plugins / "probe.omero-plugin.json", j.dump());
    Result r = omero({"probe", "echo"});
    EXPECT_EQ(r.code, 126);
    EXPECT_NE(r.err.find("regenerate the manifest"), std::string::npos) << r.err;
}

TEST_F(Host, DuplicateNamesAreShadowed) {
    fs::path second = tmp / "second";
    install(second, "probe");
    Result r =
        omero({"plugin", "list", "--json"}, {.env = {{"OMERO_PLUGIN_PATH", plugins.string() + ":" + second.string()}}});
    auto all = nlohmann::json::parse(r.out);
    // Known first-party plugins that are not there come last, with their package.
    nlohmann::json j = nlohmann::json::array();
    std::set<std::string> missing;
    for (const auto& e : all)
        if (e["state"] != "not-installed")
            j.push_back(e);
        else {
            EXPECT_EQ(e["package"], "omero-plugin-" + e["name"].get<std::string>());
            missing.insert(e["name"].get<std::string>());
        }
    // None of the first-party plugins is on this path (the hop plugins too, when built).
    for (const char* p : {"admin", "config", "db", "upgrade", "web"}) EXPECT_TRUE(missing.count(p)) << p;
    ASSERT_EQ(j.size(), 2u);
    EXPECT_EQ(j[0]["state"], "ok");
    EXPECT_EQ(j[1]["state"], "shadowed");
    EXPECT_NE(j[1]["reason"].get<std::string>().find("hidden by " + (plugins / "probe.omero-plugin.json").string()),
              std::string::npos);
}

TEST_F(Host, WritablePluginIsRefused) {
    fs::permissions(plugins / "libomero-probe.so", fs::perms::others_write, fs::perm_options::add);
    Result r = omero({"plugin", "list"});
    EXPECT_NE(r.out.find("refused"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("writable by others"), std::string::npos) << r.out;
    r = omero({"probe", "echo"});
    EXPECT_EQ(r.code, 126);
    EXPECT_NE(r.err.find("refused"), std::string::npos) << r.err;

    fs::permissions(plugins / "libomero-probe.so", fs::perms::others_write, fs::perm_options::remove);
    fs::permissions(plugins, fs::perms::group_write, fs::perm_options::add);
    r = omero({"plugin", "list"});
    EXPECT_NE(r.out.find("writable by its group"), std::string::npos) << r.out;
}

TEST_F(Host, DenyListDisables) {
    Result r = omero({"plugin", "list"}, {.env = {{"OMERO_PLUGINS_DISABLE", "pro*"}}});
    EXPECT_NE(r.out.find("disabled"), std::string::npos) << r.out;
    r = omero({"probe", "echo"}, {.env = {{"OMERO_PLUGINS_DISABLE", "all"}}});
    EXPECT_EQ(r.code, 126);
    EXPECT_NE(r.err.find("disabled"), std::string::npos) << r.err;

    write_file(tmp / "home/.config/omero/plugins.deny", "# local policy\nprobe\n");
    r = omero({"plugin", "list"});
    EXPECT_NE(r.out.find("disabled by the deny list ('probe')"), std::string::npos) << r.out;
}

TEST_F(Host, HelpAndCompletionLoadNoPluginLibrary) {
    fs::path marker = tmp / "loaded";
    RunOptions o{.env = {{"OMERO_TEST_LOAD_MARKER", marker.string()}}};
    for (auto args : std::vector<std::vector<std::string>>{{"help"},
                                                           {"help", "probe"},
                                                           {"help", "probe", "echo"},
                                                           {"probe", "echo", "--help"},
                                                           {"help", "--json"},
                                                           {"plugin", "list"},
                                                           {"plugin", "info", "probe"},
                                                           {"__complete", "--", "probe", "e"},
                                                           {"probe"}}) {
        omero(args, o);
        EXPECT_FALSE(fs::exists(marker)) << "loaded by: " << args[0] << " " << (args.size() > 1 ? args[1] : "");
    }
    EXPECT_EQ(omero({"probe", "echo"}, o).code, 0);
    EXPECT_EQ(read_file(marker), "probe\n");  // running a command loads exactly its plugin
}

TEST_F(Host, BusyboxNames) {
    fs::create_symlink(omero_exe(), tmp / "omero-probe");
    Result r = run(tmp / "omero-probe", {"echo", "x"},
                   {.env = {{"OMERO_PLUGIN_PATH", plugins.string()}, {"HOME", (tmp / "home").string()}}});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "flag=0 arg=x\n");
}

TEST_F(Host, NoPluginsMode) {
    Result r = omero({"--no-plugins", "probe", "echo"});
    EXPECT_EQ(r.code, 2);
    r = omero({"--no-plugins", "plugin", "list"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(omero({"--no-plugins", "version"}).code, 0);
}

TEST_F(Host, ExitCodesAndMessages) {
    Result r = omero({"prob"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("'prob' is not an omero command"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("\tprobe\n"), std::string::npos) << r.err;

    r = omero({"web", "start"});
    EXPECT_EQ(r.code, 126);
    EXPECT_NE(r.err.find("install package omero-plugin-web"), std::string::npos) << r.err;

    r = omero({"probe", "eco"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("Did you mean 'echo'?"), std::string::npos) << r.err;

    EXPECT_EQ(omero({"-d", "trace,profile", "version"}).code, 9);
    EXPECT_EQ(omero({"-d", "bogus", "version"}).code, 10);
    EXPECT_EQ(omero({"--bogus"}).code, 2);

    r = omero({"probe", "dir"});
    EXPECT_EQ(r.code, 125);
    EXPECT_NE(r.err.find("OMERODIR is not set"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("export OMERODIR="), std::string::npos) << r.err;
    r = omero({"probe", "dir"}, {.env = {{"OMERODIR", (tmp / "nope").string()}}});
    EXPECT_EQ(r.code, 8);

    r = omero({"--version"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out.rfind("omero ", 0), 0u);
    EXPECT_EQ(omero({"help", "nosuch"}).code, 2);
}

TEST_F(Host, CommandsWithoutServerDirWorkWithoutIt) {
    for (auto args : std::vector<std::vector<std::string>>{{"help"}, {"version"}, {"plugin", "list"}})
        EXPECT_EQ(omero(args).code, 0) << args[0];
}

TEST_F(Host, LoadRunsLinesAndStopsAtFirstFailure) {
    write_file(tmp / "cmds", "# a comment\nprobe echo a\n\nprobe exit 3\nprobe echo b\n");
    Result r = omero({"load", (tmp / "cmds").string()});
    EXPECT_EQ(r.code, 3);
    EXPECT_EQ(r.out, "flag=0 arg=a\n");
    r = omero({"load", "-k", (tmp / "cmds").string()});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "flag=0 arg=a\nflag=0 arg=b\n");
    EXPECT_NE(r.err.find("Ignoring error: probe exit 3"), std::string::npos);
    r = omero({}, {.input = "probe echo 'two words' \"x y\"\n"});
    EXPECT_EQ(r.out, "flag=0 arg=two words arg=x y\n");
}

TEST_F(Host, CompletionAndJsonUsageComeFromTheTables) {
    EXPECT_EQ(omero({"__complete", "--", "pro"}).out, "probe\n");
    EXPECT_EQ(omero({"__complete", "--", "probe", "e"}).out, "echo\nexit\n");
    EXPECT_EQ(omero({"__complete", "--", "probe", "echo", "--f"}).out, "--flag\n");
    Result r = omero({"help", "--json", "probe", "echo"});
    auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j.size(), 1u);
    EXPECT_EQ(j[0]["command"], "probe echo");
    EXPECT_EQ(j[0]["options"][0]["name"], "--opt");
    EXPECT_NE(omero({"completion", "bash"}).out.find("complete -o filenames -F _omero omero"), std::string::npos);
}

TEST_F(Host, CliLogRecordsCommandWithoutArguments) {
    fs::create_directories(tmp / "srv");
    RunOptions o{.env = {{"OMERODIR", (tmp / "srv").string()}}};
    EXPECT_EQ(omero({"probe", "echo", "secret-value"}, o).code, 0);
    std::string log = read_file(tmp / "srv/var/log/cli.log");
    EXPECT_NE(log.find("command=\"probe echo\" exit=0"), std::string::npos) << log;
    EXPECT_EQ(log.find("secret-value"), std::string::npos);
}

TEST_F(Host, ConfigServiceReadsAndWritesThroughTheStore) {
    fs::create_directories(tmp / "srv");
    RunOptions o{.env = {{"OMERODIR", (tmp / "srv").string()}}};
    EXPECT_EQ(omero({"probe", "config", "omero.db.name"}, o).out, "(unset)\n");
    EXPECT_EQ(omero({"probe", "config", "omero.db.name", "omero_x"}, o).code, 0);
    EXPECT_EQ(omero({"probe", "config", "omero.db.name"}, o).out, "omero_x\n");
    EXPECT_NE(read_file(tmp / "srv/etc/grid/config.xml").find("<property name=\"omero.db.name\" value=\"omero_x\" />"),
              std::string::npos);
}

TEST_F(Host, ProgressAsJsonEvents) {
    Result r = omero({"probe", "progress", "--json"});
    EXPECT_EQ(r.code, 0);
    auto last = r.out.substr(r.out.rfind('{'));
    auto j = nlohmann::json::parse(last);
    EXPECT_EQ(j["event"], "progress");
    EXPECT_EQ(j["done"], 3);
    EXPECT_EQ(j["total"], 3);
    r = omero({"probe", "progress"});  // not a TTY: plain lines on stderr
    EXPECT_NE(r.err.find("3/3"), std::string::npos) << r.err;
}

TEST_F(Host, UpgradeHopsFromDropInPlugins) {
    install(plugins, "hopper");
    Result r = omero({"plugin", "info", "hopper", "--json"});
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["hops"][0]["from"], "TEST2__0");
    EXPECT_EQ(j["hops"][0]["to"], "TEST3__0");
    EXPECT_TRUE(j["commands"].empty());
    // A hop plugin has no commands; its help page is its hops.
    r = omero({"help", "hopper"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("A hop plugin: it has no commands"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("  TEST2__0 -> TEST3__0\n    hop from a drop-in plugin"), std::string::npos) << r.out;

    r = omero({"probe", "hops", "--run"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("hopper: TEST2__0 -> TEST3__0 (hop from a drop-in plugin)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("hopper check\nexec: UPDATE test SET x = 1\nrc=0"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("probe: TEST1__0 -> TEST2__0"), std::string::npos) << r.out;

    // A disabled hop provider contributes nothing.
    r = omero({"probe", "hops"}, {.env = {{"OMERO_PLUGINS_DISABLE", "hopper"}}});
    EXPECT_EQ(r.out.find("hopper"), std::string::npos) << r.out;

    // A broken hop plugin never hides the others: it is listed, unusable, and nothing aborts.
    // Listing reads manifests only; loading it to run names the plugin and its package.
    write_file(plugins / "libomero-hopper.so", "not a library at all");
    r = omero({"probe", "hops"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("probe: TEST1__0 -> TEST2__0"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("hopper: TEST2__0 -> TEST3__0"), std::string::npos) << r.out;
    r = omero({"probe", "hops", "--run"});
    EXPECT_EQ(r.code, 126) << r.err;
    EXPECT_NE(r.err.find("plugin 'hopper'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("not an ELF shared library"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("reinstall package omero-plugin-hopper"), std::string::npos) << r.err;
}

TEST_F(Host, TypedOptionsAreCheckedBeforeTheCommandRuns) {
    Result r =
        omero({"probe", "typed", "--need", "x", "--count", "3", "--wait", "1.5m", "--size", "2k", "--mode", "safe"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "count=3 wait=90000 size=2048 mode=safe need=x\n");
    r = omero({"probe", "typed", "--need", "x"});  // the default arrives canonical
    EXPECT_EQ(r.out, "count=- wait=2000 size=- mode=- need=x\n");
    struct Bad {
        std::vector<std::string> args;
        const char* says;
    } bad[] = {{{"--count", "0"}, "'--count' must be from 1 to 10, not '0'"},
               {{"--count", "3x"}, "'--count' takes a whole number"},
               {{"--wait", "soon"}, "'--wait' takes a duration"},
               {{"--size", "2q"}, "'--size' takes a size"},
               {{"--mode", "quick"}, "'--mode' takes one of: fast, safe, not 'quick'"}};
    for (const Bad& b : bad) {
        std::vector<std::string> args = {"probe", "typed", "--need", "x"};
        args.insert(args.end(), b.args.begin(), b.args.end());
        r = omero(args);
        EXPECT_EQ(r.code, 2) << b.says;
        EXPECT_NE(r.err.find(b.says), std::string::npos) << r.err;
    }
    r = omero({"probe", "typed"});
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("option '--need' is required"), std::string::npos) << r.err;
    // Help shows the constraints from the same table.
    r = omero({"help", "probe", "typed"});
    EXPECT_NE(r.out.find("--mode {fast,safe}"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("from 1 to 10"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(required)"), std::string::npos) << r.out;
}

TEST_F(Host, CommandsRunOtherCommandsThroughTheHost) {
    Result r = omero({"probe", "call", "--capture", "probe", "echo", "a"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("called rc=0 captured=[flag=0 arg=a\n]"), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
    r = omero({"probe", "call", "probe", "fail"});
    EXPECT_EQ(r.code, 42);
    // A missing first-party plugin: 126 and the package to install.
    r = omero({"probe", "call", "web", "status"});
    EXPECT_EQ(r.code, 126);
    EXPECT_NE(r.err.find("why=[command 'web' is provided by plugin 'web', which is not installed; install package "
                         "omero-plugin-web]"),
              std::string::npos)
        << r.err;
    // Captured, the command prints what its own words ask for, whatever ours say.
    r = omero({"probe", "call", "--json", "--capture", "probe", "echo", "c"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("captured=[flag=0 arg=c\n]"), std::string::npos) << r.err;
    r = omero({"probe", "call", "--capture", "--", "probe", "echo", "--json", "d"});
    EXPECT_EQ(omero::sdk::last_json_line(r.err.substr(r.err.find("captured=[") + 10)).empty(), false) << r.err;
    // Under --json the called command's text joins the one JSON stream.
    r = omero({"probe", "call", "--json", "probe", "echo", "b"});
    EXPECT_EQ(r.code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["event"], "output");
    EXPECT_EQ(j["text"], "flag=0 arg=b json\n");
}

TEST(Sdk, LastJsonLineOfACapture) {
    using omero::sdk::last_json_line;
    EXPECT_EQ(last_json_line(""), "");
    EXPECT_EQ(last_json_line("plain text\n"), "");
    EXPECT_EQ(last_json_line("{\"a\":1}\n{\"event\":\"result\"}\n"), "{\"event\":\"result\"}");
    EXPECT_EQ(last_json_line("{\"a\":1}\ntrailing text\n\n"), "{\"a\":1}");
    EXPECT_EQ(last_json_line("{\"only\":true}"), "{\"only\":true}");
}

TEST_F(Host, JsonFailuresAreJsonToo) {
    Result r = omero({"probe", "throw", "--json"});
    EXPECT_EQ(r.code, 2);  // probe throw has no --json: usage error
    r = omero({"probe", "call", "--json", "probe", "throw"});
    EXPECT_EQ(r.code, 1);
    std::string last = r.out.substr(r.out.rfind('{'));
    auto j = nlohmann::json::parse(last);
    EXPECT_EQ(j["event"], "error");
    EXPECT_EQ(j["code"], 1);
    EXPECT_NE(r.err.find("boom from the plugin"), std::string::npos) << r.err;
}

TEST_F(Host, AThirdPartyCommandInAFirstPartyGroupIsRefusedAlone) {
    // An earlier search dir holds a plugin declaring `config evil`; the real
    // config plugin comes after it and must stay usable.
    fs::path evil = tmp / "evil";
    install(evil, "probe");
    fs::rename(evil / "libomero-probe.so", evil / "libomero-evil.so");
    fs::remove(evil / "probe.omero-plugin.json");
    write_manifest(evil, "evil", 1, 1, "config evil");
    fs::path config_dir = fs::path(OMERO_TEST_BUILD_DIR) / "lib/omero/plugins/abi1/config.omero-plugin.json";
    if (!fs::exists(config_dir)) GTEST_SKIP() << "the config plugin is not built";
    Result r = omero({"plugin", "list"}, {.env = {{"OMERO_PLUGIN_PATH", evil.string() + ":" + config_dir.string()}}});
    EXPECT_NE(r.out.find("belongs to the first-party plugin 'config'"), std::string::npos) << r.out;
    r = omero({"config", "get", "--source", "/dev/null"},
              {.env = {{"OMERO_PLUGIN_PATH", evil.string() + ":" + config_dir.string()}}});
    EXPECT_NE(r.code, 126) << r.err;
    EXPECT_EQ(r.err.find("evil"), std::string::npos) << r.err;
}

// `omero config ...` looks for the config plugin's manifest alone; what it
// finds must be what the full search decides: the first of the name wins,
// even when it cannot be used (then the command says why), and the deny
// list applies.
TEST_F(Host, AFirstPartyCommandFindsItsPluginAsTheFullSearchWould) {
    const fs::path built = fs::path(OMERO_TEST_BUILD_DIR) / "lib/omero/plugins/abi1";
    if (!fs::exists(built / "config.omero-plugin.json")) GTEST_SKIP() << "the config plugin is not built";
    fs::path first = tmp / "first", second = tmp / "second";
    for (const fs::path& d : {first, second}) {
        fs::create_directories(d);
        fs::copy_file(built / "libomero-config.so", d / "libomero-config.so");
        fs::copy_file(built / "config.omero-plugin.json", d / "config.omero-plugin.json");
    }
    const std::string path = first.string() + ":" + second.string(), xml = (tmp / "config.xml").string();
    write_file(xml, "<icegrid><properties id=\"default\"><property name=\"k\" value=\"v\" /></properties></icegrid>");
    Result r = omero({"config", "get", "--source", xml, "k"}, {.env = {{"OMERO_PLUGIN_PATH", path}}});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "v\n");

    fs::permissions(first / "libomero-config.so", fs::perms::group_write, fs::perm_options::add);
    r = omero({"config", "get", "--source", xml, "k"}, {.env = {{"OMERO_PLUGIN_PATH", path}}});
    EXPECT_EQ(r.code, 126) << r.err;
    EXPECT_NE(r.err.find("refused"), std::string::npos) << r.err;
    r = omero({"plugin", "list"}, {.env = {{"OMERO_PLUGIN_PATH", path}}});
    EXPECT_NE(r.out.find("shadowed"), std::string::npos) << r.out;

    fs::permissions(first / "libomero-config.so", fs::perms::group_write, fs::perm_options::remove);
    r = omero({"config", "get", "--source", xml, "k"},
              {.env = {{"OMERO_PLUGIN_PATH", path}, {"OMERO_PLUGINS_DISABLE", "config"}}});
    EXPECT_EQ(r.code, 126) << r.err;
    EXPECT_NE(r.err.find("disabled"), std::string::npos) << r.err;
}

TEST_F(Host, ManifestStepRefusesBrokenTables) {
    // The probe's own table is sound; a manifest made from it names no problem.
    Result r = omero({"--no-plugins", "plugin", "manifest", (kPlugins / "probe/libomero-probe.so").string()});
    EXPECT_EQ(r.code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    bool group = false;
    for (const auto& c : j["commands"]) group |= c["path"] == "probe nested" && c.contains("flags");
    EXPECT_TRUE(group) << "the undeclared group 'probe nested' is added to the manifest";
}

TEST_F(Host, ConfigWithoutServerDirIs125) {
    Result r = omero({"probe", "getconf", "omero.db.name"});
    EXPECT_EQ(r.code, 125) << r.err;
    EXPECT_NE(r.err.find("OMERODIR is not set"), std::string::npos) << r.err;
}

// Under --json the host's own failures are JSON too: one error event on
// stdout with the exit status, the message on stderr as always.
TEST_F(Host, HostFailuresAnswerInJsonWhenAsked) {
    auto event = [](const Result& r) {
        return nlohmann::json::parse(r.out.substr(0, r.out.find('\n')), nullptr, false);
    };
    Result r = omero({"probe", "dir", "--json"});  // OMERODIR is not set
    EXPECT_EQ(r.code, 125) << r.err;
    nlohmann::json e = event(r);
    EXPECT_EQ(e.value("event", ""), "error") << r.out;
    EXPECT_EQ(e.value("code", 0), 125) << r.out;
    EXPECT_NE(e.value("message", "").find("OMERODIR is not set"), std::string::npos) << r.out;
    EXPECT_NE(r.err.find("OMERODIR is not set"), std::string::npos) << r.err;
    r = omero({"web", "status", "--json"});  // a first-party plugin not installed
    EXPECT_EQ(r.code, 126) << r.err;
    EXPECT_EQ(event(r).value("code", 0), 126) << r.out;
    EXPECT_NE(event(r).value("message", "").find("install package omero-plugin-web"), std::string::npos) << r.out;
    r = omero({"probe", "echo", "--bogus", "--json"});  // a usage error found by the table
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(event(r).value("code", 0), 2) << r.out;
    EXPECT_TRUE(omero({"probe", "dir"}).out.empty());  // no --json: nothing on stdout
}

TEST_F(Host, ManPagesComeFromTheTables) {
    Result r = omero({"help", "--man", "probe"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find(".TH OMERO-PROBE 1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\\-\\-mode {fast,safe}"), std::string::npos) << r.out;
}

TEST_F(Host, AMisbehavingPluginIsNamed) {
    install(plugins, "hang");
    Result r = omero({"hang", "crash"});
    EXPECT_EQ(r.code, 128 + SIGSEGV) << r.err;
    EXPECT_NE(r.err.find("plugin 'hang' crashed in 'omero hang crash'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("SIGSEGV"), std::string::npos) << r.err;
    auto start = std::chrono::steady_clock::now();
    r = omero({"hang", "crash"}, {.env = {{"OMERO_TEST_HANG", "1"}, {"OMERO_PLUGIN_LOAD_TIMEOUT", "1"}}});
    EXPECT_EQ(r.code, 126) << r.err;
    EXPECT_NE(r.err.find("plugin 'hang'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("did not finish loading within 1"), std::string::npos) << r.err;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    // Another plugin is not affected.
    EXPECT_EQ(omero({"probe", "echo"}, {.env = {{"OMERO_TEST_HANG", "1"}}}).code, 0);
}

TEST_F(Host, APluginBelowAWritableDirectoryIsRefused) {
    fs::path open_dir = tmp / "open";
    fs::path inner = open_dir / "plugins";
    install(inner, "probe");
    fs::permissions(open_dir, fs::perms::all);  // 0777, not sticky
    Result r = run(omero_exe(), {"plugin", "list"},
                   {.env = {{"OMERO_PLUGIN_PATH", inner.string()}, {"HOME", (tmp / "home").string()}}});
    EXPECT_NE(r.out.find("refused"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("its parent directory " + open_dir.string() + " is writable by others"), std::string::npos)
        << r.out;
    // The same through a symlink from a safe place.
    fs::create_symlink(inner, tmp / "link");
    r = run(omero_exe(), {"plugin", "list"},
            {.env = {{"OMERO_PLUGIN_PATH", (tmp / "link").string()}, {"HOME", (tmp / "home").string()}}});
    EXPECT_NE(r.out.find("is writable by others"), std::string::npos) << r.out;
    fs::permissions(open_dir, fs::perms::owner_all);
}

TEST_F(Host, APluginOfTheFirstHeaderStillRuns) {
    // Structs declared with their first-release sizes: the appended fields are never read.
    install(plugins, "oldabi");
    Result r = omero({"oldabi", "say", "--word", "hello"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "hello\n");
    r = omero({"probe", "hops", "--run"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("oldabi: OLD1__0 -> OLD2__0 (an old hop)\noldabi check\nrc=0"), std::string::npos) << r.out;
}

TEST_F(Host, GroupsNeedNotBeDeclared) {
    Result r = omero({"probe", "nested", "deeper"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "deep\n");
    r = omero({"help", "probe", "nested"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("deeper"), std::string::npos) << r.out;
}

}  // namespace
