// sha256.hpp - SHA-256 in hex (OpenSSL's libcrypto), for the scripts an
// upgrade runs: the digest recorded is of the very bytes that were split and run.
#pragma once

#include <string>
#include <string_view>

namespace omero::migrate {

std::string sha256_hex(std::string_view data);

}  // namespace omero::migrate
