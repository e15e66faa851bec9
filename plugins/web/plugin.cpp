// The `web` plugin: OMERO.web behind nginx or Apache, served by gunicorn.
// Each command lives in its own file with its table row (start.cpp is
// `omero web start`, ...); this file only lists them.
#include "web.hpp"

namespace {

omero::sdk::Plugin make_plugin() {
    omero::sdk::Plugin p{"web", OMERO_WEB_PLUGIN_VERSION, "omero developers",
                         "OMERO.web: nginx/Apache configuration, static files, gunicorn start/stop, diagnostics"};
    p.command({.path = "web",
               .summary = "Configure, start, stop and check OMERO.web",
               .help = "Settings: omero.web.* (application_server.host/.port, prefix, static_url, static_root,\n"
                       "wsgi_*); the interpreter that has omero-web, Django and gunicorn: omero.web.python\n"
                       "(else python3 on PATH). Pid file: $OMERODIR/var/django.pid."});
    using namespace omero::web;
    for (auto make : {start_command, stop_command, restart_command, status_command, config_command, syncmedia_command,
                      clearsessions_command, diagnostics_command, check_command})
        p.command(make());
    return p;
}

}  // namespace

OMERO_PLUGIN(make_plugin)
