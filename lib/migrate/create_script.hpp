// create_script.hpp - the SQL that creates a fresh OMERO database, as
// `omero db script` writes it, and OMERO's password hash.
#pragma once

#include <filesystem>
#include <string>

#include "util/clock.hpp"

namespace omero::migrate {

// base64(MD5([8-byte big-endian user id when salted] + UTF-8 password)), as
// ome.security.auth.PasswordUtil; a blank password stays blank.
std::string password_hash(const std::string& password, long long user_id, bool salted);

struct ScriptInput {
    std::filesystem::path sql_dir;  // sql/psql/<V>__<P>
    std::string version, patch;     // "OMERO5.4", "0"
    std::string password_hash;
    std::string time;         // ctime() text
    std::string script_name;  // %(SCRIPT)s
};

// Throws Error: 2 when the folder does not exist, 154 when a line cannot be formatted.
std::string generate_script(const ScriptInput& in);

}  // namespace omero::migrate
