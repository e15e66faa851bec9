/* A plugin as the first release's header described it: every struct is
 * declared with the size it had then (before the appended fields). The host
 * must read only what such a plugin has, and run it unchanged. */
#include <omero/exit_codes.h>
#include <omero/plugin_abi.h>

#include <stddef.h>
#include <string.h>

#define OLD_OPTION_SIZE offsetof(omero_option_spec, type)
#define OLD_HOP_SIZE offsetof(omero_upgrade_hop, before)

static const omero_option_spec word = {
    .struct_size = OLD_OPTION_SIZE, .name = "word", .value_name = "W", .help = "what to say"};
static const omero_option_spec *const options[] = {&word};

static int run_say(const omero_host_api *api, omero_host *h, const omero_command_spec *spec,
                   const omero_invocation *inv) {
    (void)spec;
    const omero_values *v = &inv->options[0];
    if (v->count) api->write(h, OMERO_STDOUT, v->values[v->count - 1].ptr, v->values[v->count - 1].len);
    api->write(h, OMERO_STDOUT, "\n", 1);
    return OMERO_EXIT_OK;
}

static const omero_command_spec say = {.struct_size = sizeof(omero_command_spec),
                                       .path = "oldabi say",
                                       .summary = "Say a word (built against the first header)",
                                       .options = options,
                                       .n_options = 1,
                                       .run = run_say};
static const omero_command_spec *const commands[] = {&say};

static int check(const omero_host_api *api, omero_host *h, const omero_upgrade_hop *hop,
                 const omero_hop_context *ctx) {
    (void)hop;
    (void)ctx;
    api->write(h, OMERO_STDOUT, "oldabi check\n", 13);
    return 0;
}

static const omero_upgrade_hop hop = {.struct_size = OLD_HOP_SIZE,
                                      .from = "OLD1__0",
                                      .to = "OLD2__0",
                                      .summary = "an old hop",
                                      .check = check};
static const omero_upgrade_hop *const hops[] = {&hop};

static const omero_plugin_api plugin = {.struct_size = sizeof(omero_plugin_api),
                                        .name = "oldabi",
                                        .version = "1.0.0",
                                        .vendor = "omero tests",
                                        .summary = "A plugin of the first ABI release",
                                        .commands = commands,
                                        .n_commands = 1,
                                        .hops = hops,
                                        .n_hops = 1};

__attribute__((visibility("default"))) int omero_plugin_negotiate(omero_negotiation *n) {
    if (!n) return OMERO_NEGOTIATE_FAILED;
    n->plugin_abi_min = n->plugin_abi_max = 1;
    if (n->host_abi_min > 1 || n->host_abi_max < 1) return OMERO_NEGOTIATE_INCOMPATIBLE;
    n->abi_chosen = 1;
    n->plugin = &plugin;
    return OMERO_NEGOTIATE_OK;
}
