// Without libFuzzer: replays every corpus file, then a few thousand
// deterministic mutations of each (byte flips, truncations, insertions).
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
    std::mt19937 rng(1234);
    size_t runs = 0;
    for (int i = 1; i < argc; ++i)
        for (auto& e : std::filesystem::directory_iterator(argv[i])) {
            std::ifstream in(e.path(), std::ios::binary);
            std::stringstream ss;
            ss << in.rdbuf();
            std::string seed = ss.str();
            for (int m = 0; m < 5000; ++m) {
                std::string s = seed;
                int edits = 1 + rng() % 4;
                for (int k = 0; k < edits && !s.empty(); ++k) {
                    size_t at = rng() % s.size();
                    switch (rng() % 3) {
                        case 0:
                            s[at] = static_cast<char>(rng());
                            break;
                        case 1:
                            s.resize(at);
                            break;
                        default:
                            s.insert(at, 1, "<>&\"'=\\\n\x01\xff"[rng() % 10]);
                            break;
                    }
                }
                if (m == 0) s = seed;
                LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(s.data()), s.size());
                ++runs;
            }
        }
    std::printf("replayed %zu inputs\n", runs);
    return 0;
}
