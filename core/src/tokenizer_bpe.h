// Byte-level BPE (GPT-2 style, GGUF tokenizer.ggml.model "gpt2"): the pre-tokenizer tokenizer.ggml.pre names splits
// the text, every byte of a fragment becomes GPT-2's printable stand-in character, and the merges are applied by rank.
#pragma once

#include "attnscope/gguf.h"
#include "attnscope/tokenizer.h"

#include <memory>

namespace attnscope {

struct BpeVocabulary {
    std::vector<std::string> pieces;  // by id, in GPT-2's byte stand-in spelling
    std::vector<int> types;           // GGUF token types (4 = user-defined: matched before pre-tokenizing)
    std::vector<std::string> merges;  // "left right", by rank
    std::string pre;                  // llama.cpp's pre-tokenizer name ("gpt-2", "llama3", "qwen2", ...)
    int bos = -1, unknown = -1;
    bool addBos = false;
};

Result<std::shared_ptr<const Tokenizer>> makeByteLevelBpe(const std::string &name, BpeVocabulary vocabulary);
Result<std::shared_ptr<const Tokenizer>> byteLevelBpeFromGguf(const gguf::File &file);

} // namespace attnscope
