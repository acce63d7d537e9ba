// Arbitrary bytes as text through the tokenizers people meet: byte-level BPE (Qwen 3's tokenizer.json), Unigram and
// BPE with byte fallback (Gemma 3's), sentencepiece (stories260K's tok512.model) and GGUF WordPiece (BERT), each
// loaded once from ../shared. Invalid UTF-8, NULs and long digit runs must tokenize, never crash or hang.
#include "fuzz_common.h"

#include <attnscope/gguf.h>
#include <attnscope/gguf_tokenizer.h>
#include <attnscope/hf_tokenizer.h>
#include <attnscope/tokenizer.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace {

std::vector<std::shared_ptr<const attnscope::Tokenizer>> load() {
    std::vector<std::shared_ptr<const attnscope::Tokenizer>> all;
    const std::string shared = fuzzing::sharedDir();
    for (const std::string path : {shared + "/tokenizers/qwen3/tokenizer.json", shared + "/tokenizers/gemma3/tokenizer.json",
                                   shared + "/models/stories260K/tok512.model"})
        if (auto t = attnscope::loadTokenizerFile(path))
            all.push_back(t.value());
    if (auto f = attnscope::gguf::File::open(shared + "/gguf/vocab/ggml-vocab-bert-bge.gguf"))
        if (auto t = attnscope::tokenizerFromGguf(*f.value()))
            all.push_back(t.value());
    if (all.size() != 4)
        std::fprintf(stderr, "fuzz_tokenize_text: only %zu of 4 tokenizers found under %s\n", all.size(), shared.c_str());
    return all;
}

std::vector<std::shared_ptr<const attnscope::Tokenizer>> tokenizers;

} // namespace

// Loaded once before fuzzing starts, so Gemma 3's 33 MB tokenizer.json (seconds under ASan) is not counted against
// the first input's -timeout.
extern "C" int LLVMFuzzerInitialize(int *, char ***) {
    tokenizers = load();
    if (tokenizers.size() != 4) // without them the harness (and its regression replay) would test nothing
        std::exit(1);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char *>(data), size);
    for (const auto &t : tokenizers) {
        const auto tokens = t->encode(text, true);
        if (!tokens)
            continue;
        std::vector<int> ids;
        for (const attnscope::Token &token : tokens.value())
            ids.push_back(token.id);
        (void)t->decode(ids);
    }
    return 0;
}
