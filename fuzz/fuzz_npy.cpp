// An .npy file: magic, version, header dictionary and the data size it implies.
#include <attnscope/npy.h>

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    (void)attnscope::decodeNpy(std::string(reinterpret_cast<const char *>(data), size), "fuzz.npy");
    return 0;
}
