// pyjson.hpp - JSON the way Python's json module writes and compares it, so
// list-valued properties (config append/remove) read back byte-identical with
// omero-py: ", " and ": " separators, \uXXXX for non-ASCII, repr() floats.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace omero::config {

using Json = nlohmann::ordered_json;

// Throws Error(code) when text is not JSON.
Json py_loads(const std::string& text, int code, const std::string& message);
std::string py_dumps(const Json& v);
// Python ==: 1 == 1.0 == true; dicts compare without order.
bool py_equal(const Json& a, const Json& b);

}  // namespace omero::config
