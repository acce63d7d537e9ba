// WordPiece (BERT; GGUF tokenizer.ggml.model "bert"), as llama.cpp reads it: accents stripped, lower-cased, split
// at whitespace, punctuation and CJK characters, then the longest vocabulary piece first. In GGUF vocabularies word
// starts carry "▁" and continuations have lost their "##". [CLS] ... [SEP] around the text when asked for.
#pragma once

#include "attnscope/gguf.h"
#include "attnscope/tokenizer.h"

#include <memory>

namespace attnscope {

struct WordPieceVocabulary {
    std::vector<std::string> pieces; // by id, GGUF spelling: "▁word" starts a word, "ing" continues one
    std::vector<int> types;          // GGUF token types
    int cls = -1, sep = -1, unknown = -1;
};

Result<std::shared_ptr<const Tokenizer>> makeWordPiece(const std::string &name, WordPieceVocabulary vocabulary);
// Hugging Face spelling ("word", "##ing", "[CLS]") to GGUF spelling, as llama.cpp's converter does.
WordPieceVocabulary wordPieceFromHuggingFace(const std::vector<std::string> &vocab);
Result<std::shared_ptr<const Tokenizer>> wordPieceFromGguf(const gguf::File &file);

} // namespace attnscope
