#include "migrate/sql_script.hpp"

#include <algorithm>
#include <cctype>

namespace omero::migrate {

namespace {

bool ident_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80); }
bool ident_char(char c) { return ident_start(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$'; }

std::string upper_words(std::string_view s, size_t n) {
    std::string out;
    size_t i = 0, words = 0;
    while (i < s.size() && words < n) {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
        size_t start = i;
        while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
        if (i == start) break;
        if (!out.empty()) out += ' ';
        for (size_t k = start; k < i; ++k) out += static_cast<char>(std::toupper(static_cast<unsigned char>(s[k])));
        ++words;
    }
    return out;
}

void classify(Statement& st) {
    std::string w1 = upper_words(st.sql, 1), w2 = upper_words(st.sql, 2), w3 = upper_words(st.sql, 3);
    // psql would roll the script's work back here; we run a hop as one
    // transaction of our own and would commit it: refuse rather than differ.
    if ((w1 == "ROLLBACK" && w2 != "ROLLBACK TO") || w1 == "ABORT")
        throw ScriptError(st.line, w1 + " ends the script's own transaction, which this tool does not reproduce "
                                        "(each hop is one transaction); the script cannot run here");
    // psql would feed the lines after it as data; we cannot.
    std::string all = w1 == "COPY" ? st.sql : std::string();
    for (char& c : all)
        c = std::isspace(static_cast<unsigned char>(c))
                ? ' '
                : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (w1 == "COPY" && all.find(" FROM STDIN") != std::string::npos)
        throw ScriptError(st.line,
                          "COPY ... FROM stdin with inline data is not supported; load the data with "
                          "INSERT, or COPY from a server-side file");
    st.transaction_control = w1 == "BEGIN" || w1 == "COMMIT" || w1 == "END" ||
                             (w1 == "ROLLBACK" && w2 != "ROLLBACK TO") || w2 == "START TRANSACTION";
    std::string up = upper_words(st.sql, 6);
    st.non_transactional = w1 == "VACUUM" || w2 == "CREATE DATABASE" || w2 == "DROP DATABASE" || w2 == "ALTER SYSTEM" ||
                           up.find(" CONCURRENTLY") != std::string::npos;
}

// psql's \set value: words joined, '...' quoted with '' for a quote.
std::string psql_value(std::string_view s) {
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
        if (std::isspace(static_cast<unsigned char>(s[i]))) {
            ++i;
            continue;
        }
        if (s[i] == '\'') {
            ++i;
            while (i < s.size()) {
                if (s[i] == '\'' && i + 1 < s.size() && s[i + 1] == '\'') {
                    out += '\'';
                    i += 2;
                } else if (s[i] == '\'') {
                    ++i;
                    break;
                } else {
                    out += s[i++];
                }
            }
        } else {
            while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) out += s[i++];
        }
    }
    return out;
}

}  // namespace

std::string Statement::first_line() const {
    if (!echo.empty()) return "\\echo " + echo;
    size_t start = sql.find_first_not_of(" \t\r\n");
    if (start == std::string::npos) return {};
    size_t end = sql.find('\n', start);
    std::string line = sql.substr(start, end == std::string::npos ? std::string::npos : end - start);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    return line;
}

namespace {

// The one notion of white space (isspace's: \v and \f too), so that a
// statement's start and its trimming agree.
size_t first_non_space(const std::string& s) {
    for (size_t i = 0; i < s.size(); ++i)
        if (!std::isspace(static_cast<unsigned char>(s[i]))) return i;
    return std::string::npos;
}

}  // namespace

