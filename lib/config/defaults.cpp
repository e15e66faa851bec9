#include "config/defaults.hpp"

#include <algorithm>
#include <fstream>
#include <map>

namespace omero::config {

std::vector<std::pair<std::string, std::string>> read_properties_file(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::map<std::string, std::string> props;
    std::string line, joined;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("### END", 0) == 0) break;
        if (!joined.empty()) {
            line.erase(0, line.find_first_not_of(" \t"));
            line = joined + line;
            joined.clear();
        }
        size_t start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line[start] == '#' || line[start] == '!') continue;
        if (line.back() == '\\') {
            joined = line.substr(0, line.size() - 1);
            continue;
        }
        size_t eq = line.find('=');
        std::string key = line.substr(start, eq == std::string::npos ? std::string::npos : eq - start);
        key.erase(key.find_last_not_of(" \t") + 1);
        std::string value = eq == std::string::npos ? "" : line.substr(eq + 1);
        value.erase(0, value.find_first_not_of(" \t"));
        if (key.rfind("versions", 0) == 0 || key.rfind("omero.upgrades", 0) == 0 || key == "omero.version") continue;
        props[key] = value;
    }
    return {props.begin(), props.end()};
}

std::vector<std::pair<std::string, std::string>> server_defaults(const std::filesystem::path& server_dir) {
    return read_properties_file(server_dir / "etc/omero.properties");
}

}  // namespace omero::config
