#include "elf_symbols.hpp"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <vector>

namespace omero::host {

ElfCheck elf_exports(const std::filesystem::path& file, const std::string& symbol) {
    std::ifstream in(file, std::ios::binary);
    Elf64_Ehdr eh{};
    if (!in.read(reinterpret_cast<char*>(&eh), sizeof eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_shentsize != sizeof(Elf64_Shdr))
        return ElfCheck::not_elf;
    std::vector<Elf64_Shdr> sh(eh.e_shnum);
    in.seekg(static_cast<std::streamoff>(eh.e_shoff));
    if (!in.read(reinterpret_cast<char*>(sh.data()), static_cast<std::streamsize>(sh.size() * sizeof(Elf64_Shdr))))
        return ElfCheck::not_elf;
    for (const Elf64_Shdr& s : sh) {
        if (s.sh_type != SHT_DYNSYM || s.sh_link >= sh.size() || s.sh_entsize != sizeof(Elf64_Sym)) continue;
        const Elf64_Shdr& strs = sh[s.sh_link];
        std::vector<char> names(strs.sh_size + 1, '\0');
        std::vector<Elf64_Sym> syms(s.sh_size / sizeof(Elf64_Sym));
        in.seekg(static_cast<std::streamoff>(strs.sh_offset));
        in.read(names.data(), static_cast<std::streamsize>(strs.sh_size));
        in.seekg(static_cast<std::streamoff>(s.sh_offset));
        in.read(reinterpret_cast<char*>(syms.data()), static_cast<std::streamsize>(syms.size() * sizeof(Elf64_Sym)));
        if (!in) return ElfCheck::not_elf;
        for (const Elf64_Sym& sym : syms)
            if (sym.st_shndx != SHN_UNDEF && sym.st_name < strs.sh_size && ELF64_ST_BIND(sym.st_info) != STB_LOCAL &&
                symbol == &names[sym.st_name])
                return ElfCheck::exported;
    }
    return ElfCheck::missing;
}

}  // namespace omero::host
