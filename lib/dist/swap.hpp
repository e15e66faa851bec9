// swap.hpp - the distribution swap, atomic at every point a crash can hit
// it. A symlinked $OMERODIR gets a new link renamed over the old one. A
// plain directory is exchanged with the new one in one
// renameat2(RENAME_EXCHANGE) (so $OMERODIR always exists), and the old one is
// then renamed aside. Where each distribution is, is told by its identity
// (device, inode), so a second call after a crash finishes what the first
// began, and swap_back undoes it from anywhere.
#pragma once

#include "dist/dist.hpp"

#include <optional>
#include <string>

namespace omero::dist {

// Where the distributions are and go: what the swap reads of an upgrade plan.
struct Places {
    fs::path omerodir;      // $OMERODIR as given
    bool symlink = false;   // $OMERODIR is a symlink (swapped by replacing the link)
    std::string link_text;  // its target as written
    fs::path old_dir;       // the old distribution's real path
    Ident old_id;
    fs::path new_dir;             // where the new distribution is before the swap
    std::optional<Ident> new_id;  // known once staged
    fs::path aside;               // plain $OMERODIR: where the old distribution goes
};

// Puts the new distribution at $OMERODIR. Safe to call again after a crash
// at any point.
void swap_in(const Places& p);
// The reverse: the old distribution back at $OMERODIR.
void swap_back(const Places& p);
// Where the new distribution is now (its identity decides), or nullopt.
std::optional<fs::path> where_new(const Places& p);
bool swapped(const Places& p);

}  // namespace omero::dist
