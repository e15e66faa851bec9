/*
 * omero/exit_codes.h - every exit status `omero` and its plugins use.
 *
 * The numbers are stable. Where omero-py's `bin/omero` has a code, we exit
 * with what the shell sees from it: omero-py exits with its internal code
 * modulo 256, so its 333 reaches scripts as 77, 506 as 250, and so on (the
 * reference value is named in the comment). The README documents this table.
 */
#ifndef OMERO_EXIT_CODES_H
#define OMERO_EXIT_CODES_H

enum omero_exit_code {
    OMERO_EXIT_OK = 0,
    OMERO_EXIT_FAILURE = 1, /* a command failed; the message says why */
    OMERO_EXIT_USAGE = 2,   /* bad command line (argparse's 2) */

    /* db status / db upgrade --dry-run (omego's codes). */
    OMERO_EXIT_DB_UPGRADE_NEEDED = 2,
    OMERO_EXIT_CONFIG_NO_DEFAULT = 2, /* config: no default for a property ([514]) */
    OMERO_EXIT_DB_NOT_INITIALISED = 3,

    OMERO_EXIT_SERVER_DIR_MISSING = 8, /* $OMERODIR does not exist (reference 8) */
    OMERO_EXIT_DEBUG_CONFLICT = 9,     /* -d trace,profile (reference 9) */
    OMERO_EXIT_DEBUG_UNKNOWN = 10,     /* -d with an unknown word (reference 10) */

    /* Database. */
    OMERO_EXIT_DB_CONNECT = 20,         /* cannot connect: host/port/db/user named */
    OMERO_EXIT_DB_LOCKED = 21,          /* another upgrade holds the advisory lock */
    OMERO_EXIT_DB_BACKUP_FAILED = 22,   /* the backup before an upgrade failed */
    OMERO_EXIT_DB_SCRIPT_FAILED = 23,   /* a script failed and was rolled back */
    OMERO_EXIT_DB_PRECHECK_FAILED = 24, /* a hop's pre-check refused */
    OMERO_EXIT_DB_NO_PATH = 25,         /* no upgrade path; the missing file is named */
    OMERO_EXIT_DB_NOT_EMPTY = 26,       /* refusing to init/restore into a used database */
    OMERO_EXIT_DB_SCRIPT_FORMAT = 154,  /* db script: a line of the SQL cannot be formatted (reference 154) */

    /* upgrade (a whole server from one release to the next). */
    OMERO_EXIT_UPGRADE_NOT_READY = 27,   /* plan/run: a check refused (conflict, database, space); nothing changed */
    OMERO_EXIT_UPGRADE_IN_PROGRESS = 28, /* run: an earlier run is unfinished: resume or rollback it */
    OMERO_EXIT_UPGRADE_STEP_FAILED = 29, /* run/resume/rollback: a step failed; fix it, then resume (or rollback) */
    OMERO_EXIT_UPGRADE_NO_JOURNAL = 30,  /* resume/rollback: no upgrade journal under var/upgrade */

    /* config (reference value in brackets where it differs). */
    OMERO_EXIT_CONFIG_READ_ONLY = 77,     /* [333] Cannot modify <f> */
    OMERO_EXIT_CONFIG_LOCKED = 112,       /* Could not acquire lock on <f> */
    OMERO_EXIT_CONFIG_INVALID = 113,      /* config.xml cannot be read or parsed */
    OMERO_EXIT_CONFIG_EDITOR = 186,       /* [954] the editor failed */
    OMERO_EXIT_CONFIG_CANNOT_READ = 200,  /* [968] load: a file cannot be read */
    OMERO_EXIT_CONFIG_DUPLICATE = 246,    /* [502] load: Duplicate property */
    OMERO_EXIT_CONFIG_ILLEGAL_NAME = 250, /* [506] Illegal property name */
    OMERO_EXIT_CONFIG_NOT_JSON = 254,     /* [510] value is not JSON */
    OMERO_EXIT_CONFIG_NOT_A_LIST = 255,   /* [511] value is not a list */
    /* [512] remove of an unset key exits 1 (the reference wraps to 0),
     * [513] a value not in the list exits 1. */

    /* admin (reference value in brackets). */
    OMERO_EXIT_ADMIN_CANNOT_ACCESS = 10,   /* a file or directory the server needs cannot be used */
    OMERO_EXIT_ADMIN_MEMORY = 11,          /* the memory settings (omero.jvmcfg.*, templates.xml) are unusable */
    OMERO_EXIT_ADMIN_START_FAILED = 43,    /* the server did not come up in --wait; what failed is printed */
    OMERO_EXIT_ADMIN_STOP_FAILED = 44,     /* the server did not stop in --wait */
    OMERO_EXIT_ADMIN_RESTART_FAILED = 54,  /* restart: the stop failed */
    OMERO_EXIT_ADMIN_NO_INTERNAL_CFG = 62, /* [574] etc/internal.cfg missing: run admin rewrite */
    OMERO_EXIT_ADMIN_RUNNING = 108,        /* [876] start: the server already runs */
    OMERO_EXIT_ADMIN_SERVICE_ENV = 112,    /* omero.server.servicemanager.checkenv names an unset variable */

    /* web (reference value in brackets). */
    OMERO_EXIT_WEB_NOT_RUNNING = 1,      /* web status: OMERO.web is not running */
    OMERO_EXIT_WEB_ALREADY_STARTED = 94, /* [606] the pid file names a live gunicorn */
    OMERO_EXIT_WEB_SETUP_FAILED = 95,    /* [607] collectstatic / clearsessions failed; OMERO.web or Django missing */
    OMERO_EXIT_WEB_WORKER_CLASS = 97,    /* [609] omero.web.wsgi_worker_class is not sync or gevent */
    OMERO_EXIT_WEB_PORT_CONFLICT = 166,  /* [678] --http is the application server's port */
    OMERO_EXIT_WEB_SERVER_TYPE = 167,    /* [679] the templates need application_server wsgi-tcp */
    OMERO_EXIT_WEB_CHECK_FAILED = 168,   /* web config --check: the web server refused the file (ours) */
    OMERO_EXIT_WEB_NO_GUNICORN = 178,    /* [690] gunicorn cannot be imported by the interpreter */

    OMERO_EXIT_FILE_NOT_FOUND = 124,     /* --source FILE does not exist */
    OMERO_EXIT_NO_SERVER_DIR = 125,      /* OMERODIR is not set */
    OMERO_EXIT_PLUGIN_UNAVAILABLE = 126, /* the plugin for this command cannot be loaded */
    OMERO_EXIT_CANCELLED = 130           /* Ctrl-C (128 + SIGINT) */
};

#endif /* OMERO_EXIT_CODES_H */