std::vector<Statement> split_sql(std::string_view text, std::map<std::string, std::string> vars) {
    std::vector<Statement> out;
    Statement cur;
    size_t line = 1;
    bool at_line_start = true;
    auto flush = [&] {
        size_t first = first_non_space(cur.sql);
        if (first != std::string::npos) {
            cur.sql.erase(0, first);
            while (!cur.sql.empty() && std::isspace(static_cast<unsigned char>(cur.sql.back()))) cur.sql.pop_back();
            classify(cur);
            out.push_back(std::move(cur));
        }
        cur = Statement{};
    };
    auto mark_start = [&] {
        if (first_non_space(cur.sql) == std::string::npos) cur.line = line;
    };

    size_t i = 0;
    const size_t n = text.size();
    while (i < n) {
        char c = text[i];
        // psql meta-command: a backslash first on a line, outside any statement text.
        if (at_line_start && c == '\\' && first_non_space(cur.sql) == std::string::npos) {
            size_t eol = text.find('\n', i);
            std::string_view cmd = text.substr(i + 1, (eol == std::string_view::npos ? n : eol) - i - 1);
            size_t sp = cmd.find_first_of(" \t");
            std::string name(cmd.substr(0, sp));
            std::string_view rest = sp == std::string_view::npos ? std::string_view() : cmd.substr(sp + 1);
            if (name == "set") {
                size_t a = rest.find_first_not_of(" \t");
                size_t b = a == std::string_view::npos ? a : rest.find_first_of(" \t", a);
                if (a == std::string_view::npos) throw ScriptError(line, "\\set without a variable name");
                vars[std::string(rest.substr(a, b - a))] =
                    b == std::string_view::npos ? "" : psql_value(rest.substr(b));
            } else if (name == "unset") {
                vars.erase(std::string(psql_value(rest)));
            } else if ((name == "echo" || name == "qecho") && !rest.empty()) {
                // (An \echo of nothing prints an empty line: nothing worth a statement.)
                Statement e;
                e.line = line;
                e.echo = std::string(rest);
                out.push_back(std::move(e));
            } else if (name == "echo" || name == "qecho" || name == "timing" || name == "pset" || name == "x" ||
                       name == "a" || name == "t" || name == "encoding" || name == "set_client_encoding") {
                // Display settings: no effect on what the script does.
            } else {
                throw ScriptError(line, "unsupported psql meta-command \\" + name);
            }
            i = eol == std::string_view::npos ? n : eol;
            continue;
        }
        at_line_start = false;
        if (c == '\n') {
            cur.sql += c;
            ++line;
            ++i;
            at_line_start = true;
            continue;
        }
        if (c == '-' && i + 1 < n && text[i + 1] == '-') {  // comment to end of line
            size_t eol = text.find('\n', i);
            i = eol == std::string_view::npos ? n : eol;
            continue;
        }
        if (c == '/' && i + 1 < n && text[i + 1] == '*') {  // block comment, nested
            size_t start_line = line;
            int depth = 0;
            do {
                if (i + 1 < n && text[i] == '/' && text[i + 1] == '*') {
                    ++depth;
                    i += 2;
                } else if (i + 1 < n && text[i] == '*' && text[i + 1] == '/') {
                    --depth;
                    i += 2;
                } else {
                    if (text[i] == '\n') {
                        ++line;
                        cur.sql += '\n';
                    }
                    ++i;
                }
            } while (depth > 0 && i < n);
            if (depth > 0) throw ScriptError(start_line, "unterminated /* comment");
            cur.sql += ' ';
            continue;
        }
        if (c == '\'' || c == '"') {  // string literal or quoted identifier
            mark_start();
            size_t start_line = line;
            bool backslash =
                c == '\'' && i > 0 && (text[i - 1] == 'E' || text[i - 1] == 'e') && (i < 2 || !ident_char(text[i - 2]));
            cur.sql += c;
            ++i;
            bool closed = false;
            while (i < n) {
                char d = text[i];
                if (d == '\n') ++line;
                if (backslash && d == '\\' && i + 1 < n) {
                    cur.sql += d;
                    cur.sql += text[i + 1];
                    if (text[i + 1] == '\n') ++line;
                    i += 2;
                    continue;
                }
                cur.sql += d;
                ++i;
                if (d == c) {
                    if (i < n && text[i] == c) {  // doubled quote
                        cur.sql += c;
                        ++i;
                        continue;
                    }
                    closed = true;
                    break;
                }
            }
            if (!closed)
                throw ScriptError(start_line,
                                  std::string("unterminated ") + (c == '\'' ? "string" : "quoted identifier"));
            continue;
        }
        if (c == '$' && (i == 0 || !ident_char(text[i - 1]))) {  // dollar quoting: $$ or $tag$
            size_t j = i + 1;
            if (j < n && !std::isdigit(static_cast<unsigned char>(text[j])))
                while (j < n && (ident_char(text[j]) && text[j] != '$')) ++j;
            if (j < n && text[j] == '$') {
                std::string tag(text.substr(i, j - i + 1));
                size_t end = text.find(tag, j + 1);
                if (end == std::string_view::npos) throw ScriptError(line, "unterminated dollar-quoted string " + tag);
                mark_start();
                std::string_view body = text.substr(i, end + tag.size() - i);
                line += static_cast<size_t>(std::count(body.begin(), body.end(), '\n'));
                cur.sql += body;
                i = end + tag.size();
                continue;
            }
        }
        if (c == ':' && i + 1 < n) {  // psql variables; "::" is a cast
            if (text[i + 1] == ':') {
                mark_start();
                cur.sql += "::";
                i += 2;
                continue;
            }
            char q = text[i + 1];
            size_t j = i + 1 + ((q == '\'' || q == '"') ? 1 : 0);
            size_t k = j;
            while (k < n && ident_char(text[k]) && text[k] != '$') ++k;
            bool quoted = q == '\'' || q == '"';
            std::string name(text.substr(j, k - j));
            if (!name.empty() && (!quoted || (k < n && text[k] == q)) && vars.count(name) &&
                (i == 0 || text[i - 1] != ':')) {
                mark_start();
                const std::string& v = vars[name];
                if (q == '\'') {
                    std::string lit = "'";
                    for (char ch : v) lit += ch == '\'' ? std::string("''") : std::string(1, ch);
                    cur.sql += lit + "'";
                } else if (q == '"') {
                    cur.sql += "\"" + v + "\"";
                } else {
                    cur.sql += v;
                }
                i = quoted ? k + 1 : k;
                continue;
            }
        }
        if (c == ';') {
            flush();
            ++i;
            continue;
        }
        if (!std::isspace(static_cast<unsigned char>(c))) mark_start();
        cur.sql += c;
        ++i;
    }
    flush();
    return out;
}

}  // namespace omero::migrate
