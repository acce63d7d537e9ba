// A llama2.c checkpoint: the 7-integer header and the exact size it implies, read from an in-memory file; then two
// tokens through the forward pass when the model is small.
#include "fuzz_common.h"

#include <attnscope/model.h>

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const int fd = memfd_create("fuzz.bin", 0);
    if (fd < 0)
        return 0;
    std::size_t written = 0;
    while (written < size) {
        const ssize_t n = write(fd, data + written, size - written);
        if (n <= 0)
            break;
        written += static_cast<std::size_t>(n);
    }
    const auto model = attnscope::loadLlama2c("/proc/self/fd/" + std::to_string(fd));
    close(fd);
    if (model) {
        static const auto tokenizer =
            attnscope::Tokenizer::loadSentencePiece(fuzzing::sharedDir() + "/models/stories260K/tok512.model");
        if (tokenizer && model.value()->config().vocabSize <= tokenizer.value()->vocabSize())
            fuzzing::runSmallModel(model.value(), tokenizer.value());
    }
    return 0;
}
