// `omero db password`: print the SQL that sets a user's password.
#include "db.hpp"
#include "migrate/create_script.hpp"

namespace omero::db {

namespace {

int run(Context& c) {
    long long id = *c.integer("user-id");
    std::string hash;
    if (!c.flag("empty")) {
        std::string pw = c.arg_count() ? std::string(c.arg(0)) : root_password(c);
        hash = password_hash(pw, id, !c.flag("no-salt"));
    }
    c.out("UPDATE password SET hash = '" + hash + "' WHERE experimenter_id = " + std::to_string(id) + ";\n");
    return 0;
}

}  // namespace

Command password_command() {
    return {.path = "db password",
            .summary = "Print the SQL that sets a user's password",
            .options =
                {
                    {.name = "user-id",
                     .value_name = "ID",
                     .help = "the experimenter id",
                     .default_value = "0",
                     .type = OMERO_VALUE_INTEGER},
                    {.name = "no-salt", .help = "hash without salt"},
                    {.name = "empty", .help = "an empty password"},
                },
            .args = {{"PASSWORD", "the password (prompted when absent)", OMERO_ARG_OPTIONAL}},
            .run = run};
}

}  // namespace omero::db
