// Measures computed from captured attention, beyond the raw weights.
// - Value-weighted attention (Kobayashi et al. 2020, "Attention is not only a weight"): ||alpha_ij W_O^h v_j||, the
//   size of what key j actually adds to query i's residual stream through head h (value bias included, output
//   bias left out as it does not depend on j). Needs AnalyzeParams::valueNorms.
// - Attention rollout (Abnar & Zuidema 2020): per layer A_hat = 0.5 * mean over heads of A + 0.5 * I, rows
//   renormalised, multiplied from the first layer up, so entry l is how much each position draws on each input
//   token through layers 0..l.
#pragma once

#include "attnscope/attention.h"
#include "attnscope/result.h"

#include <optional>
#include <string_view>
#include <vector>

namespace attnscope {

// "raw", "value", "rollout": the names the command line and session files use.
const char *measureKey(Measure measure);
std::optional<Measure> parseMeasure(std::string_view key);
// For titles: "attention weights", "value-weighted attention", "attention rollout".
const char *measureTitle(Measure measure);

// (layers, T, T) row-major: rollout through layers 0..l for every l.
std::vector<float> attentionRollout(const AttentionResult &result);

// (layers, heads, T, T): alpha_ij * ||W_O^h v_j||; with normalise, each row divided by its sum (a row whose
// norms are all zero stays zero); rowTotals, when given, gets each row's sum before normalising (layers, heads, T).
// Empty when result.valueNorms was not captured.
FloatBuffer valueWeightedAttention(const AttentionResult &result, bool normalise,
                                   std::vector<float> *rowTotals = nullptr);

// The same result with attention replaced by the measure: value rows normalised (rowTotals kept for the raw
// norms), rollout as one head per layer. Raw returns a copy. Fails for Value when no value norms were captured.
Result<AttentionResult> withMeasure(const AttentionResult &raw, Measure measure);
// The same, consuming the raw result: Value is computed in place, so only one copy of the attention exists.
Result<AttentionResult> withMeasure(AttentionResult &&raw, Measure measure);

} // namespace attnscope
