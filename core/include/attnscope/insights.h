// What a student asks of an analysed text beyond the pictures: which tokens the model predicts next, which heads
// link two chosen tokens, and which heads change most between two sentences that share a token.
#pragma once

#include "attnscope/attention.h"
#include "attnscope/tokenizer.h"

#include <string>
#include <vector>

namespace attnscope {

struct Prediction {
    int id = 0;
    std::string piece;
    double probability = 0; // softmax of the position's logits, in double
};
// The k most likely next tokens after `position`, most likely first. Empty when the result has no logits for
// that position: an encoder without a language-model head, or only the last position's logits were kept.
std::vector<Prediction> nextTokenPredictions(const AttentionResult &result, const Tokenizer &tokenizer, int position,
                                             int k = 10);

struct HeadScore {
    int layer = 0;
    int head = 0;
    double score = 0;
};
// "Find heads": every head ranked by how strongly `query` attends to `key` (A[query, key]), strongest first.
// Empty when either position is outside the text.
std::vector<HeadScore> findHeads(const AttentionResult &result, int query, int key);

// Comparing two sentences on a token they share (position posA in a, posB in b): for every head, the total
// variation distance 0.5 * sum over pieces |p_a(piece) - p_b(piece)| between the token's attention rows, keys
// matched by their piece (weights of repeated pieces summed), so 0 = the token attends to the same words in
// the same proportions and 1 = to entirely different ones. Ranked, largest change first. Empty when the two
// results come from differently shaped models or a position is out of range.
std::vector<HeadScore> headChanges(const AttentionResult &a, int posA, const AttentionResult &b, int posB);

// Tokens that could anchor a comparison: (position in a, position in b) for every non-special piece occurring in
// both, each piece once, at its first occurrence in each, in the order of a.
std::vector<std::pair<int, int>> sharedTokens(const AttentionResult &a, const AttentionResult &b);
// The same for two word-level results (words.h), words matched by their matchingForm ("bat!" is "bat", "The" is
// "the"); a word of punctuation alone never anchors.
std::vector<std::pair<int, int>> sharedWords(const AttentionResult &a, const AttentionResult &b);

} // namespace attnscope
