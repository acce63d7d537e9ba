// What the views show, computed from an AttentionResult: which positions are visible (special tokens hidden),
// one head or an aggregate of heads with rows renormalised, level-of-detail reductions for matrices larger
// than the screen, the strongest links for arc diagrams, and simple per-head pattern scores.
// Everything here is plain arithmetic on (T, T) row-major matrices; the Qt views only draw what it returns.
#pragma once

#include "attnscope/attention.h"

#include <functional>
#include <string>
#include <vector>

namespace attnscope {

enum class Aggregation {
    Head,        // one head of one layer
    MeanOfHeads, // mean over the heads of one layer
    MaxOfHeads,  // element-wise max over the heads of one layer
    MeanOfAll,   // mean over every head of every layer
};

struct ViewParams {
    int layer = 0;
    int head = 0;
    Aggregation aggregation = Aggregation::Head;
    bool hideSpecial = false; // drop special tokens (BOS, CLS, ...) and renormalise each row to sum 1
};

// A square matrix over the visible positions.
struct HeadPattern;

struct AttentionMatrix {
    int size = 0;                // n visible tokens
    std::vector<int> positions;  // (n) index into AttentionResult::tokens of each row/column
    std::vector<float> weights;  // (n, n) row = query, column = key
    bool causal = true;          // entries with column > row are masked (structurally zero)
    int window = 0;              // > 0: keys `window` or more positions before the query are masked too (a
                                 // sliding-window layer; for an aggregate, every layer in it has a window)

    const float *row(int i) const { return weights.data() + static_cast<std::size_t>(i) * size; }
    float at(int query, int key) const { return weights[static_cast<std::size_t>(query) * size + key]; }
    bool masked(int query, int key) const {
        if (causal && key > query)
            return true;
        return window > 0 && positions[static_cast<std::size_t>(query)] - positions[static_cast<std::size_t>(key)] >= window;
    }
};

// Positions shown when special tokens are hidden (all positions otherwise). Never empty for a non-empty
// result: when every token is special, nothing is hidden (there would be nothing left to show).
std::vector<int> visiblePositions(const AttentionResult &result, bool hideSpecial);

// One head, or the aggregate `params` names. Hidden rows/columns are removed per head and each head's rows
// renormalised before aggregating, so mean rows sum to 1 and max is the max of what each head shows.
// layer/head are clamped into range.
AttentionMatrix attentionMatrix(const AttentionResult &result, const ViewParams &params);

// Rows [row0, row0 + n) of the matrix attentionMatrix(result, params) returns, (n, positions.size()) into out, without
// the rest: for texts whose whole matrix is too large to hold. positions = visiblePositions(result, hideSpecial).
void attentionMatrixRows(const AttentionResult &result, const ViewParams &params, const std::vector<int> &positions,
                         int row0, int n, float *out);
// The sliding window of the matrix params names (AttentionMatrix::window): the layer's, or for the mean of all
// layers the widest when every layer has one.
int aggregateWindow(const AttentionResult &result, const ViewParams &params);
// How many (T, T) heads the matrix params names takes: 1, the heads of a layer, or every head.
int aggregatedHeads(const AttentionResult &result, const ViewParams &params);

// A part of that matrix, max-pooled: rows [row0, row1) and columns [col0, col1) in visible coordinates, reduced to
// outRows x outCols cells (blocks as even as downsampleMax's; exact cells when the output is as large as the region).
struct AttentionRegion {
    int row0 = 0, row1 = 0, col0 = 0, col1 = 0;
    int outRows = 0, outCols = 0;
    std::vector<float> cells; // (outRows, outCols), -1 where the whole block is masked
    int rows() const { return row1 - row0; }
    int cols() const { return col1 - col0; }
};
// Computes region.cells a block of rows at a time (memory: one block of rows, never n x n). With `pattern`, the
// region's rows also give the head's pattern scores (as headPattern on the whole matrix when the region is all of
// it). Returns false, leaving cells empty, when `cancelled` says so (polled between blocks).
bool poolAttention(const AttentionResult &result, const ViewParams &params, const std::vector<int> &positions,
                   AttentionRegion &region, const std::function<bool()> &cancelled = {}, HeadPattern *pattern = nullptr);

// Max-pooling to a coarser grid of `out` x `out` (out <= n): each output cell is the largest unmasked
// weight of the block of input cells it covers, or -1 when the whole block is masked. Used when cells
// would be smaller than a pixel, so that a one-token diagonal stays visible instead of being skipped.
// Blocks are as even as integer division allows: output r covers rows [r*n/out, (r+1)*n/out).
std::vector<float> downsampleMax(const AttentionMatrix &matrix, int out); // (out, out)

// One line of an arc diagram.
struct Link {
    int query = 0; // row in the matrix
    int key = 0;   // column
    float weight = 0;
};
// For every query row: the keys with weight >= threshold, at most topK of them (0 = no limit), strongest
// first. Masked cells are never links.
std::vector<Link> strongLinks(const AttentionMatrix &matrix, float threshold, int topK);
// The same for the matrix `params` names, a block of rows at a time (a long text without its whole matrix).
std::vector<Link> strongLinks(const AttentionResult &result, const ViewParams &params, const std::vector<int> &positions,
                              float threshold, int topK);

// Mean pattern scores of one head over query rows i >= 1 (row 0 can only look at itself), on the matrix
// as shown (hidden tokens removed): weight on i-1, on i, on the first visible position.
struct HeadPattern {
    float previousToken = 0;
    float self = 0;
    float firstToken = 0;
    // "previous token", "self", "first token" when that score is at least 0.5 and clearly the largest;
    // empty otherwise.
    std::string label;
};
HeadPattern headPattern(const AttentionMatrix &matrix);

// Mapping weights to [0, 1] for colour: linear, logarithmic (for attention sinks that wash everything
// else out) or a power curve; Signed maps differences in [-range, range] to [0, 1] (0 -> 0.5) for a diverging map.
struct ColorScale {
    enum class Kind { Linear, Log, Power, Signed };
    Kind kind = Kind::Linear;
    float gamma = 0.5f;     // Power: t = w^gamma
    float logFloor = 1e-4f; // Log: weights at or below this map to 0; 1 maps to 1
    float signedRange = 1;  // Signed: -range -> 0, 0 -> 0.5, range -> 1

    float toUnit(float w) const;
    float fromUnit(float t) const; // inverse, for colour-bar labels
    // Weights worth labelling on a colour bar for this scale, ascending, all in [0, 1] ([-range, range] for Signed).
    std::vector<float> ticks() const;
    std::string name() const; // "linear", "log", "power 0.5"
};

} // namespace attnscope
