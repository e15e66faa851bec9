// omero hello [--name WHO] [--shout]: the smallest useful plugin.
#include <omero/plugin.hpp>

#include <algorithm>
#include <cctype>

static omero::sdk::Plugin make() {
    omero::sdk::Plugin p{"hello", "1.0.0", "Example Org", "Says hello (an example plugin)"};
    p.command({.path = "hello",
               .summary = "Print a greeting",
               .options = {{.name = "name",
                            .short_name = 'n',
                            .value_name = "WHO",
                            .help = "whom to greet",
                            .default_value = "world"},
                           {.name = "shout", .help = "in capitals"}},
               .run = [](omero::sdk::Context& c) {
                   std::string text = "Hello, " + std::string(c.value("name").value_or("world")) + "!";
                   if (c.flag("shout"))
                       std::transform(text.begin(), text.end(), text.begin(),
                                      [](unsigned char ch) { return std::toupper(ch); });
                   c.out(text + "\n");
                   return 0;
               }});
    return p;
}

OMERO_PLUGIN(make)
