#include "migrate/create_script.hpp"

#include "util/file.hpp"

#include <omero/exit_codes.h>

#include <openssl/evp.h>

#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

namespace fs = std::filesystem;

namespace omero::migrate {

std::string password_hash(const std::string& password, long long user_id, bool salted) {
    if (password.empty()) return "";
    std::string input;
    if (salted)
        for (int shift = 56; shift >= 0; shift -= 8)
            input += static_cast<char>((static_cast<unsigned long long>(user_id) >> shift) & 0xFF);
    input += password;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(input.data(), input.size(), md, &len, EVP_md5(), nullptr);
    unsigned char b64[64];
    int n = EVP_EncodeBlock(b64, md, static_cast<int>(len));
    return std::string(reinterpret_cast<char*>(b64), static_cast<size_t>(n));
}

// Python's `line % mapping` for the fields omero db script uses.
static std::string percent_format(const std::string& line, const std::map<std::string, std::string>& cfg) {
    std::string out;
    for (size_t i = 0; i < line.size(); ++i) {
        if (line[i] != '%') {
            out += line[i];
            continue;
        }
        if (i + 1 < line.size() && line[i + 1] == '%') {
            out += '%';
            ++i;
            continue;
        }
        size_t close = line.find(")s", i);
        if (i + 1 < line.size() && line[i + 1] == '(' && close != std::string::npos) {
            auto it = cfg.find(line.substr(i + 2, close - i - 2));
            if (it != cfg.end()) {
                out += it->second;
                i = close + 1;
                continue;
            }
        }
        throw Error(OMERO_EXIT_DB_SCRIPT_FORMAT, "Failed to map line: " + line);
    }
    return out;
}

static void format_lines(std::string& out, const std::string& text, const std::map<std::string, std::string>& cfg,
                         const std::map<std::string, std::string>& replace, bool percent = true) {
    size_t pos = 0;
    while (pos < text.size()) {
        size_t nl = text.find('\n', pos);
        std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos + 1);
        pos = nl == std::string::npos ? text.size() : nl + 1;
        for (auto& [from, to] : replace)
            for (size_t p = 0; (p = line.find(from, p)) != std::string::npos; p += to.size())
                line.replace(p, from.size(), to);
        out += percent ? percent_format(line, cfg) : line;
    }
}

std::string generate_script(const ScriptInput& in) {
    if (!fs::is_directory(in.sql_dir))
        throw Error(OMERO_EXIT_USAGE, "Invalid Database version/patch: " + in.sql_dir.string() + " does not exist");
    const std::map<std::string, std::string> cfg = {
        {"TIME", in.time}, {"DIR", in.sql_dir.string()}, {"SCRIPT", in.script_name}};
    const std::map<std::string, std::string> replace = {
        {"@ROOTPASS@", in.password_hash}, {"@DBVERSION@", in.version}, {"@DBPATCH@", in.patch}};
    std::string out;
    if (fs::exists(in.sql_dir / "psql-header.sql")) {
        format_lines(out, read_file(in.sql_dir / "psql-header.sql"), cfg, {});
        out += read_file(in.sql_dir / "schema.sql");
        out += read_file(in.sql_dir / "views.sql");
        format_lines(out, read_file(in.sql_dir / "psql-footer.sql"), cfg, replace);
    } else {
        // Before 4.3: schema, data (with the placeholders), views, in one transaction.
        out = "--\n-- GENERATED " + in.time + " from " + in.sql_dir.string() +
              "\n--\n"
              "-- This file was created by the `omero db script` command\n--\n\nBEGIN;\n";
        out += read_file(in.sql_dir / "schema.sql");
        std::string data;
        format_lines(data, read_file(in.sql_dir / "data.sql"), {}, replace, /*percent=*/false);
        out += data;
        out += read_file(in.sql_dir / "views.sql");
        out += "\nCOMMIT;\n";
    }
    return out;
}

}  // namespace omero::migrate
