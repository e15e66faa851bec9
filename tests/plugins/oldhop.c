/* A hop plugin as one built before the hop struct grew its declared checks,
 * fixes and shims: its omero_upgrade_hop ends at `flags`, and struct_size
 * says so. The engine must read only what is there and still run it. */
#include <omero/plugin_abi.h>

#include <stddef.h>
#include <string.h>

static int run(const omero_host_api *api, omero_host *h, const struct omero_upgrade_hop *hop,
               const omero_hop_context *ctx) {
    (void)api, (void)h, (void)hop;
    static const char sql[] = "CREATE TABLE oldhop_ran (id int)";
    return ctx->exec_sql(ctx->db, sql, strlen(sql));
}

static const omero_upgrade_hop hop = {
    offsetof(omero_upgrade_hop, checks), /* the size of the struct before it grew */
    "OMERO1.2__0", "OMERO1.3__0", "a hop from a plugin built against an older header",
    NULL, NULL, run, NULL, NULL, 0};
static const omero_upgrade_hop *const hops[] = {&hop};
static const omero_plugin_api plugin = {sizeof plugin, "oldhop", "0.0.1", "omero tests",
                                        "A hop plugin with the first hop struct", NULL, 0, hops, 1};

__attribute__((visibility("default"))) int omero_plugin_negotiate(omero_negotiation *n) {
    n->plugin_abi_min = n->plugin_abi_max = 1;
    if (n->host_abi_min > 1 || n->host_abi_max < 1) return OMERO_NEGOTIATE_INCOMPATIBLE;
    n->abi_chosen = 1;
    n->plugin = &plugin;
    return OMERO_NEGOTIATE_OK;
}
