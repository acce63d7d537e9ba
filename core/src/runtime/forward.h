// The transformer forward pass over a whole sequence at once, capturing every layer's attention probabilities.
#pragma once

#include "attnscope/attention.h"
#include "attnscope/engine.h"
#include "attnscope/head_step.h"
#include "attnscope/model.h"

#include <vector>

namespace attnscope {

// Runs ids (T) through the model. Fills out.attention (layers, heads, T, T) and out.logits
// ((T or 1), vocab), or no logits for an encoder without a language-model head; with params.valueNorms also
// out.valueNorms (layers, heads, T). ids must be valid and T <= context; the engine checks both before calling.
// With a trace, the pass stops at trace->layer as soon as that layer's q, k and v are in it; `out` is then only
// scratch (one layer's attention at a time for the layers before) and holds no result.
Status forwardTransformer(const Model &model, const std::vector<int> &ids, const AnalyzeParams &params,
                          AttentionResult &out, const ProgressFn &progress, LayerTrace *trace = nullptr);

} // namespace attnscope
