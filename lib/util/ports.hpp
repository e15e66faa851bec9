// ports.hpp - who listens on a TCP port of this machine (from /proc), so a
// port conflict can be named instead of ending in a bare "address in use".
#pragma once

#include <optional>
#include <string>

namespace omero {

// "PID 123 (nginx)" for the process listening on `port` (any address;
// several when children inherited the socket, ours left out), "another
// user's process" when /proc hides it; nullopt when none listens.
std::optional<std::string> port_listener(int port);

}  // namespace omero
