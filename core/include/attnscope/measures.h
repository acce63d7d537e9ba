// Measures computed from captured attention, beyond the raw weights. Attention rollout (Abnar & Zuidema 2020):
// per layer A_hat = 0.5 * mean over heads of A + 0.5 * I, rows renormalised, multiplied from the first layer up,
// so entry l is how much each position draws on each input token through layers 0..l.
#pragma once

#include "attnscope/attention.h"

#include <vector>

namespace attnscope {

// (layers, T, T) row-major: rollout through layers 0..l for every l.
std::vector<float> attentionRollout(const AttentionResult &result);

} // namespace attnscope
