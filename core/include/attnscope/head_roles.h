// What each head does on the text just analysed: mean row entropy, previous-token, self and first-token (sink)
// scores, mean attention distance, and an induction score when the text repeats a token. The definitions are the
// `attnscope-cli heads --json` contract; every mean is over query rows i >= 1 (row 0 can only attend to itself).
#pragma once

#include "attnscope/attention.h"

#include <optional>
#include <string>
#include <vector>

namespace attnscope {

struct HeadRoles {
    int layer = 0;
    int head = 0;
    double entropy = 0;       // -sum_j A[i,j] ln A[i,j], nats
    double previousToken = 0; // A[i,i-1]
    double self = 0;          // A[i,i]
    double firstToken = 0;    // A[i,0]: the attention-sink share
    double distance = 0;      // sum_j A[i,j] (i - j), in tokens
    // Mean, over rows i whose token occurred earlier at some j with j + 1 < i, of sum over those j of A[i, j+1]:
    // how much a repeated token attends to what followed its earlier occurrence. nullopt without repeats.
    std::optional<double> induction;
    // "previous token", "first-token sink", "self" or "induction" when that score is at least 0.5 and beats the
    // next one by 0.2; empty otherwise.
    std::string label;
};

// For each row i: the keys j + 1 where an earlier occurrence j of ids[i] has j + 1 < i (what an induction head
// attends to).
std::vector<std::vector<int>> inductionTargets(const std::vector<int> &ids);

// The statistics of one row (HeadRowStat order, kHeadRowStats floats): p holds the weights of row `query` over keys
// [0, last], `targets` that row's induction targets, `entropy` the row's entropy in nats (the forward pass has it
// from the scores). Head roles are the means of these over rows 1..
void headRowStats(const float *p, int query, int last, const std::vector<int> &targets, float entropy, float *stats);

// The roles of one (T, T) row-major matrix, given the token ids of its rows.
HeadRoles headRoles(const float *matrix, const std::vector<int> &ids);
// Every head of a result, layer by layer: from the per-row statistics the forward pass recorded when the result
// has a source (no attention is recomputed), else from its dense attention.
std::vector<HeadRoles> allHeadRoles(const AttentionResult &result);

} // namespace attnscope
