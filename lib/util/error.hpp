// error.hpp - the error type every layer of lib/ throws: the SDK's, so a
// plugin's handler lets it through unchanged and the SDK's thunk turns it
// into the exit status it carries.
#pragma once

#include <omero/error.hpp>
#include <omero/exit_codes.h>

namespace omero {
using Error = sdk::Error;
}  // namespace omero
