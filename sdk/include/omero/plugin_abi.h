/*
 * omero/plugin_abi.h - the C boundary between the `omero` host and its plugins.
 *
 * This header is the whole contract. Rules that keep it stable:
 *   - one exported entry point per plugin: omero_plugin_negotiate();
 *   - the host offers an ABI range, the plugin picks one or refuses;
 *   - every struct starts with struct_size and only ever grows at the end:
 *     a reader touches a field only when OMERO_HAS_FIELD() says it is there;
 *   - strings cross as pointer + length (omero_str) or as NUL-terminated
 *     constants owned by the side that declared them;
 *   - whoever allocates frees: values the host hands out are borrowed for
 *     the duration of the call, or delivered through an omero_sink callback;
 *   - no exception, C++ type, RTTI or ownership crosses: a callback never
 *     returns by unwinding (the C++ layer catches everything at its thunks,
 *     and the host's sinks never throw);
 *   - the plugin exports omero_plugin_negotiate() and nothing else
 *     (cmake/OmeroPlugin.cmake links every plugin with a version script).
 *
 * Threads: the host calls a plugin from its main thread only. A plugin may
 * call write, log, cancelled, is_tty and json_mode from any thread; every
 * other host service from the thread the host called it on.
 *
 * Errors: a command returns its exit status (omero/exit_codes.h) and reports
 * its message with report_error() (the C++ layer does both for a thrown
 * omero::sdk::Error). Host services return an omero_status; last_error()
 * then says why.
 *
 * Plugin authors normally use the C++ layer in <omero/plugin.hpp>; a plugin
 * in plain C needs only this header (see examples/hello-c).
 */
#ifndef OMERO_PLUGIN_ABI_H
#define OMERO_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes. Bumped only for a real break. */
#define OMERO_ABI_VERSION 1u

#define OMERO_PLUGIN_ENTRY_NAME "omero_plugin_negotiate"

/* True when a struct that starts with struct_size carries `field`. */
#define OMERO_HAS_FIELD(ptr, type, field) \
    ((ptr) != NULL && (ptr)->struct_size >= offsetof(type, field) + sizeof(((type*)0)->field))

typedef struct omero_str {
    const char* ptr;
    size_t len;
} omero_str;

/* Receives a borrowed string; copy it before returning. */
typedef void (*omero_sink)(void* user, const char* ptr, size_t len);

typedef struct omero_host omero_host; /* opaque host context */
struct omero_upgrade_hop;
struct omero_hop_check;
struct omero_hop_fix;
struct omero_hop_shim;

/* Receives one upgrade hop contributed by `plugin` (valid for the process lifetime). */
typedef void (*omero_hop_sink)(void* user, const char* plugin, const struct omero_upgrade_hop* hop);
struct omero_hop_info;
/* Receives one hop as the plugins' manifests declare it (borrowed). */
typedef void (*omero_hop_info_sink)(void* user, const struct omero_hop_info* hop);
/* Receives one result row: n cells; a SQL NULL has ptr == NULL (borrowed). */
typedef void (*omero_row_sink)(void* user, size_t n, const omero_str* cells);

enum omero_stream { OMERO_STDOUT = 0, OMERO_STDERR = 1 };

enum omero_log_level {
    OMERO_LOG_TRACE = 0,
    OMERO_LOG_DEBUG = 1,
    OMERO_LOG_INFO = 2,
    OMERO_LOG_WARN = 3,
    OMERO_LOG_ERROR = 4
};

/* Status of host service calls. */
enum omero_status {
    OMERO_OK = 0,
    OMERO_NOT_FOUND = 1,        /* e.g. a config key that is not set */
    OMERO_E_FAILED = -1,        /* details from last_error() */
    OMERO_E_NO_SERVER_DIR = -2, /* OMERODIR is not set */
    OMERO_E_UNSUPPORTED = -3,
    OMERO_E_UNAVAILABLE = -4,       /* the plugin that would serve it cannot be used */
    OMERO_E_SERVER_DIR_MISSING = -5 /* OMERODIR is set but is not an existing directory */
};

