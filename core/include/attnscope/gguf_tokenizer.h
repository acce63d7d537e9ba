// Tokenizers rebuilt from a GGUF file's own vocabulary (tokenizer.ggml.*), so no separate tokenizer file is needed.
#pragma once

#include "attnscope/gguf.h"
#include "attnscope/tokenizer.h"

#include <memory>
#include <string>

namespace attnscope {

// tokenizer.ggml.model == "llama": a sentencepiece ModelProto (BPE over the GGUF's pieces, scores and token types,
// identity normalisation, the dummy prefix as tokenizer.ggml.add_space_prefix says), serialized.
Result<std::string> sentencePieceProtoFromGguf(const gguf::File &file);

// The tokenizer the GGUF describes; an error naming the tokenizer type when it is not supported.
Result<std::shared_ptr<const Tokenizer>> tokenizerFromGguf(const gguf::File &file);

} // namespace attnscope
