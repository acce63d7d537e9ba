// Words instead of sub-word tokens: which tokens make up each word, and attention between words.
#pragma once

#include "attnscope/attention.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope {

struct Word {
    std::string text;        // the word as written, without the spaces around it; a special token: its piece
    std::vector<int> tokens; // the token positions it spans (consecutive)
    int byteBegin = 0;       // [byteBegin, byteEnd) of `text` in the analysed text; empty for a special token
    int byteEnd = 0;
    bool special = false;
};

// Whether a tokenizer (Tokenizer::kind(), EngineInfo::tokenizerKind) marks continuations ("##ing", WordPiece) rather
// than word starts ("▁", "Ġ" or a space: sentencepiece and byte-level BPE).
bool marksContinuations(std::string_view tokenizerKind);
// The same asked of the tokenizer itself: a WordPiece vocabulary whose pieces carry "##" (a GGUF "bert" vocabulary
// stores them sentencepiece-style instead, "▁" at word starts, and is read as such).
bool marksContinuations(const Tokenizer &tokenizer);

// The words of a tokenized text. A word starts at the first token, at every special token (a word of its own, so the
// token after it starts one too) and, with `continuationMarks` (WordPiece), at each token not beginning with "##" or,
// without (sentencepiece, byte-level BPE), at each token beginning with "▁", "Ġ" or a space; it runs up to the next
// start.
std::vector<Word> groupWords(const std::vector<Token> &tokens, std::string_view text, bool continuationMarks);

// The word of each token position (tokens.size() entries).
std::vector<int> wordOfToken(const std::vector<Word> &words, int tokenCount);

// A result whose positions are `words` of `tokens`: the attention from word A to word B is the mean over A's query
// tokens of the sum over B's key tokens, so every row still sums to 1 (a decoder's word never sees a later word).
// Nothing is copied: rows are pooled from the token-level result when asked for (exports stream them, the views ask
// for what they show). Its tokens are the words (piece = the word's text, word = true, id = the index of the first
// word with the same text); logits at a word are those of its last token. Every layer and head, every measure of the token result.
AttentionResult wordLevel(std::shared_ptr<const AttentionResult> tokens, std::vector<Word> words);

// The form two sentences' words are matched by: lower case, without the punctuation, symbols and spaces around it
// ("bat!" and "Bat" are both "bat"; "don't" keeps its apostrophe). Empty for a word of punctuation alone.
std::string matchingForm(std::string_view word);

} // namespace attnscope
