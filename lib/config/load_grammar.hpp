// load_grammar.hpp - the line grammar of `config load` and `config edit`,
// as omero-py reads it: strip the line; skip blanks and '#' comments; a
// stripped line ending in '\' is joined, verbatim and without a separator, to
// the next raw line; split on the first '='; no '=' gives an empty value; an
// empty key is skipped. Keys and values are not stripped again.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace omero::config {

std::vector<std::pair<std::string, std::string>> parse_load_lines(std::string_view text);

// Empty when text is valid UTF-8, else a message naming the byte and position.
std::string utf8_problem(std::string_view text);

}  // namespace omero::config