/* Services the host hands to plugins. Append-only. */
typedef struct omero_host_api {
    uint32_t struct_size;
    omero_str host_version;

    /* Output. stream is an omero_stream. */
    void (*write)(omero_host* h, int stream, const char* ptr, size_t len);
    void (*log)(omero_host* h, int level, const char* ptr, size_t len);
    /* Non-zero when the user asked for JSON (--json). */
    int (*json_mode)(omero_host* h);
    /* One JSON value, written as one line on stdout. */
    void (*emit_json)(omero_host* h, const char* ptr, size_t len);
    /* Progress: a bar on a TTY, throttled lines otherwise, JSON events under --json. */
    void (*progress)(omero_host* h, uint64_t done, uint64_t total, const char* label, size_t label_len);
    void (*progress_done)(omero_host* h);

    /* The server directory ($OMERODIR): OMERO_OK, OMERO_E_NO_SERVER_DIR, or
     * OMERO_E_SERVER_DIR_MISSING (set, but not an existing directory). */
    int (*server_dir)(omero_host* h, omero_sink sink, void* user);

    /* Configuration properties of the active profile (etc/grid/config.xml).
     * config_get: OMERO_OK (sink called), OMERO_NOT_FOUND, or an error.
     * config_set: value NULL removes the key. */
    int (*config_get)(omero_host* h, const char* key, size_t key_len, omero_sink sink, void* user);
    int (*config_set)(omero_host* h, const char* key, size_t key_len, const char* value, size_t value_len);

    /* Non-zero once the user pressed Ctrl-C. */
    int (*cancelled)(omero_host* h);
    /* Non-zero when stream is a terminal. */
    int (*is_tty)(omero_host* h, int stream);
    /* The message of the last failed host call. */
    void (*last_error)(omero_host* h, omero_sink sink, void* user);
    /* Print "omero <command>: error: <msg>" on stderr. */
    void (*report_error)(omero_host* h, const char* ptr, size_t len);

    /* Every upgrade hop that usable plugins contribute, loading each plugin
     * that declares hops. A plugin that cannot be loaded is skipped with a
     * warning (it never hides the others). Prefer list_hops + load_hop. */
    int (*for_each_hop)(omero_host* h, omero_hop_sink sink, void* user);

    /* ---- appended after the first release (check OMERO_HAS_FIELD) ---- */

    /* Runs another command by its words ({"db", "status", "--json"}) in this
     * process, as if typed after `omero`, and returns its exit status. What
     * it writes through this API on stdout (text and JSON) goes to `out` when
     * out is not NULL, else to our stdout; its stderr, log and progress are
     * ours, except its error message when `out` is given: a caller that
     * captures a command's output reports its failure itself, and finds the
     * message in last_error(). Captured (`out` given), the command prints
     * exactly what it would for these words: JSON only when they ask for it
     * (add "--json" and read its last JSON line). Not captured, its output
     * joins ours, so under our --json it runs in JSON mode too (its text
     * becomes output events). (Built-in commands such as `plugin list` print
     * directly and are not captured.) A command whose plugin
     * is not installed or not usable returns 126 (OMERO_EXIT_PLUGIN_UNAVAILABLE)
     * with the package to install in last_error(). Main thread only; the
     * command may not be the one that is running (no recursion). The command
     * gets its own omero_host (a child of `h`, gone when it returns): `h` is
     * the same afterwards, except that config.xml is read afresh. */
    int (*run_command)(omero_host* h, const omero_str* argv, size_t argc, omero_sink out, void* user);

    /* Every hop the usable plugins' manifests declare; no plugin is loaded.
     * Also lists hops of plugins that cannot be used, with their reason, and
     * each first-party hop plugin this release ships that is not installed:
     * first-party hop plugins are named hop-<major>-<minor> after the release
     * their hop starts from, so such an entry has from = "OMERO<major>.<minor>"
     * (no patch; "OMERO3A" for hop-3-2, as every 3.x database version is
     * OMERO3A__<n>), an empty `to`, usable 0 and reason "not installed". */
    int (*list_hops)(omero_host* h, omero_hop_info_sink sink, void* user);

    /* Loads `plugin` and finds its hop from -> to. OMERO_OK and *out set,
     * OMERO_NOT_FOUND, or OMERO_E_UNAVAILABLE (reason in last_error()). */
    int (*load_hop)(omero_host* h, const char* plugin, const char* from, const char* to,
                    const struct omero_upgrade_hop** out);
} omero_host_api;

/* ---- command tables ------------------------------------------------------ */

enum omero_option_flags {
    OMERO_OPT_REPEATABLE = 1u << 0, /* may be given several times */
    OMERO_OPT_HIDDEN = 1u << 1,     /* accepted, not shown in help */
    OMERO_OPT_REQUIRED = 1u << 2,   /* the host refuses the command without it */
    OMERO_OPT_JSON = 1u << 3        /* a flag that switches the command's output to JSON */
};

/* What an option's value must be. The host checks it before the command
 * runs (exit 2 naming the option) and hands the handler a canonical form. */
