// elf_symbols.hpp - does a shared library export a symbol? Answered by reading
// its dynamic symbol table, without loading it (so no plugin code runs).
// Boost.DLL's library_info reads only .symtab, which packaged (stripped)
// libraries do not have.
#pragma once

#include <filesystem>
#include <string>

namespace omero::host {

enum class ElfCheck { exported, missing, not_elf };
ElfCheck elf_exports(const std::filesystem::path& file, const std::string& symbol);

}  // namespace omero::host
