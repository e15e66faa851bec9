// config_service.hpp - the host's config service, backed by the config store
// (plugins/config/config_store.hpp) on $OMERODIR/etc/grid/config.xml.
#pragma once

#include "services.hpp"

#include <optional>
#include <string>

namespace omero::host {

int config_get(omero_host& h, const std::string& key, omero_sink sink, void* user);
int config_set(omero_host& h, const std::string& key, const std::optional<std::string>& value);

}  // namespace omero::host