enum omero_value_type {
    OMERO_VALUE_STRING = 0,   /* anything */
    OMERO_VALUE_INTEGER = 1,  /* a decimal integer; handed over as given */
    OMERO_VALUE_DURATION = 2, /* "90", "90s", "1.5m", "2h", "250ms": handed over as whole milliseconds */
    OMERO_VALUE_SIZE = 3,     /* "512", "64k", "10M", "2G", "1TiB" (1024-based): handed over as bytes */
    OMERO_VALUE_PATH = 4,     /* a non-empty path */
    OMERO_VALUE_CHOICE = 5    /* one of `choices` */
};

typedef struct omero_option_spec {
    uint32_t struct_size;
    const char* name;       /* long name without dashes: "dry-run" */
    char short_name;        /* 0 when there is none */
    const char* value_name; /* NULL for a flag, else e.g. "DIR" */
    const char* help;
    uint32_t flags;            /* omero_option_flags */
    const char* default_value; /* shown in help; NULL when none */
    /* appended: */
    uint32_t type;       /* omero_value_type (value options only) */
    const char* choices; /* OMERO_VALUE_CHOICE: "custom|directory" */
    int64_t min_value;   /* INTEGER, DURATION (ms), SIZE (bytes): inclusive */
    int64_t max_value;   /*   bounds, checked when min_value < max_value */
} omero_option_spec;

enum omero_arg_flags {
    OMERO_ARG_OPTIONAL = 1u << 0,
    OMERO_ARG_VARIADIC = 1u << 1 /* last argument only: takes the rest */
};

typedef struct omero_arg_spec {
    uint32_t struct_size;
    const char* name; /* "KEY" */
    const char* help;
    uint32_t flags; /* omero_arg_flags */
} omero_arg_spec;

/* The values given for one option: count is how often it was given (a flag
 * has count > 0 and no values). Values are in the canonical form of the
 * option's type. An option not given that has a default_value has count 0
 * and, since the first release after 1.0, values[0] = the default in
 * canonical form (so "60s" arrives as "60000"); otherwise values is NULL. */
typedef struct omero_values {
    size_t count;
    const omero_str* values;
} omero_values;

typedef struct omero_invocation {
    uint32_t struct_size;
    const char* command;         /* the full command path, "config get" */
    size_t n_options;            /* equals the spec's n_options */
    const omero_values* options; /* one per option, in spec order */
    size_t n_args;
    const omero_str* args; /* positional arguments, in order */
} omero_invocation;

struct omero_command_spec;
/* Returns the process exit code (see omero/exit_codes.h). */
typedef int (*omero_command_fn)(const omero_host_api* api, omero_host* h, const struct omero_command_spec* spec,
                                const omero_invocation* inv);

enum omero_command_flags {
    OMERO_CMD_NEEDS_SERVER_DIR = 1u << 0, /* host checks $OMERODIR first */
    OMERO_CMD_HIDDEN = 1u << 1,
    OMERO_CMD_GROUP = 1u << 2 /* only names a group: "config". A plugin
                                 need not declare its groups: the host
                                 adds "a" for "a b" when it is missing. */
};

typedef struct omero_command_spec {
    uint32_t struct_size;
    const char* path;    /* "config get"; a group is "config" */
    const char* summary; /* one line */
    const char* help;    /* longer text or NULL */
    const omero_option_spec* const* options;
    size_t n_options;
    const omero_arg_spec* const* args;
    size_t n_args;
    uint32_t flags;       /* omero_command_flags */
    omero_command_fn run; /* NULL for a group */
    void* user;           /* the plugin's own, passed back untouched */
} omero_command_spec;

