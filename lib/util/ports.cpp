#include "util/ports.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace omero {

namespace fs = std::filesystem;

namespace {

struct Holder {
    long pid;
    std::string comm;
};

// Every process holding a listening socket on `port` (children inherit
// descriptors); `self` says whether this process holds it too (left out).
std::vector<Holder> holders(int port, bool* self, bool* listening) {
    // /proc/net/tcp{,6}: "sl local_address rem_address st ... inode"; LISTEN is 0A.
    std::vector<std::string> inodes;
    for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::ifstream in(table);
        std::string line;
        std::getline(in, line);
        while (std::getline(in, line)) {
            std::istringstream f(line);
            std::string sl, local, remote, st, skip, inode;
            f >> sl >> local >> remote >> st;
            for (int i = 0; i < 5; ++i) f >> skip;
            f >> inode;
            size_t colon = local.rfind(':');
            if (st != "0A" || colon == std::string::npos) continue;
            if (std::stoi(local.substr(colon + 1), nullptr, 16) == port) inodes.push_back("socket:[" + inode + "]");
        }
    }
    *self = false;
    *listening = !inodes.empty();
    std::vector<Holder> out;
    if (inodes.empty()) return out;
    std::string me = std::to_string(::getpid());
    std::error_code ec;
    for (const auto& p : fs::directory_iterator("/proc", ec)) {
        std::string pid = p.path().filename().string();
        if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
        std::error_code ec2;
        bool holds = false;
        for (const auto& fd : fs::directory_iterator(p.path() / "fd", ec2)) {
            std::error_code ec3;
            std::string target = fs::read_symlink(fd.path(), ec3).string();
            for (const std::string& i : inodes) holds = holds || target == i;
            if (holds) break;
        }
        if (!holds) continue;
        if (pid == me) {
            *self = true;
            continue;
        }
        std::string comm;
        std::ifstream c(p.path() / "comm");
        std::getline(c, comm);
        out.push_back({std::atol(pid.c_str()), comm});
    }
    return out;
}

}  // namespace

std::optional<std::string> port_listener(int port, std::vector<long>* pids) {
    bool self = false, listening = false;
    std::vector<Holder> hs = holders(port, &self, &listening);
    if (pids)
        for (const Holder& h : hs) pids->push_back(h.pid);
    if (!listening) return std::nullopt;
    if (hs.empty()) return self ? "this process" : "another user's process";
    std::string out;
    for (size_t i = 0; i < hs.size() && i < 3; ++i)
        out += (i ? ", " : "") + std::string("PID ") + std::to_string(hs[i].pid) + " (" + hs[i].comm + ")";
    if (hs.size() > 3) out += " and " + std::to_string(hs.size() - 3) + " more";
    return out;
}

}  // namespace omero
