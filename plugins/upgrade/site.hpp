// site.hpp - the web server's site files for OMERO.web: those that name the
// old distribution by its real path are re-pointed at $OMERODIR after a
// symlink swap, and every running nginx/Apache that loads one tests and
// reloads its configuration.
#pragma once

#include "journal.hpp"

#include <string>
#include <vector>

namespace omero::upgrade {

// Site files of nginx and Apache (--web-conf, else those under /etc/nginx
// and /etc/apache2) that name the old distribution by its real path: after a
// symlink swap they must name $OMERODIR instead.
std::vector<Plan::WebFile> web_files(Context& c, const Plan& p);
// Writes a site file through its symlink and has every running nginx/Apache
// that loads it test its whole configuration and reload; when one refuses,
// `previous` is written back and Error names what the server said.
void apply_site_file(Context& c, const std::string& step, const std::string& path, const std::string& content,
                     const std::string& previous);

}  // namespace omero::upgrade
