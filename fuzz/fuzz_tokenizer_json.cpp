// tokenizer.json: the whole pipeline built from the bytes (every component's reader), then a few texts encoded and
// decoded with it.
#include <attnscope/hf_tokenizer.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto tokenizer =
        attnscope::tokenizerFromJson(std::string_view(reinterpret_cast<const char *>(data), size), {}, "tokenizer.json");
    if (!tokenizer)
        return 0;
    for (const char *text : {"Hello, world!", " The  quick\\tbrown fox 123 456789", "héllo 東京 🙂", ""}) {
        const auto tokens = tokenizer.value()->encode(text, true);
        if (!tokens)
            continue;
        std::vector<int> ids;
        for (const attnscope::Token &t : tokens.value())
            ids.push_back(t.id);
        (void)tokenizer.value()->decode(ids);
    }
    return 0;
}
