// `omero admin checkupgrade`: ask the OMERO release registry whether a newer
// release exists, over HTTP or HTTPS with libcurl (Debian's libcurl4):
// exit 0 none, 1 available (the registry's text on stderr), 2 error.
// libcurl is opened when the check runs (see Curl below). A
// non-2xx answer is an error, not an upgrade; an empty omero.upgrades.url
// really disables the check.
#include "admin.hpp"

#include <curl/curl.h>
#include <dlfcn.h>
#include <sys/utsname.h>

namespace omero::admin {

namespace {

const char* kDefaultUrl = "http://upgrade.openmicroscopy.org.uk/";

// libcurl is loaded when the check runs, not with the plugin: its
// dependencies (TLS, Kerberos, LDAP, ...) would cost every admin command
// ~20 ms of dynamic linking. The functions used, resolved once.
struct Curl {
    decltype(&curl_global_init) global_init = nullptr;
    decltype(&curl_easy_init) easy_init = nullptr;
    decltype(&curl_easy_setopt) setopt = nullptr;
    decltype(&curl_easy_perform) perform = nullptr;
    decltype(&curl_easy_getinfo) getinfo = nullptr;
    decltype(&curl_easy_cleanup) cleanup = nullptr;
    decltype(&curl_easy_escape) escape = nullptr;
    decltype(&curl_free) free = nullptr;
    decltype(&curl_easy_strerror) strerror = nullptr;
    std::string error;

    Curl() {
        void* h = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
        if (!h) {
            error = std::string("cannot load libcurl (Debian: apt install libcurl4): ") + ::dlerror();
            return;
        }
        auto sym = [&](auto& f, const char* name) {
            f = reinterpret_cast<std::remove_reference_t<decltype(f)>>(::dlsym(h, name));
        };
        sym(global_init, "curl_global_init");
        sym(easy_init, "curl_easy_init");
        sym(setopt, "curl_easy_setopt");
        sym(perform, "curl_easy_perform");
        sym(getinfo, "curl_easy_getinfo");
        sym(cleanup, "curl_easy_cleanup");
        sym(escape, "curl_easy_escape");
        sym(free, "curl_free");
        sym(strerror, "curl_easy_strerror");
        if (!global_init || !easy_init || !setopt || !perform || !getinfo || !cleanup || !escape || !free || !strerror)
            error = "libcurl.so.4 lacks a function this omero needs";
        else if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            error = "cannot initialise libcurl";
    }
};

const Curl& curl() {
    static const Curl c;
    return c;
}

size_t collect(char* p, size_t size, size_t n, void* user) {
    auto* body = static_cast<std::string*>(user);
    if (body->size() > (1 << 20)) return 0;  // a registry answer is a line, not a download
    body->append(p, size * n);
    return size * n;
}

std::string escape(CURL* h, const std::string& s) {
    char* e = curl().escape(h, s.c_str(), static_cast<int>(s.size()));
    std::string out = e ? e : "";
    curl().free(e);
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
    const Curl& lib = curl();
    if (!lib.error.empty()) return {2, lib.error};
    CURL* h = lib.easy_init();
    if (!h) return {2, "cannot initialise libcurl"};
    std::string query = "version=" + escape(h, version) + "&os.name=" + escape(h, u.sysname) +
                        "&os.arch=" + escape(h, u.machine) + "&os.version=" + escape(h, u.release) +
                        "&python.version=&python.compiler=&python.build=&python.build=";
    std::string full = url + (url.find('?') == std::string::npos ? "?" : "&") + query;
    std::string body;
    char err[CURL_ERROR_SIZE] = "";
    lib.setopt(h, CURLOPT_URL, full.c_str());
    lib.setopt(h, CURLOPT_USERAGENT, ("OMERO." + agent).c_str());
    lib.setopt(h, CURLOPT_TIMEOUT_MS, 6000L);
    lib.setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    lib.setopt(h, CURLOPT_MAXREDIRS, 5L);
    lib.setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    lib.setopt(h, CURLOPT_NOSIGNAL, 1L);
    lib.setopt(h, CURLOPT_WRITEFUNCTION, collect);
    lib.setopt(h, CURLOPT_WRITEDATA, &body);
    lib.setopt(h, CURLOPT_ERRORBUFFER, err);
    CURLcode rc = lib.perform(h);
    long status = 0;
    lib.getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    lib.cleanup(h);
    if (rc != CURLE_OK)
        return {2, "cannot ask " + url + ": " + (err[0] ? err : lib.strerror(rc)) +
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
    if (u.disabled)
        c.err("The upgrade check is disabled (omero.upgrades.url is empty)\n");
    else if (u.code == 1)
        c.err("UPGRADE AVAILABLE: " + u.message + "\n");
    else if (u.code == 2)
        c.err(u.message + "\n");
    return u.code;
}

}  // namespace

Command checkupgrade_command() {
    return {.path = "admin checkupgrade",
            .summary = "Ask the OMERO registry whether an upgrade is available (0 no, 1 yes, 2 error)",
            .help =
                "GET omero.upgrades.url (default http://upgrade.openmicroscopy.org.uk/) with the\n"
                "reference's query fields, 6 s timeout. An answer that is not 2xx is an error (2);\n"
                "an empty omero.upgrades.url disables the check (0).",
            .run = run};
}

}  // namespace omero::admin
