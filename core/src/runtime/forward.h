// The transformer forward pass, a chunk of tokens at a time, into a KvCache (see kv_cache.h and forward.cpp).
#pragma once

#include "attnscope/attention.h"
#include "attnscope/engine.h"
#include "attnscope/head_step.h"
#include "attnscope/model.h"
#include "runtime/kv_cache.h"

#include <vector>

namespace attnscope {

// Runs ids (T) through the model. The cache holds the rows of ids' first cache.seqLen() tokens already (0 for a
// fresh analysis; only a causal model continues one) and ends holding all T. Fills out's shape, its logits (the
// last position, or every one with params.allPositionLogits; none for an encoder without a language-model head)
// and with value norms out.valueNorms (layers, heads, T). ids must be valid and T <= context; the engine checks
// both. With a trace, the pass stops at trace->layer as soon as that layer's q, k and v are in it; `out` and the
// cache then hold no result.
// RMSNorm or LayerNorm of each of the (rows, n) rows of x, in place.
void normalizeRows(float *x, std::int64_t rows, std::int64_t n, NormKind kind, const Norm &norm, float eps);
// The model's final norm on (rows, dim) residual-stream rows, in place (nothing when the model has none): what the
// forward pass applies before the language-model head.
void finalNormRows(const Model &model, float *x, std::int64_t rows);

Status forwardTransformer(KvCache &cache, const std::vector<int> &ids, const AnalyzeParams &params,
                          AttentionResult &out, const ProgressFn &progress, LayerTrace *trace = nullptr);

} // namespace attnscope
