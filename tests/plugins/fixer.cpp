// A hop plugin for the db tests, shaped like a per-release plugin: a check
// that reports every offending row and refuses, a fix that runs before the
// release's script (only when asked: FIXER_FIX=1), a step after it with a
// NULL parameter, and a hop no script serves (the engine writes dbpatch);
// with FIXER_BROKEN_CHECK=1 a declared check whose SQL cannot run.
#include <omero/plugin.hpp>

#include <cstdlib>

using omero::sdk::HopContext;

static bool fixing() { return std::getenv("FIXER_FIX") != nullptr; }

static omero::sdk::Plugin make() {
    omero::sdk::Plugin p{"fixer", "0.0.1", "omero tests", "Checks and fixes for the demo hops"};
    omero::sdk::Hop first{
        .from = "OMERO1.1__0",
        .to = "OMERO1.2__0",
        .summary = "images need an acquisition date",
        .notes = "images without an acquisition date are dated 2001-01-01 by the fix",
        .check =
            [](HopContext& c) {
                auto rows = c.query("SELECT id::text, owner_id::text FROM image WHERE acquired IS NULL ORDER BY id");
                if (rows.empty() || fixing()) return 0;
                for (const auto& r : rows) c.out("image " + *r[0] + " (owner " + *r[1] + ") has no acquisition date\n");
                // Proves the refusal is rolled back: this table must never be seen.
                if (!c.dry_run()) c.exec("CREATE TABLE fixer_marker (x int)");
                return 1;
            },
        .run =
            [](HopContext& c) {
                c.exec("CREATE TABLE fixer_after (v text, was_null boolean)");
                auto rows =
                    c.query("INSERT INTO fixer_after VALUES ($1::text, $1::text IS NULL) RETURNING was_null::text",
                            {std::nullopt});
                return rows.size() == 1 && rows[0][0] == "true" ? 0 : 2;
            },
        .before =
            [](HopContext& c) {
                if (fixing())
                    c.query("UPDATE image SET acquired = $1::timestamp WHERE acquired IS NULL", {"2001-01-01"});
                return 0;
            }};
    // FIXER_BROKEN_CHECK=1: a declared check whose SQL is the plugin's mistake.
    if (std::getenv("FIXER_BROKEN_CHECK"))
        first.checks.push_back({.name = "broken",
                                .summary = "a check that cannot run",
                                .sql = "SELECT no_such_column, 1, 2, 3, 4 FROM image"});
    p.hop(std::move(first));
    p.hop({.from = "OMERO1.2__0", .to = "OMERO1.3__0", .summary = "a hop no script serves", .run = [](HopContext& c) {
               c.exec("ALTER TABLE image ADD COLUMN fixed boolean");
               return 0;
           }});
    return p;
}

OMERO_PLUGIN(make)
