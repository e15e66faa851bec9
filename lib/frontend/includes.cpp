#include "frontend/includes.hpp"

#include "util/file.hpp"

#include <glob.h>

#include <algorithm>
#include <cctype>
#include <set>

namespace omero::frontend {

namespace fs = std::filesystem;

namespace {

struct Walk {
    const ConfRoot& c;
    fs::path root;
    std::vector<fs::path> files;
    std::set<fs::path> seen;

    // A pattern made absolute and expanded: matches in name order (as both
    // servers read them); a literal path that does not exist is none.
    std::vector<fs::path> expand(const std::string& pattern) const {
        fs::path p = pattern;
        if (p.is_relative()) p = root / p;
        std::vector<fs::path> out;
        glob_t g{};
        if (::glob(p.c_str(), 0, nullptr, &g) == 0)
            for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
        ::globfree(&g);
        return out;
    }

    std::string substitute(std::string s) const {
        for (size_t at; (at = s.find("${")) != std::string::npos;) {
            size_t end = s.find('}', at);
            if (end == std::string::npos) break;
            std::string name = s.substr(at + 2, end - at - 2), value;
            for (const std::string& e : c.env)
                if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=')
                    value = e.substr(name.size() + 1);
            s.replace(at, end - at + 1, value);
        }
        return s;
    }

    void include(const std::string& pattern, int depth) {
        for (const fs::path& p : expand(pattern)) {
            std::error_code ec;
            if (!c.nginx && fs::is_directory(p, ec)) {  // Apache reads a directory's files, recursively
                std::vector<fs::path> inside;
                for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
                     it.increment(ec))
                    if (it->is_regular_file(ec)) inside.push_back(it->path());
                std::sort(inside.begin(), inside.end());
                for (const fs::path& f : inside) read(f, depth);
            } else {
                read(p, depth);
            }
        }
    }

    void read(const fs::path& file, int depth) {
        std::error_code ec;
        fs::path real = fs::canonical(file, ec);
        if (ec) real = file;
        if (!seen.insert(real).second) return;
        files.push_back(real);
        if (depth > 32) return;
        std::optional<std::string> text;
        try {
            text = read_file_if_exists(real, 16 << 20);
        } catch (const std::exception&) {
        }
        if (!text) return;
        if (c.nginx)
            nginx_directives(*text, depth);
        else
            apache_directives(*text, depth);
    }

    // nginx's tokens: words, quoted strings, ';', '{', '}'; '#' to the end of
    // a line outside quotes. `include` is a directive where a word starts one.
    void nginx_directives(const std::string& t, int depth) {
        std::vector<std::string> words;  // the statement's so far
        for (size_t i = 0; i < t.size();) {
            char ch = t[i];
            if (std::isspace(static_cast<unsigned char>(ch))) {
                ++i;
            } else if (ch == '#') {
                i = t.find('\n', i);
                if (i == std::string::npos) break;
            } else if (ch == ';' || ch == '{' || ch == '}') {
                if (ch == ';' && words.size() == 2 && words[0] == "include") include(words[1], depth + 1);
                words.clear();
                ++i;
            } else {
                std::string w;
                if (ch == '"' || ch == '\'') {
                    size_t end = t.find(ch, i + 1);
                    if (end == std::string::npos) end = t.size();
                    w = t.substr(i + 1, end - i - 1);
                    i = end + 1;
                } else {
                    size_t end = i;
                    while (end < t.size() && !std::isspace(static_cast<unsigned char>(t[end])) && t[end] != ';' &&
                           t[end] != '{' && t[end] != '}')
                        ++end;
                    w = t.substr(i, end - i);
                    i = end;
                }
                words.push_back(std::move(w));
            }
        }
    }

    void apache_directives(const std::string& t, int depth) {
        for (size_t at = 0, nl; at < t.size(); at = nl + 1) {
            nl = t.find('\n', at);
            if (nl == std::string::npos) nl = t.size();
            std::string line = t.substr(at, nl - at);
            size_t b = line.find_first_not_of(" \t");
            if (b == std::string::npos || line[b] == '#') continue;
            size_t e = line.find_first_of(" \t", b);
            if (e == std::string::npos) continue;
            std::string name = line.substr(b, e - b);
            std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::tolower(ch); });
            std::string arg = line.substr(e);
            arg.erase(0, arg.find_first_not_of(" \t"));
            while (!arg.empty() && std::isspace(static_cast<unsigned char>(arg.back()))) arg.pop_back();
            if (arg.size() >= 2 && arg.front() == '"' && arg.back() == '"') arg = arg.substr(1, arg.size() - 2);
            arg = substitute(arg);
            if (name == "serverroot")
                root = arg;
            else if (name == "include" || name == "includeoptional")
                include(arg, depth + 1);
        }
    }
};

}  // namespace

std::vector<fs::path> included_files(const ConfRoot& c) {
    Walk w{c, c.nginx ? c.main.parent_path() : c.root, {}, {}};
    w.read(c.main, 0);
    return w.files;
}

}  // namespace omero::frontend
