#pragma once
namespace omero::host {
inline constexpr const char* kVersion = OMERO_VERSION_STRING;  // from CMake
}
