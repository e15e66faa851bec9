// A plugin for the host's tests: every way a command can end, and a marker
// written when the library is loaded (to prove `help` loads nothing).
#include <omero/plugin.hpp>

#include <cstdlib>
#include <fstream>

using omero::sdk::Context;
using omero::sdk::Error;

__attribute__((constructor)) static void mark_loaded() {
    if (const char* f = std::getenv("OMERO_TEST_LOAD_MARKER")) std::ofstream(f, std::ios::app) << "probe\n";
}

static omero::sdk::Plugin make() {
    omero::sdk::Plugin p{"probe", "1.2.3", "omero tests", "Commands for testing the host"};
    p.command({.path = "probe", .summary = "Test commands"});
    p.command(
        {.path = "probe echo",
         .summary = "Print the parsed arguments",
         .options =
             {{.name = "opt", .short_name = 'o', .value_name = "X", .help = "a value", .flags = OMERO_OPT_REPEATABLE},
              {.name = "flag", .help = "a flag"},
              omero::sdk::json_option("JSON mode")},
         .args = {{"ARGS", "anything", OMERO_ARG_VARIADIC}},
         .run = [](Context& c) {
             std::string s = "flag=" + std::to_string(c.count("flag"));
             for (auto v : c.values("opt")) s += " opt=" + std::string(v);
             for (auto a : c.args()) s += " arg=" + std::string(a);
             if (c.json()) s += " json";
             c.out(s + "\n");
             return 0;
         }});
    p.command({.path = "probe throw", .summary = "Throw an exception", .run = [](Context&) -> int {
                   throw std::runtime_error("boom from the plugin");
               }});
    p.command({.path = "probe fail", .summary = "Fail with code 42", .run = [](Context&) -> int {
                   throw Error(42, "it failed on purpose");
               }});
    p.command(
        {.path = "probe exit", .summary = "Exit with CODE", .args = {{"CODE", "exit code"}}, .run = [](Context& c) {
             return std::stoi(std::string(c.arg(0)));
         }});
    p.command({.path = "probe dir",
               .summary = "Print the server dir",
               .options = {omero::sdk::json_option()},
               .flags = OMERO_CMD_NEEDS_SERVER_DIR,
               .run = [](Context& c) {
                   c.out(c.server_dir().string() + "\n");
                   return 0;
               }});
    p.command({.path = "probe config",
               .summary = "Get or set a property through the host",
               .args = {{"KEY", "key"}, {"VALUE", "value", OMERO_ARG_OPTIONAL}},
               .run = [](Context& c) {
                   if (c.arg_count() > 1) {
                       c.set_config(c.arg(0), c.arg(1));
                       return 0;
                   }
                   auto v = c.config(c.arg(0));
                   c.out(v ? *v + "\n" : "(unset)\n");
                   return 0;
               }});
    p.command({.path = "probe progress",
               .summary = "Report progress",
               .options = {omero::sdk::json_option("JSON events")},
               .run = [](Context& c) {
                   for (int i = 1; i <= 3; ++i) c.progress(i, 3, "step " + std::to_string(i));
                   c.progress_done();
                   return 0;
               }});
    p.command({.path = "probe hops",
               .summary = "List (and with --run, run) every plugin's upgrade hops",
               .options = {{.name = "run", .help = "run each hop against a recording context"}},
               .run = [](Context& c) {
                   std::string log;
                   omero_hop_context ctx{sizeof ctx};
                   ctx.db = &log;
                   ctx.exec_sql = [](void* db, const char* sql, size_t n) {
                       static_cast<std::string*>(db)->append("exec: ").append(sql, n).append("\n");
                       return 0;
                   };
                   ctx.query_column = [](void*, const char*, size_t, omero_sink, void*) { return 0; };
                   ctx.db_error = [](void*, omero_sink, void*) {};
                   for (const auto& h : c.hops()) {
                       c.out(h.plugin + ": " + h.from + " -> " + h.to + " (" + h.summary + ")" +
                             (h.usable ? "" : " unusable: " + h.reason) + "\n");
                       if (c.flag("run") && h.usable) {
                           // Loaded only now, to run it.
                           const omero_upgrade_hop* hop = c.load_hop(h);
                           int rc = hop->check ? hop->check(c.api(), c.host(), hop, &ctx) : 0;
                           if (rc == 0 && hop->run) rc = hop->run(c.api(), c.host(), hop, &ctx);
                           c.out(log + "rc=" + std::to_string(rc) + "\n");
                           log.clear();
                       }
                   }
                   return 0;
               }});
    p.command({.path = "probe typed",
               .summary = "Typed options: print their canonical values",
               .options = {{.name = "count",
                            .value_name = "N",
                            .help = "a number",
                            .type = OMERO_VALUE_INTEGER,
                            .min = 1,
                            .max = 10},
                           {.name = "wait",
                            .value_name = "DURATION",
                            .help = "a duration",
                            .default_value = "2s",
                            .type = OMERO_VALUE_DURATION},
                           {.name = "size", .value_name = "SIZE", .help = "a size", .type = OMERO_VALUE_SIZE},
                           {.name = "mode",
                            .value_name = "MODE",
                            .help = "a choice",
                            .type = OMERO_VALUE_CHOICE,
                            .choices = "fast|safe"},
                           {.name = "need", .value_name = "X", .help = "required", .flags = OMERO_OPT_REQUIRED}},
               .run = [](Context& c) {
                   auto n = [](std::optional<long long> v) { return v ? std::to_string(*v) : std::string("-"); };
                   c.out("count=" + n(c.integer("count")) + " wait=" + n(c.integer("wait")) +
                         " size=" + n(c.integer("size")) + " mode=" + std::string(c.value("mode").value_or("-")) +
                         " need=" + std::string(*c.value("need")) + "\n");
                   return 0;
               }});
    // Another command through the host: its output captured, its status returned.
    p.command({.path = "probe call",
               .summary = "Run another command through the host and report it",
               .options = {{.name = "capture", .help = "capture its stdout"}, omero::sdk::json_option()},
               .args = {{"WORDS", "the command", OMERO_ARG_VARIADIC}},
               .run = [](Context& c) {
                   std::vector<std::string> words;
                   for (auto a : c.args()) words.emplace_back(a);
                   std::string out, why;
                   int rc = c.run(words, c.flag("capture") ? &out : nullptr, &why);
                   c.err("called rc=" + std::to_string(rc) + " captured=[" + out + "] why=[" + why + "]\n");
                   return rc;
               }});
    p.command({.path = "probe getconf",
               .summary = "Read a property (the command does not declare it needs OMERODIR)",
               .args = {{"KEY", "property"}},
               .run = [](Context& c) {
                   c.out(c.config_or(c.arg(0), "(unset)") + "\n");
                   return 0;
               }});
    p.command(
        {.path = "probe nested deeper", .summary = "A command whose groups were not declared", .run = [](Context& c) {
             c.out("deep\n");
             return 0;
         }});
    p.hop({.from = "TEST1__0", .to = "TEST2__0", .summary = "a hop for tests", .run = [](omero::sdk::HopContext&) {
               return 0;
           }});
    return p;
}

OMERO_PLUGIN(make)
