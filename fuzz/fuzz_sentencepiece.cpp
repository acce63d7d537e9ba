// A sentencepiece .model (serialized ModelProto) as libsentencepiece reads it, then a text encoded with it.
#include <attnscope/tokenizer.h>

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto tokenizer = attnscope::Tokenizer::fromSentencePieceProto(
        std::string(reinterpret_cast<const char *>(data), size), "fuzz.model");
    if (tokenizer)
        (void)tokenizer.value()->encode("Once upon a time, 東京 🙂", true);
    return 0;
}
