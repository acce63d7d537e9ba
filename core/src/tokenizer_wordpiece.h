// WordPiece (BERT; GGUF tokenizer.ggml.model "bert"), as llama.cpp reads it: accents stripped, lower-cased, split
// at whitespace, punctuation and CJK characters, then the longest vocabulary piece first. In GGUF vocabularies word
// starts carry "▁" and continuations have lost their "##". [CLS] ... [SEP] around the text when asked for.
#pragma once

#include "attnscope/gguf.h"
#include "attnscope/tokenizer.h"

#include <memory>

namespace attnscope {

Result<std::shared_ptr<const Tokenizer>> wordPieceFromGguf(const gguf::File &file);

} // namespace attnscope
