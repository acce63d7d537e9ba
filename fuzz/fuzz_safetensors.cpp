// A safetensors file: its 8-byte length, JSON header and data offsets.
#include <attnscope/safetensors.h>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    (void)attnscope::SafetensorsFile::parse(data, size, "fuzz.safetensors");
    return 0;
}
