// GGUF bytes: the header, metadata and tensor directory (gguf::File::parse, in full and as the summary a listing
// reads), then the model of any family and the
// tokenizer its vocabulary describes, then two tokens through the forward pass when the model is small.
#include "fuzz_common.h"

#include <attnscope/gguf.h>
#include <attnscope/gguf_tokenizer.h>
#include <attnscope/model.h>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto file = attnscope::gguf::File::parse(data, size, "fuzz.gguf");
    // The summary a model listing reads must accept and refuse exactly what the full parse does.
    const auto summary = attnscope::gguf::File::parse(data, size, "fuzz.gguf", nullptr, attnscope::gguf::File::Detail::Summary);
    if (summary.ok() != file.ok() || (file && summary.value()->tensors().size() != file.value()->tensors().size()))
        __builtin_trap();
    if (!file)
        return 0;
    const auto tokenizer = attnscope::tokenizerFromGguf(*file.value());
    if (tokenizer)
        (void)tokenizer.value()->encode("Hello, world! 123", true);
    const auto model = attnscope::loadGgufModel(file.value(), "fuzz.gguf");
    if (model)
        fuzzing::runSmallModel(model.value(), tokenizer ? tokenizer.value() : nullptr);
    return 0;
}
