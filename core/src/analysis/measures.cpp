// Rollout as a running product of (T, T) matrices in double, stored as float per layer; value-weighted attention
// as each weight times its key's value norm.
#include "attnscope/measures.h"

#include "runtime/memory.h"

#include <Eigen/Dense>

namespace attnscope {

namespace {
using FloatMat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
}

const char *measureKey(Measure measure) {
    switch (measure) {
    case Measure::Value:
        return "value";
    case Measure::Rollout:
        return "rollout";
    case Measure::Raw:
        break;
    }
    return "raw";
}

std::optional<Measure> parseMeasure(std::string_view key) {
    for (Measure m : {Measure::Raw, Measure::Value, Measure::Rollout})
        if (key == measureKey(m))
            return m;
    return std::nullopt;
}

const char *measureTitle(Measure measure) {
    switch (measure) {
    case Measure::Value:
        return "value-weighted attention";
    case Measure::Rollout:
        return "attention rollout";
    case Measure::Raw:
        break;
    }
    return "attention weights";
}

std::vector<float> attentionRollout(const AttentionResult &r) {
    using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const int T = r.seqLen();
    std::vector<float> out(static_cast<std::size_t>(r.layers) * T * T);
    if (T == 0 || r.heads == 0)
        return out;
    Mat rollout = Mat::Identity(T, T);
    for (int l = 0; l < r.layers; ++l) {
        Mat a = Mat::Zero(T, T); // (T, T) mean over heads
        for (int h = 0; h < r.heads; ++h)
            a += Eigen::Map<const FloatMat>(r.head(l, h).data(), T, T).cast<double>();
        a /= r.heads;
        a = 0.5 * a + 0.5 * Mat::Identity(T, T); // the residual connection
        a.array().colwise() /= a.rowwise().sum().array();
        rollout = a * rollout;
        Eigen::Map<FloatMat>(out.data() + static_cast<std::size_t>(l) * T * T, T, T) = rollout.cast<float>();
    }
    return out;
}

namespace {
// Each weight times its key's value norm, into `out` (which may be r.attention itself: the work is per cell).
void weighByValueNorms(const AttentionResult &r, float *out, bool normalise, std::vector<float> *rowTotals) {
    const std::size_t T = static_cast<std::size_t>(r.seqLen()), n = static_cast<std::size_t>(r.layers) * r.heads;
    if (rowTotals)
        rowTotals->resize(n * T);
    for (std::size_t lh = 0; lh < n; ++lh) {
        const Eigen::Map<const Eigen::RowVectorXf> norms(r.valueNorms.data() + lh * T, Eigen::Index(T)); // (T)
        const HeadMatrix head = r.head(static_cast<int>(lh) / r.heads, static_cast<int>(lh) % r.heads);
        const Eigen::Map<const FloatMat> a(head.data(), Eigen::Index(T), Eigen::Index(T));
        Eigen::Map<FloatMat> v(out + lh * T * T, Eigen::Index(T), Eigen::Index(T));
        v = a.array().rowwise() * norms.array();
        for (Eigen::Index i = 0; i < Eigen::Index(T) && (normalise || rowTotals); ++i) {
            const float sum = v.row(i).sum();
            if (rowTotals)
                (*rowTotals)[lh * T + std::size_t(i)] = sum;
            if (normalise && sum > 0.0f)
                v.row(i) /= sum;
        }
    }
}

bool hasValueNorms(const AttentionResult &r) {
    const std::size_t T = static_cast<std::size_t>(r.seqLen()), n = static_cast<std::size_t>(r.layers) * r.heads;
    return r.valueNorms.size() == n * T && r.hasAttention();
}
} // namespace

FloatBuffer valueWeightedAttention(const AttentionResult &r, bool normalise, std::vector<float> *rowTotals) {
    FloatBuffer out;
    if (!hasValueNorms(r))
        return out;
    const std::size_t T = static_cast<std::size_t>(r.seqLen());
    out.resize(static_cast<std::size_t>(r.layers) * r.heads * T * T);
    weighByValueNorms(r, out.data(), normalise, rowTotals);
    return out;
}

Result<AttentionResult> withMeasure(AttentionResult &&raw, Measure measure) {
    if (measure != Measure::Value || raw.measure != Measure::Raw)
        return withMeasure(static_cast<const AttentionResult &>(raw), measure);
    if (!hasValueNorms(raw))
        return makeError("value-weighted attention needs the value norms; analyse with valueNorms on");
    if (raw.attention.empty()) { // every head is needed, stored: one copy, weighted where it lies
        const double T = raw.seqLen();
        if (auto room = checkMemory(double(raw.layers) * raw.heads * T * T * 4,
                                    "value-weighted attention of " + std::to_string(raw.seqLen()) + " tokens");
            !room)
            return room.error();
        raw.materialize();
    }
    weighByValueNorms(raw, raw.attention.data(), true, &raw.rowTotals); // in place: one copy of the attention
    raw.measure = Measure::Value;
    return std::move(raw);
}

Result<AttentionResult> withMeasure(const AttentionResult &raw, Measure measure) {
    if (raw.measure != Measure::Raw)
        return makeError("a measure is computed from raw attention");
    AttentionResult out;
    out.text = raw.text;
    out.tokens = raw.tokens;
    out.layers = raw.layers;
    out.heads = raw.heads;
    out.vocabSize = raw.vocabSize;
    out.causal = raw.causal;
    out.windows = measure == Measure::Rollout ? std::vector<int>{} : raw.windows; // rollout mixes every layer
    out.truncated = raw.truncated;
    out.logits = raw.logits;
    out.logitRows = raw.logitRows;
    out.computeMs = raw.computeMs;
    out.valueNorms = raw.valueNorms;
    out.measure = measure;
    if (measure != Measure::Raw) { // these are stored: refuse what cannot fit before the work
        const double T = raw.seqLen();
        const double bytes = (measure == Measure::Rollout ? raw.layers * T * T * 4 + 3 * T * T * 8
                                                          : double(raw.layers) * raw.heads * T * T * 4);
        if (auto room = checkMemory(bytes, std::string(measureTitle(measure)) + " of " + std::to_string(raw.seqLen()) +
                                               " tokens");
            !room)
            return room.error();
    }
    switch (measure) {
    case Measure::Raw:
        out.attention = raw.attention;
        out.source = raw.source;
        break;
    case Measure::Value: {
        if (!hasValueNorms(raw))
            return makeError("value-weighted attention needs the value norms; analyse with valueNorms on");
        out.attention = valueWeightedAttention(raw, true, &out.rowTotals);
        break;
    }
    case Measure::Rollout: {
        const std::vector<float> rollout = attentionRollout(raw);
        out.heads = 1;
        out.attention.assign(rollout.begin(), rollout.end());
        break;
    }
    }
    return out;
}

} // namespace attnscope
