// `omero db init`: create the OMERO schema in a new database, in one transaction.
#include "db.hpp"
#include "migrate/create_script.hpp"

namespace omero::db {

namespace {

int run(Context& c) {
    ConnParams p = conn_params(c);
    auto [v, patch] = script_version(c);
    std::string hash = password_hash(root_password(c), 0, !c.flag("no-salt"));
    const auto dir = sql_root(c) / (v + "__" + patch);
    std::string text = generate_script({dir, v, patch, hash, ctime_text(), "omero db init"});
    std::vector<Statement> statements;
    try {
        statements = split_sql(text);
    } catch (const ScriptError& e) {
        throw Error(OMERO_EXIT_FAILURE, "generated script line " + std::to_string(e.line) + ": " + e.what());
    }
    std::optional<Pg> db;
    try {
        db.emplace(Pg::connect(p, true));
    } catch (const Error& e) {
        if (std::string(e.what()).find("does not exist") == std::string::npos) throw;
        // Create the database, owned by the OMERO user, as the upgrade guide does.
        ConnParams maint = p;
        maint.dbname = "postgres";
        Pg m = Pg::connect(maint, true);
        m.exec("CREATE DATABASE " + quote_ident(p.dbname) + " OWNER " + quote_ident(p.user) +
               " ENCODING 'UTF8' TEMPLATE template0");
        c.err("created database " + p.dbname + "\n");
        db.emplace(Pg::connect(p, true));
    }
    if (auto cur = current_version(*db))
        throw Error(OMERO_EXIT_DB_NOT_EMPTY, "database " + p.dbname + " is already initialised (at " + cur->name +
                                                 "); use 'omero db upgrade', or init another --name");
    if (size_t tables = user_table_count(*db); tables > 0)
        throw Error(OMERO_EXIT_DB_NOT_EMPTY, "database " + p.dbname + " holds " + std::to_string(tables) +
                                                 " tables of something else; OMERO's schema will not be built beside "
                                                 "them: init another --name");
    HostReporter r(c);
    run_in_transaction(r, *db, statements, dir.string());
    analyze_user_tables(*db);
    c.out("database " + p.dbname + " initialised at " + v + "__" + patch + "\n");
    return 0;
}

}  // namespace

Command init_command() {
    return {
        .path = "db init",
        .summary = "Create the OMERO schema in a new database, in one transaction",
        .help =
            "Creates the database (owned by omero.db.user) when it does not exist. The root password\n"
            "comes from --password, OMERO_ROOT_PASSWORD or a prompt.",
        .options = with_conn({
            {.name = "version",
             .value_name = "V",
             .help = "e.g. OMERO5.4 (default: omero.db.version, else the newest)"},
            {.name = "patch", .value_name = "P", .help = "e.g. 0", .type = OMERO_VALUE_INTEGER, .min = 0, .max = 1000},
            {.name = "password", .value_name = "PW", .help = "the OMERO root password"},
            {.name = "no-salt", .help = "hash the root password without salt"},
        }),
        .flags = OMERO_CMD_NEEDS_SERVER_DIR,
        .run = run};
}

}  // namespace omero::db
