// The tokenizer of a Hugging Face model folder: tokenizer.model (sentencepiece), vocab.json + merges.txt or a BPE
// tokenizer.json (byte-level BPE), vocab.txt or a WordPiece tokenizer.json (BERT).
#pragma once

#include "attnscope/result.h"
#include "attnscope/tokenizer.h"

#include <memory>
#include <string>

namespace attnscope {

// `architecture` is ModelConfig::architecture ("llama", "qwen2", "gpt2", "bert"): it picks the pre-tokenizer.
Result<std::shared_ptr<const Tokenizer>> tokenizerFromHfFolder(const std::string &dir, const std::string &architecture);

} // namespace attnscope
