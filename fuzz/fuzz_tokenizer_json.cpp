// tokenizer.json: the whole pipeline built from the bytes (every component's reader), then a few texts encoded and
// decoded with it. Inputs that start with "vocab.txt\n" are BERT's vocab.txt instead, and inputs that start with
// "vocab.json\n" are GPT-2's vocab.json followed, after a line "merges.txt", by merges.txt.
#include <attnscope/hf_tokenizer.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

attnscope::Result<std::shared_ptr<const attnscope::Tokenizer>> build(std::string_view bytes) {
    constexpr std::string_view vocabTxt = "vocab.txt\n", vocabJson = "vocab.json\n", merges = "\nmerges.txt\n";
    if (bytes.starts_with(vocabTxt))
        return attnscope::tokenizerFromVocabTxt(bytes.substr(vocabTxt.size()), {}, "vocab.txt");
    if (bytes.starts_with(vocabJson)) {
        bytes.remove_prefix(vocabJson.size());
        const std::size_t split = bytes.find(merges);
        return attnscope::tokenizerFromVocabMerges(bytes.substr(0, split),
                                                   split == std::string_view::npos ? std::string_view()
                                                                                   : bytes.substr(split + merges.size()),
                                                   {}, "vocab.json");
    }
    return attnscope::tokenizerFromJson(bytes, {}, "tokenizer.json");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto tokenizer = build(std::string_view(reinterpret_cast<const char *>(data), size));
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
