// omero/error.hpp - the one error type of the C++ layer: a message and the
// exit status it maps to (see omero/exit_codes.h).
//
// Throw it from a command handler or a hop callback; the SDK's thunks catch
// it before the C boundary, print "omero <command>: error: <message>" on
// stderr (or a JSON error object under --json) and return the code.
#ifndef OMERO_ERROR_HPP
#define OMERO_ERROR_HPP

#include <stdexcept>
#include <string>

namespace omero::sdk {

class Error : public std::runtime_error {
public:
    Error(int code, const std::string& message) : std::runtime_error(message), code_(code) {}
    int code() const noexcept { return code_; }

private:
    int code_;
};

}  // namespace omero::sdk

#endif  // OMERO_ERROR_HPP
