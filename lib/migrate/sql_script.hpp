// sql_script.hpp - an OMERO SQL script as a list of statements.
//
// The release scripts are written for psql: they carry their own BEGIN and
// COMMIT, dollar-quoted function bodies, comments, E'' strings, `;;`, and a
// few psql meta-commands (\set with :VAR interpolation, \timing). We split
// them ourselves so that each statement can be reported (n/N, file:line) and
// the whole script run in one transaction we control.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace omero::migrate {

struct Statement {
    std::string sql;
    size_t line = 0;                   // 1-based line of its first character
    bool transaction_control = false;  // BEGIN / COMMIT / ...: the caller owns the transaction
    bool non_transactional = false;    // VACUUM, CREATE INDEX CONCURRENTLY, ...
    std::string echo;                  // for \echo: text to print, sql empty

    std::string first_line() const;
};

struct ScriptError : std::runtime_error {
    ScriptError(size_t line, const std::string& msg) : std::runtime_error(msg), line(line) {}
    size_t line;
};

// Throws ScriptError for an unterminated quote or comment, or an unsupported
// psql meta-command.
std::vector<Statement> split_sql(std::string_view text, std::map<std::string, std::string> vars = {});

}  // namespace omero::migrate