/* ---- upgrade hops: the extension point for per-release plugins ------------
 *
 * A plugin may contribute hops (from -> to database versions, such as
 * "OMERO5.3__0" -> "OMERO5.4__0"). Hops are declared in the plugin's table,
 * so the manifest lists each one (from, to, summary, notes) and the host
 * finds which plugins serve a path without loading any; the plugins on the
 * path are loaded to run their checks (`db status`, the plan) and their
 * hops. `db upgrade` (the shared migration engine) runs one hop as ONE
 * transaction on ONE connection that it owns, in this order:
 *
 *   1. BEGIN
 *   2. the distribution's <FROM>-precheck.sql, inside a savepoint that is
 *      always rolled back
 *   3. the fixes the sysadmin asked for (`--fix NAME[:K=V,...]`), each one a
 *      declared omero_hop_fix, in the order given
 *   4. every declared omero_hop_check, inside a savepoint that is always
 *      rolled back: any row it returns refuses the hop, and every row is
 *      reported; then every plugin's check() - report problems; return
 *      non-zero to refuse. A refusal rolls the whole hop back. Under
 *      --dry-run and `db status` the transaction is READ ONLY here and
 *      dry_run is set.
 *   -- under --dry-run / db status nothing below runs; the transaction is rolled back
 *   5. every plugin's before()    - data fixes the release's script always needs
 *   6. the release's SQL script   - sql/psql/<TO>/<FROM>.sql, when the distribution
 *                                   has it, with every declared omero_hop_shim
 *                                   applied to its text (the file is never edited)
 *   7. every plugin's run()       - steps after the script
 *   8. the dbpatch row: the script writes it; for a hop that has no script,
 *      the engine inserts it after step 7 unless a plugin's hop sets
 *      OMERO_HOP_WRITES_DBPATCH (then that plugin's steps must insert it)
 *   9. the engine checks that dbpatch says <TO>, records the attempt in
 *      omero_cli_history (plugin name and version, shims and fixes included)
 *      and COMMITs
 *
 * Before anything changes (before the backup), `db upgrade` also runs every
 * declared check of every hop on the path read-only against today's
 * database: a check whose tables do not exist yet is deferred to its hop; a
 * check that finds rows refuses the whole run unless the fix it names in
 * fixed_by was asked for.
 *
 * Plugins of one hop run in plugin-name order. A callback must not COMMIT,
 * ROLLBACK or open a transaction (use SAVEPOINTs if it needs them); it
 * returns 0 to go on, non-zero to fail (after report_error() or with the
 * database's message available through db_error). Ctrl-C cancels the
 * statement on the server; the callback then sees a failure. Callbacks run
 * on the host's main thread.
 *
 * Declared checks, fixes and shims are data the engine runs itself, so a
 * hop plugin can be nothing but tables: see omero_hop_check, omero_hop_fix,
 * omero_hop_shim below and the complete example in the SDK README.
 */

enum omero_hop_phase { OMERO_HOP_CHECK = 0, OMERO_HOP_BEFORE = 1, OMERO_HOP_AFTER = 2 };

enum omero_hop_flags {
    OMERO_HOP_WRITES_DBPATCH = 1u << 0 /* this hop's steps insert the dbpatch row themselves */
};

/* What a hop is handed when it runs: the database, through the caller. */
typedef struct omero_hop_context {
    uint32_t struct_size;
    void* db; /* opaque, for the functions below */
    /* Run SQL in the caller's transaction. 0 ok, else failure (see db_error). */
    int (*exec_sql)(void* db, const char* sql, size_t len);
    /* Run a query; each row's first column goes to sink (NULLs are skipped:
     * use exec_params to see them). */
    int (*query_column)(void* db, const char* sql, size_t len, omero_sink sink, void* user);
    void (*db_error)(void* db, omero_sink sink, void* user);
    int dry_run; /* non-zero: read-only, report only */
    /* appended: */
    int phase; /* omero_hop_phase */
    /* One statement with $1..$n bound as text (a NULL ptr binds SQL NULL);
     * each result row goes to row_sink (may be NULL). 0 ok, else failure. */
    int (*exec_params)(void* db, const char* sql, size_t len, size_t n_params, const omero_str* params,
                       omero_row_sink row_sink, void* user);
} omero_hop_context;

typedef int (*omero_hop_fn)(const omero_host_api* api, omero_host* h, const struct omero_upgrade_hop* hop,
                            const omero_hop_context* ctx);

typedef struct omero_upgrade_hop {
    uint32_t struct_size;
    const char* from; /* "OMERO5.3__0" */
    const char* to;   /* "OMERO5.4__0" */
    const char* summary;
    const char* notes;  /* shown to the sysadmin in the plan and before the hop; may be NULL */
    omero_hop_fn check; /* step 4; may be NULL */
    omero_hop_fn run;   /* step 7; may be NULL */
    void* user;
    /* appended: */
    omero_hop_fn before; /* step 5; may be NULL */
    uint32_t flags;      /* omero_hop_flags */
    /* appended: declarations the engine runs itself (arrays may be NULL with n 0) */
    const struct omero_hop_check* const* checks;
    size_t n_checks;
    const struct omero_hop_fix* const* fixes;
    size_t n_fixes;
    const struct omero_hop_shim* const* shims;
    size_t n_shims;
    /* Which release ships this hop's script, named when a distribution lacks
     * it: "OMERO.server 5.1.2 to 5.5.1 (sql/psql/OMERO5.1__1/OMERO5.0__0.sql)". May be NULL. */
    const char* shipped_in;
} omero_upgrade_hop;

