// `omero admin checkupgrade`: ask the OMERO release registry whether a newer
// release exists, over HTTP or HTTPS with libcurl (Debian's libcurl4):
// exit 0 none, 1 available (the registry's text on stderr), 2 error. A
// non-2xx answer is an error, not an upgrade; an empty omero.upgrades.url
// really disables the check.
#include "admin.hpp"

#include <curl/curl.h>
#include <sys/utsname.h>

namespace omero::admin {

namespace {

const char* kDefaultUrl = "http://upgrade.openmicroscopy.org.uk/";

size_t collect(char* p, size_t size, size_t n, void* user) {
    auto* body = static_cast<std::string*>(user);
    if (body->size() > (1 << 20)) return 0;  // a registry answer is a line, not a download
    body->append(p, size * n);
    return size * n;
}

std::string escape(CURL* h, const std::string& s) {
    char* e = curl_easy_escape(h, s.c_str(), static_cast<int>(s.size()));
    std::string out = e ? e : "";
    curl_free(e);
    return out;
}

}  // namespace

UpgradeCheck check_upgrade(Context& c, const std::string& agent) {
    auto configured = c.config("omero.upgrades.url");
    if (configured && configured->empty()) return {0, "", true};
    std::string url = configured ? *configured : kDefaultUrl;
    std::string version = c.config_or("omero.version", "");
    if (version.empty()) version = OMERO_ADMIN_PLUGIN_VERSION;
    utsname u{};
    ::uname(&u);
    static const bool ready = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    CURL* h = ready ? curl_easy_init() : nullptr;
    if (!h) return {2, "cannot initialise libcurl"};
    std::string query = "version=" + escape(h, version) + "&os.name=" + escape(h, u.sysname) + "&os.arch=" +
                        escape(h, u.machine) + "&os.version=" + escape(h, u.release) +
                        "&python.version=&python.compiler=&python.build=&python.build=";
    std::string full = url + (url.find('?') == std::string::npos ? "?" : "&") + query;
    std::string body;
    char err[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_URL, full.c_str());
    curl_easy_setopt(h, CURLOPT_USERAGENT, ("OMERO." + agent).c_str());
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 6000L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, err);
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(h);
    if (rc != CURLE_OK)
        return {2, "cannot ask " + url + ": " + (err[0] ? err : curl_easy_strerror(rc)) +
                       " (set omero.upgrades.url to another registry, or to \"\" to disable the check)"};
    if (status < 200 || status > 299)
        return {2, url + " answered HTTP " + std::to_string(status) + ", not an upgrade check"};
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r' || body.back() == ' ')) body.pop_back();
    if (body.empty()) return {0, ""};
    return {1, body};
}

namespace {

int run(Context& c) {
    UpgradeCheck u = check_upgrade(c, "test");
    if (u.disabled) c.err("The upgrade check is disabled (omero.upgrades.url is empty)\n");
    else if (u.code == 1) c.err("UPGRADE AVAILABLE: " + u.message + "\n");
    else if (u.code == 2) c.err(u.message + "\n");
    return u.code;
}

}  // namespace

Command checkupgrade_command() {
    return {.path = "admin checkupgrade",
            .summary = "Ask the OMERO registry whether an upgrade is available (0 no, 1 yes, 2 error)",
            .help = "GET omero.upgrades.url (default http://upgrade.openmicroscopy.org.uk/) with the\n"
                    "reference's query fields, 6 s timeout. An answer that is not 2xx is an error (2);\n"
                    "an empty omero.upgrades.url disables the check (0).",
            .run = run};
}

}  // namespace omero::admin
