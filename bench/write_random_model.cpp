// Writes the random real-size models bench_scale measures (never committed; minutes of disk and a second or two of
// CPU per GB):
//   write_random_model llama-1b OUT.gguf   Llama 3.2 1B's shape, Q8_0, the Llama 3 tokenizer of ../shared
//   write_random_model qwen-0.5b OUT.gguf  Qwen 2.5 0.5B's shape, Q8_0, the Qwen tokenizer of ../shared
// Both are byte-level BPE vocabularies written as llama.cpp's "gpt2" model, so llama.cpp loads the same files.
#include "random_llama.h"

#include <cstdio>
#include <cstring>
#include <string>

int main(int argc, char **argv) {
    if (argc != 3 || (std::strcmp(argv[1], "llama-1b") != 0 && std::strcmp(argv[1], "qwen-0.5b") != 0)) {
        std::fprintf(stderr, "usage: write_random_model llama-1b|qwen-0.5b OUT.gguf\n");
        return 2;
    }
    const bool llama = std::strcmp(argv[1], "llama-1b") == 0;
    const std::string shared = ATTNSCOPE_SHARED_DIR;
    testsupport::RandomVocabulary vocab;
    const bool read = llama ? testsupport::vocabularyFromTokenizerJson(shared + "/tokenizers/llama3/tokenizer.json",
                                                                       "llama-bpe", 128256, 128000, 128001, true, vocab)
                            : testsupport::vocabularyFromTokenizerJson(shared + "/tokenizers/qwen3/tokenizer.json",
                                                                       "qwen2", 151936, -1, 151645, false, vocab);
    if (!read) {
        std::fprintf(stderr, "write_random_model: cannot read the tokenizer under %s/tokenizers\n", shared.c_str());
        return 1;
    }
    const testsupport::RandomLlama spec = llama ? testsupport::llama32_1B() : testsupport::qwen25_05B();
    if (!testsupport::writeRandomLlama(vocab, argv[2], spec)) {
        std::fprintf(stderr, "write_random_model: could not write %s\n", argv[2]);
        return 1;
    }
    std::printf("%s\n", argv[2]);
    return 0;
}
