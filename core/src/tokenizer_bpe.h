// Byte-level BPE (GPT-2 style, GGUF tokenizer.ggml.model "gpt2"): the pre-tokenizer tokenizer.ggml.pre names splits
// the text, every byte of a fragment becomes GPT-2's printable stand-in character, and the merges are applied by rank.
#pragma once

#include "attnscope/gguf.h"
#include "attnscope/tokenizer.h"

#include <memory>

namespace attnscope {

Result<std::shared_ptr<const Tokenizer>> byteLevelBpeFromGguf(const gguf::File &file);

} // namespace attnscope