/* A pre-flight check: ONE read-only query whose every row is an offending
 * item, as five columns (any type; read as text, NULL allowed):
 *     what (e.g. "DatasetImageLink"), id, group_id, owner_id, detail
 * No rows: the check passes; rows of another width fail the hop (24). It
 * must work on the hop's FROM schema and
 * should be cheap on a large database (it also runs under `db status`). */
typedef struct omero_hop_check {
    uint32_t struct_size;
    const char* name;    /* ^[a-z0-9][a-z0-9.-]*$, unique in the hop: "cross-group-links" (another
                          * name, here or in fixed_by or a fix's name, makes the hop unusable: 126) */
    const char* summary; /* what a row means: "data linked across groups, which 4.2 forbids" */
    const char* sql;
    const char* fixed_by; /* the name of the fix that resolves it, or NULL (then say how in summary) */
} omero_hop_check;

/* A data fix, run only when the sysadmin asks: `--fix NAME[:K=V,...]`. Its
 * SQL is either a file the distribution ships in the hop's folder
 * (sql/psql/<TO>/<script>) or the plugin's own text; both are split like a
 * release script (their own BEGIN/COMMIT are ignored: the fix runs inside
 * the hop's transaction), and :K in them is replaced by the value given for
 * K. Values must be integers (database ids): nothing else is substituted. */
typedef struct omero_hop_fix {
    uint32_t struct_size;
    const char* name; /* ^[a-z0-9][a-z0-9.-]*$, unique on an upgrade path: "move-to-group" */
    const char* summary;
    const char* params; /* space-separated parameter names ("GRP USR"), all required; NULL for none */
    const char* script; /* a distribution file in the hop's folder, or NULL */
    const char* sql;    /* else the fix's own SQL */
} omero_hop_fix;

/* A compatibility shim: an exact text replacement made in memory on the
 * release's script before it is split (the file is never edited). The
 * engine counts the occurrences of `find` and refuses the hop, naming the
 * shim, when the count is outside [min_count, max_count]: then the script is
 * not the one the shim was written for. min_count 0 makes it optional (a
 * later release already fixed the script). */
typedef struct omero_hop_shim {
    uint32_t struct_size;
    const char* why; /* "PostgreSQL >= 9.5 rejects RAISE '%%' with a parameter" */
    const char* find;
    const char* replace;
    uint32_t min_count;
    uint32_t max_count;
} omero_hop_shim;

/* A hop as a manifest declares it (list_hops). */
typedef struct omero_hop_info {
    uint32_t struct_size;
    omero_str plugin; /* "hop-5-3" */
    omero_str plugin_version;
    omero_str from, to, summary, notes;
    uint32_t flags; /* omero_hop_flags */
    int usable;     /* 0: the plugin cannot be loaded; reason says why */
    omero_str reason;
    omero_str package; /* the package that installs the plugin, when known */
} omero_hop_info;

/* ---- negotiation ----------------------------------------------------------- */

typedef struct omero_plugin_api {
    uint32_t struct_size;
    const char* name; /* ^[a-z][a-z0-9-]*$ */
    const char* version;
    const char* vendor;
    const char* summary;
    const omero_command_spec* const* commands;
    size_t n_commands;
    const omero_upgrade_hop* const* hops;
    size_t n_hops;
} omero_plugin_api;

enum omero_negotiate_result {
    OMERO_NEGOTIATE_OK = 0,
    OMERO_NEGOTIATE_INCOMPATIBLE = 1, /* no common ABI version */
    OMERO_NEGOTIATE_FAILED = 2        /* the plugin could not initialise */
};

typedef struct omero_negotiation {
    uint32_t struct_size;
    uint32_t host_abi_min;          /* in */
    uint32_t host_abi_max;          /* in */
    const omero_host_api* host_api; /* in: valid for the process lifetime */
    omero_host* host;               /* in: the root context, valid for the process lifetime; each
                                     * call passes the context of its own command: use that one */
    uint32_t abi_chosen;            /* out */
    uint32_t plugin_abi_min;        /* out, also when refusing */
    uint32_t plugin_abi_max;        /* out, also when refusing */
    const omero_plugin_api* plugin; /* out: valid for the process lifetime */
} omero_negotiation;

/* The one symbol a plugin exports. Returns an omero_negotiate_result. */
typedef int (*omero_plugin_negotiate_fn)(omero_negotiation* n);

#ifdef __cplusplus
}
#endif

#endif /* OMERO_PLUGIN_ABI_H */
