// Head role scores: one pass over each row; the induction targets are found once per text, not per head.
#include "attnscope/head_roles.h"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace attnscope {

std::vector<std::vector<int>> inductionTargets(const std::vector<int> &ids) {
    std::vector<std::vector<int>> targets(ids.size());
    std::unordered_map<int, std::vector<int>> seen; // id -> earlier positions
    for (int i = 0; i < static_cast<int>(ids.size()); ++i) {
        auto &earlier = seen[ids[static_cast<std::size_t>(i)]];
        for (const int j : earlier)
            if (j + 1 < i)
                targets[static_cast<std::size_t>(i)].push_back(j + 1);
        earlier.push_back(i);
    }
    return targets;
}

void headRowStats(const float *p, int query, int last, const std::vector<int> &targets, float entropy, float *stats) {
    const Eigen::Map<const Eigen::ArrayXf> a(p, last + 1);
    stats[StatEntropy] = entropy;
    stats[StatPrevious] = query >= 1 ? p[query - 1] : 0.0f;
    stats[StatSelf] = p[query];
    stats[StatFirst] = p[0];
    // Row sums in float (terms of at most 1), accumulated across rows in double by fromRowStats.
    stats[StatDistance] =
        (a * (static_cast<float>(query) - Eigen::ArrayXf::LinSpaced(last + 1, 0.0f, static_cast<float>(last)))).sum();
    if (targets.empty()) {
        stats[StatInduction] = std::numeric_limits<float>::quiet_NaN();
    } else {
        double s = 0;
        for (const int k : targets)
            s += p[k];
        stats[StatInduction] = static_cast<float>(s);
    }
}

namespace {

// The label of a head from its scores: the strongest at least 0.5 and 0.2 ahead of the next.
void label(HeadRoles &r) {
    std::vector<std::pair<double, const char *>> c = {
        {r.previousToken, "previous token"}, {r.self, "self"}, {r.firstToken, "first-token sink"}};
    if (r.induction)
        c.emplace_back(*r.induction, "induction");
    std::sort(c.begin(), c.end(), [](const auto &x, const auto &y) { return x.first > y.first; });
    if (c[0].first >= 0.5 && c[0].first >= c[1].first + 0.2)
        r.label = c[0].second;
}

// Means over rows 1.. of the statistics the forward pass recorded (HeadRowStat order per row).
HeadRoles fromRowStats(const std::vector<float> &stats, int T) {
    HeadRoles r;
    if (T < 2)
        return r;
    double inductionSum = 0;
    int inductionRows = 0;
    for (int i = 1; i < T; ++i) {
        const float *s = stats.data() + static_cast<std::size_t>(i) * kHeadRowStats;
        r.entropy += s[StatEntropy];
        r.previousToken += s[StatPrevious];
        r.self += s[StatSelf];
        r.firstToken += s[StatFirst];
        r.distance += s[StatDistance];
        if (!std::isnan(s[StatInduction])) {
            inductionSum += s[StatInduction];
            ++inductionRows;
        }
    }
    const double rows = T - 1;
    r.entropy /= rows;
    r.previousToken /= rows;
    r.self /= rows;
    r.firstToken /= rows;
    r.distance /= rows;
    if (inductionRows > 0)
        r.induction = inductionSum / inductionRows;
    label(r);
    return r;
}

// From the matrix: each row's statistics as the forward pass records them (the entropy from the weights), then
// their means.
HeadRoles scores(const float *a, int T, const std::vector<std::vector<int>> &targets, bool causal) {
    std::vector<float> stats(static_cast<std::size_t>(std::max(T, 0)) * kHeadRowStats);
    for (int i = 1; i < T; ++i) {
        const float *row = a + static_cast<std::size_t>(i) * T;
        // Keys past i are structurally zero in a causal head: skip them.
        const int last = causal ? i : T - 1;
        const Eigen::Map<const Eigen::ArrayXf> p(row, last + 1); // (keys visible to row i)
        // Vectorised log; 0 * log 0 counts as 0.
        const float entropy = -(p > 0.0f).select(p * p.max(1e-30f).log(), 0.0f).sum();
        headRowStats(row, i, last, targets[static_cast<std::size_t>(i)], entropy,
                     stats.data() + static_cast<std::size_t>(i) * kHeadRowStats);
    }
    return fromRowStats(stats, T);
}

} // namespace

HeadRoles headRoles(const float *matrix, const std::vector<int> &ids) {
    return scores(matrix, static_cast<int>(ids.size()), inductionTargets(ids), false);
}

std::vector<HeadRoles> allHeadRoles(const AttentionResult &result) {
    std::vector<HeadRoles> out(static_cast<std::size_t>(result.layers) * result.heads);
    if (result.attention.empty() && result.source && result.source->hasRowStats() && result.measure == Measure::Raw) {
        std::vector<float> stats;
        for (int k = 0; k < result.layers * result.heads; ++k) {
            result.source->rowStats(k / result.heads, k % result.heads, stats);
            HeadRoles r = fromRowStats(stats, result.seqLen());
            r.layer = k / result.heads;
            r.head = k % result.heads;
            out[static_cast<std::size_t>(k)] = std::move(r);
        }
        return out;
    }
    std::vector<int> ids;
    for (const Token &t : result.tokens)
        ids.push_back(t.id);
    const auto targets = inductionTargets(ids);
#pragma omp parallel for schedule(static)
    for (int k = 0; k < result.layers * result.heads; ++k) {
        HeadRoles r = scores(result.head(k / result.heads, k % result.heads).data(), result.seqLen(), targets, result.causal);
        r.layer = k / result.heads;
        r.head = k % result.heads;
        out[static_cast<std::size_t>(k)] = std::move(r);
    }
    return out;
}

} // namespace attnscope
