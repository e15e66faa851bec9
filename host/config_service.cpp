#include "config_service.hpp"

#include "config/config_store.hpp"
#include "services.hpp"

#include <cstdlib>

namespace omero::host {

static std::optional<config::Store> store_for(omero_host& h, int& rc) {
    if ((rc = check_server_dir(h)) != OMERO_OK) return std::nullopt;
    config::StoreOptions o;
    if (const char* p = std::getenv("OMERO_CONFIG")) o.env_profile = p;
    return config::Store(*h.server_dir / "etc/grid/config.xml", o);
}

int config_get(omero_host& h, const std::string& key, omero_sink sink, void* user) {
    try {
        if (!h.config_cache) {
            int rc = OMERO_OK;
            auto store = store_for(h, rc);
            if (!store) return rc;
            h.config_cache = std::make_shared<config::Document>(store->read());
        }
        std::optional<std::string> v = h.config_cache->get(key);
        if (!v) return OMERO_NOT_FOUND;
        sink(user, v->data(), v->size());
        return OMERO_OK;
    } catch (const std::exception& e) {
        h.last_error = e.what();
        return OMERO_E_FAILED;
    }
}

int config_set(omero_host& h, const std::string& key, const std::optional<std::string>& value) {
    try {
        int rc = OMERO_OK;
        auto store = store_for(h, rc);
        if (!store) return rc;
        store->update([&](config::Document& d) {
            if (value) {
                d.set(key, *value);
                return true;
            }
            return d.remove(key);
        });
        h.config_cache.reset();
        return OMERO_OK;
    } catch (const std::exception& e) {
        h.last_error = e.what();
        return OMERO_E_FAILED;
    }
}

}  // namespace omero::host
