// Selection, renormalisation, aggregation and reductions of attention matrices for display.
#include "attnscope/attention_view.h"

#include <algorithm>
#include <cmath>

namespace attnscope {

std::vector<int> visiblePositions(const AttentionResult &result, bool hideSpecial) {
    std::vector<int> kept;
    const int T = result.seqLen();
    kept.reserve(static_cast<std::size_t>(T));
    for (int i = 0; i < T; ++i)
        if (!hideSpecial || !result.tokens[static_cast<std::size_t>(i)].special)
            kept.push_back(i);
    if (kept.empty()) // only special tokens: show them rather than an empty picture
        for (int i = 0; i < T; ++i)
            kept.push_back(i);
    return kept;
}

namespace {

// Copies the visible rows/columns of one (T, T) head into dst (n, n) and, when some were dropped,
// renormalises each row so the weights that remain sum to 1.
void extractHead(const AttentionResult &r, int layer, int head, const std::vector<int> &pos, float *dst) {
    const int T = r.seqLen();
    const int n = static_cast<int>(pos.size());
    const HeadMatrix matrix = r.head(layer, head);
    const float *src = matrix.data();
    const bool dropped = n != T;
    for (int i = 0; i < n; ++i) {
        const float *in = src + static_cast<std::size_t>(pos[static_cast<std::size_t>(i)]) * T;
        float *out = dst + static_cast<std::size_t>(i) * n;
        if (!dropped) {
            std::copy(in, in + T, out);
            continue;
        }
        double sum = 0;
        for (int j = 0; j < n; ++j) {
            out[j] = in[pos[static_cast<std::size_t>(j)]];
            sum += out[j];
        }
        if (sum > 0) {
            const float inv = static_cast<float>(1.0 / sum);
            for (int j = 0; j < n; ++j)
                out[j] *= inv;
        }
    }
}

} // namespace

AttentionMatrix attentionMatrix(const AttentionResult &result, const ViewParams &params) {
    AttentionMatrix m;
    m.causal = result.causal;
    if (result.seqLen() == 0 || result.layers <= 0 || result.heads <= 0)
        return m;
    m.positions = visiblePositions(result, params.hideSpecial);
    m.size = static_cast<int>(m.positions.size());
    const std::size_t cells = static_cast<std::size_t>(m.size) * m.size;
    m.weights.assign(cells, 0.0f);
    const int layer = std::clamp(params.layer, 0, result.layers - 1);
    const int head = std::clamp(params.head, 0, result.heads - 1);

    m.window = result.window(layer);
    if (params.aggregation == Aggregation::Head) {
        extractHead(result, layer, head, m.positions, m.weights.data());
        return m;
    }
    int firstLayer = layer, lastLayer = layer;
    if (params.aggregation == Aggregation::MeanOfAll) {
        firstLayer = 0;
        lastLayer = result.layers - 1;
        // A key is masked in the mean only where every layer masks it: the widest window, or none.
        for (int l = 0; l < result.layers; ++l)
            m.window = result.window(l) == 0 ? 0 : std::max(m.window, result.window(l));
        for (int l = 0; l < result.layers && m.window > 0; ++l)
            if (result.window(l) == 0)
                m.window = 0;
    }
    std::vector<float> one(cells);
    int count = 0;
    for (int l = firstLayer; l <= lastLayer; ++l) {
        for (int h = 0; h < result.heads; ++h, ++count) {
            extractHead(result, l, h, m.positions, one.data());
            if (params.aggregation == Aggregation::MaxOfHeads) {
                for (std::size_t c = 0; c < cells; ++c)
                    m.weights[c] = std::max(m.weights[c], one[c]);
            } else {
                for (std::size_t c = 0; c < cells; ++c)
                    m.weights[c] += one[c];
            }
        }
    }
    if (params.aggregation != Aggregation::MaxOfHeads && count > 0) {
        const float inv = 1.0f / static_cast<float>(count);
        for (float &w : m.weights)
            w *= inv;
    }
    return m;
}

std::vector<float> downsampleMax(const AttentionMatrix &m, int out) {
    const int n = m.size;
    out = std::clamp(out, 0, n);
    std::vector<float> dst(static_cast<std::size_t>(out) * out, -1.0f);
    if (out == 0)
        return dst;
    // Column block of every input column, so the inner loop is a single pass over each input row.
    std::vector<int> colBlock(static_cast<std::size_t>(n));
    for (int c = 0; c < out; ++c) {
        const int begin = static_cast<int>(static_cast<long long>(c) * n / out);
        const int end = static_cast<int>(static_cast<long long>(c + 1) * n / out);
        for (int j = begin; j < end; ++j)
            colBlock[static_cast<std::size_t>(j)] = c;
    }
    for (int r = 0; r < out; ++r) {
        float *line = dst.data() + static_cast<std::size_t>(r) * out;
        const int begin = static_cast<int>(static_cast<long long>(r) * n / out);
        const int end = static_cast<int>(static_cast<long long>(r + 1) * n / out);
        for (int i = begin; i < end; ++i) {
            const float *row = m.row(i);
            const int last = m.causal ? i : n - 1; // keys after i are masked
            for (int j = 0; j <= last; ++j) {
                if (m.window > 0 && m.masked(i, j))
                    continue;
                float &cell = line[colBlock[static_cast<std::size_t>(j)]];
                cell = std::max(cell, row[j]);
            }
        }
    }
    return dst;
}

std::vector<Link> strongLinks(const AttentionMatrix &m, float threshold, int topK) {
    std::vector<Link> links;
    std::vector<Link> row;
    for (int i = 0; i < m.size; ++i) {
        row.clear();
        const int last = m.causal ? i : m.size - 1;
        for (int j = 0; j <= last; ++j) {
            if (m.window > 0 && m.masked(i, j))
                continue;
            const float w = m.at(i, j);
            if (w >= threshold && w > 0)
                row.push_back({i, j, w});
        }
        std::sort(row.begin(), row.end(), [](const Link &a, const Link &b) {
            return a.weight != b.weight ? a.weight > b.weight : a.key < b.key;
        });
        if (topK > 0 && static_cast<int>(row.size()) > topK)
            row.resize(static_cast<std::size_t>(topK));
        links.insert(links.end(), row.begin(), row.end());
    }
    return links;
}

HeadPattern headPattern(const AttentionMatrix &m) {
    HeadPattern p;
    if (m.size < 2)
        return p;
    double prev = 0, self = 0, first = 0;
    for (int i = 1; i < m.size; ++i) {
        prev += m.at(i, i - 1);
        self += m.at(i, i);
        first += m.at(i, 0);
    }
    const double rows = m.size - 1;
    p.previousToken = static_cast<float>(prev / rows);
    p.self = static_cast<float>(self / rows);
    p.firstToken = static_cast<float>(first / rows);
    // Row 1's previous token is also the first token; a clear winner must beat the others by a margin.
    struct Candidate {
        float score;
        const char *name;
    };
    Candidate c[] = {{p.previousToken, "previous token"}, {p.self, "self"}, {p.firstToken, "first token"}};
    std::sort(std::begin(c), std::end(c), [](const Candidate &a, const Candidate &b) { return a.score > b.score; });
    if (c[0].score >= 0.5f && c[0].score >= c[1].score + 0.2f)
        p.label = c[0].name;
    return p;
}

float ColorScale::toUnit(float w) const {
    if (kind == Kind::Signed) // -range -> 0, 0 -> 0.5, range -> 1
        return std::isnan(w) ? 0.5f : (std::clamp(w / signedRange, -1.0f, 1.0f) + 1.0f) * 0.5f;
    if (!(w > 0))
        return 0.0f;
    if (w >= 1.0f)
        return 1.0f;
    switch (kind) {
    case Kind::Linear:
        return w;
    case Kind::Log: {
        const float lo = std::log10(logFloor);
        return std::clamp((std::log10(w) - lo) / -lo, 0.0f, 1.0f);
    }
    case Kind::Power:
        return std::pow(w, gamma);
    case Kind::Signed: // handled above
        break;
    }
    return w;
}

float ColorScale::fromUnit(float t) const {
    t = std::clamp(t, 0.0f, 1.0f);
    switch (kind) {
    case Kind::Linear:
        return t;
    case Kind::Log: {
        const float lo = std::log10(logFloor);
        return t <= 0.0f ? 0.0f : std::pow(10.0f, lo * (1.0f - t));
    }
    case Kind::Power:
        return std::pow(t, 1.0f / gamma);
    case Kind::Signed:
        return (2.0f * t - 1.0f) * signedRange;
    }
    return t;
}

std::vector<float> ColorScale::ticks() const {
    switch (kind) {
    case Kind::Linear:
        return {0.0f, 0.25f, 0.5f, 0.75f, 1.0f};
    case Kind::Log: {
        std::vector<float> t;
        for (float v = 1.0f; v >= logFloor * 0.999f; v /= 10.0f)
            t.insert(t.begin(), v);
        return t;
    }
    case Kind::Power:
        return {0.0f, 0.05f, 0.2f, 0.5f, 1.0f};
    case Kind::Signed:
        return {-signedRange, -0.5f * signedRange, 0.0f, 0.5f * signedRange, signedRange};
    }
    return {};
}

std::string ColorScale::name() const {
    switch (kind) {
    case Kind::Linear:
        return "linear";
    case Kind::Log:
        return "log";
    case Kind::Signed:
        return "signed";
    case Kind::Power: {
        std::string g = std::to_string(gamma);
        g.erase(g.find_last_not_of('0') + 1);
        if (!g.empty() && g.back() == '.')
            g.pop_back();
        return "power " + g;
    }
    }
    return {};
}

} // namespace attnscope
