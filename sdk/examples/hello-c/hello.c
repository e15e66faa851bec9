/* omero hello-c [--times N]: a plugin in plain C, against <omero/plugin_abi.h>
 * alone. The C++ layer does all of this for you; this shows the contract. */
#include <omero/exit_codes.h>
#include <omero/plugin_abi.h>

#include <stdio.h>
#include <string.h>

/* Every table row starts with its size: the host reads only what it knows. */
static const omero_option_spec times = {
    .struct_size = sizeof(omero_option_spec),
    .name = "times",
    .value_name = "N",
    .help = "how many greetings",
    .default_value = "1",
    .type = OMERO_VALUE_INTEGER, /* checked by the host: 1..5 */
    .min_value = 1,
    .max_value = 5,
};
static const omero_option_spec* const options[] = {&times};

static int run_hello(const omero_host_api* api, omero_host* h, const omero_command_spec* spec,
                     const omero_invocation* inv) {
    (void)spec;
    /* Option values arrive canonical; a default arrives with count 0. */
    const omero_values* v = &inv->options[0];
    const omero_str* s = v->count ? &v->values[v->count - 1] : v->values;
    long n = 1;
    if (s) {
        char buf[16] = {0};
        memcpy(buf, s->ptr, s->len < sizeof buf - 1 ? s->len : sizeof buf - 1);
        sscanf(buf, "%ld", &n);
    }
    for (long i = 0; i < n; ++i) api->write(h, OMERO_STDOUT, "Hello from C!\n", 14);
    return OMERO_EXIT_OK;
}

static const omero_command_spec hello = {
    .struct_size = sizeof(omero_command_spec),
    .path = "hello-c",
    .summary = "Print a greeting (a plugin written in C)",
    .options = options,
    .n_options = 1,
    .run = run_hello,
};
static const omero_command_spec* const commands[] = {&hello};

static const omero_plugin_api plugin = {
    .struct_size = sizeof(omero_plugin_api),
    .name = "hello-c",
    .version = "1.0.0",
    .vendor = "Example Org",
    .summary = "Says hello in C (an example plugin)",
    .commands = commands,
    .n_commands = 1,
};

/* The one exported symbol: agree on an ABI version and hand over the table. */
__attribute__((visibility("default"))) int omero_plugin_negotiate(omero_negotiation* n) {
    if (!n || n->struct_size < sizeof(*n)) return OMERO_NEGOTIATE_FAILED;
    n->plugin_abi_min = n->plugin_abi_max = OMERO_ABI_VERSION;
    if (n->host_abi_min > OMERO_ABI_VERSION || n->host_abi_max < OMERO_ABI_VERSION) return OMERO_NEGOTIATE_INCOMPATIBLE;
    n->abi_chosen = OMERO_ABI_VERSION;
    n->plugin = &plugin;
    return OMERO_NEGOTIATE_OK;
}
