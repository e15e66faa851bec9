// ports.hpp - who listens on a TCP port of this machine (from /proc), so a
// port conflict can be named instead of ending in a bare "address in use".
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace omero {

// "PID 123 (nginx)" for the process listening on `port` (any address;
// several when children inherited the socket, ours left out), "another
// user's process" when /proc hides it; nullopt when none listens.
// With `pids`, also every holder's pid (to tell whether one is a given
// process or its child), from the same look at /proc.
std::optional<std::string> port_listener(int port, std::vector<long>* pids = nullptr);

}  // namespace omero
