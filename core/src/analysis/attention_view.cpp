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

// Pattern scores from their sums over `rows` query rows (i >= 1), with the label of a clear winner.
HeadPattern patternOfSums(double prev, double self, double first, int rows) {
    HeadPattern p;
    if (rows <= 0)
        return p;
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

} // namespace


int aggregateWindow(const AttentionResult &result, const ViewParams &params) {
    if (result.layers <= 0)
        return 0;
    if (params.aggregation != Aggregation::MeanOfAll)
        return result.window(std::clamp(params.layer, 0, result.layers - 1));
    // A key is masked in the mean only where every layer masks it: the widest window, or none.
    int window = 0;
    for (int l = 0; l < result.layers; ++l) {
        if (result.window(l) == 0)
            return 0;
        window = std::max(window, result.window(l));
    }
    return window;
}

int aggregatedHeads(const AttentionResult &result, const ViewParams &params) {
    switch (params.aggregation) {
    case Aggregation::Head: return 1;
    case Aggregation::MeanOfHeads:
    case Aggregation::MaxOfHeads: return result.heads;
    case Aggregation::MeanOfAll: return result.layers * result.heads;
    }
    return 1;
}

void attentionMatrixRows(const AttentionResult &result, const ViewParams &params, const std::vector<int> &pos,
                         int row0, int n, float *out) {
    const int cols = static_cast<int>(pos.size());
    const std::size_t cells = static_cast<std::size_t>(n) * cols;
    std::fill(out, out + cells, 0.0f);
    if (n <= 0 || result.seqLen() == 0 || result.layers <= 0 || result.heads <= 0)
        return;
    const int layer = std::clamp(params.layer, 0, result.layers - 1);
    const int head = std::clamp(params.head, 0, result.heads - 1);
    int firstLayer = layer, lastLayer = layer, firstHead = head, lastHead = head;
    if (params.aggregation != Aggregation::Head) {
        firstHead = 0;
        lastHead = result.heads - 1;
    }
    if (params.aggregation == Aggregation::MeanOfAll) {
        firstLayer = 0;
        lastLayer = result.layers - 1;
    }
    // The full rows the visible rows come from: one contiguous range of positions.
    const int T = result.seqLen();
    const int p0 = pos[static_cast<std::size_t>(row0)], p1 = pos[static_cast<std::size_t>(row0 + n - 1)] + 1;
    const bool whole = p0 == 0 && p1 == T && cols == T;
    std::vector<float> full(whole ? 0 : static_cast<std::size_t>(p1 - p0) * T);
    std::vector<float> one(params.aggregation == Aggregation::Head ? 0 : cells);
    int count = 0;
    for (int l = firstLayer; l <= lastLayer; ++l)
        for (int h = firstHead; h <= lastHead; ++h, ++count) {
            float *dst = params.aggregation == Aggregation::Head ? out : one.data();
            if (whole) { // the whole head: the result's cache of materialised heads serves it
                const HeadMatrix m = result.head(l, h);
                std::copy(m.data(), m.data() + cells, dst);
            } else {
                result.rows(l, h, p0, p1 - p0, full.data());
                for (int i = 0; i < n; ++i) {
                    const float *in = full.data() + static_cast<std::size_t>(pos[static_cast<std::size_t>(row0 + i)] - p0) * T;
                    float *line = dst + static_cast<std::size_t>(i) * cols;
                    double sum = 0;
                    for (int j = 0; j < cols; ++j) {
                        line[j] = in[pos[static_cast<std::size_t>(j)]];
                        sum += line[j];
                    }
                    // Hidden keys dropped: the weights that remain sum to 1 again.
                    if (cols != T && sum > 0) {
                        const float inv = static_cast<float>(1.0 / sum);
                        for (int j = 0; j < cols; ++j)
                            line[j] *= inv;
                    }
                }
            }
            if (params.aggregation == Aggregation::Head)
                return;
            if (params.aggregation == Aggregation::MaxOfHeads) {
                for (std::size_t c = 0; c < cells; ++c)
                    out[c] = std::max(out[c], one[c]);
            } else {
                for (std::size_t c = 0; c < cells; ++c)
                    out[c] += one[c];
            }
        }
    if (params.aggregation != Aggregation::MaxOfHeads && count > 0) {
        const float inv = 1.0f / static_cast<float>(count);
        for (std::size_t c = 0; c < cells; ++c)
            out[c] *= inv;
    }
}

AttentionMatrix attentionMatrix(const AttentionResult &result, const ViewParams &params) {
    AttentionMatrix m;
    m.causal = result.causal;
    if (result.seqLen() == 0 || result.layers <= 0 || result.heads <= 0)
        return m;
    m.positions = visiblePositions(result, params.hideSpecial);
    m.size = static_cast<int>(m.positions.size());
    m.window = aggregateWindow(result, params);
    m.weights.resize(static_cast<std::size_t>(m.size) * m.size);
    attentionMatrixRows(result, params, m.positions, 0, m.size, m.weights.data());
    return m;
}

namespace {
// The matrix params names without its weights: positions, causality and window, for masked().
AttentionMatrix maskOf(const AttentionResult &result, const ViewParams &params, const std::vector<int> &positions) {
    AttentionMatrix mask;
    mask.size = static_cast<int>(positions.size());
    mask.positions = positions;
    mask.causal = result.causal;
    mask.window = aggregateWindow(result, params);
    return mask;
}
} // namespace

bool poolAttention(const AttentionResult &result, const ViewParams &params, const std::vector<int> &pos,
                   AttentionRegion &region, const std::function<bool()> &cancelled, HeadPattern *pattern) {
    const int n = static_cast<int>(pos.size());
    region.row0 = std::clamp(region.row0, 0, n);
    region.row1 = std::clamp(region.row1, region.row0, n);
    region.col0 = std::clamp(region.col0, 0, n);
    region.col1 = std::clamp(region.col1, region.col0, n);
    region.outRows = std::clamp(region.outRows, 0, region.rows());
    region.outCols = std::clamp(region.outCols, 0, region.cols());
    region.cells.assign(static_cast<std::size_t>(region.outRows) * region.outCols, -1.0f);
    if (region.outRows == 0 || region.outCols == 0)
        return true;
    const AttentionMatrix mask = maskOf(result, params, pos);
    // Output cell of every input row and column: block b covers [b * size / out, (b + 1) * size / out).
    const auto blocks = [](int size, int out) {
        std::vector<int> of(static_cast<std::size_t>(size));
        for (int b = 0; b < out; ++b)
            for (int i = static_cast<int>(static_cast<long long>(b) * size / out),
                     end = static_cast<int>(static_cast<long long>(b + 1) * size / out);
                 i < end; ++i)
                of[static_cast<std::size_t>(i)] = b;
        return of;
    };
    const std::vector<int> rowBlock = blocks(region.rows(), region.outRows);
    const std::vector<int> colBlock = blocks(region.cols(), region.outCols);
    // Rows per block: about 4 MB of visible rows.
    const int block = std::clamp((1 << 20) / std::max(n, 1), 1, 256);
    std::vector<float> rows(static_cast<std::size_t>(block) * n);
    double prev = 0, self = 0, first = 0;
    for (int r0 = region.row0; r0 < region.row1; r0 += block) {
        if (cancelled && cancelled()) {
            region.cells.clear();
            return false;
        }
        const int count = std::min(block, region.row1 - r0);
        attentionMatrixRows(result, params, pos, r0, count, rows.data());
        for (int i = 0; i < count; ++i) {
            const int row = r0 + i;
            const float *line = rows.data() + static_cast<std::size_t>(i) * n;
            if (pattern && row >= 1) {
                prev += line[row - 1];
                self += line[row];
                first += line[0];
            }
            const int outRow = rowBlock[static_cast<std::size_t>(row - region.row0)];
            float *out = region.cells.data() + static_cast<std::size_t>(outRow) * region.outCols;
            const int last = std::min(region.col1, mask.causal ? row + 1 : n);
            for (int j = region.col0; j < last; ++j) {
                if (mask.window > 0 && mask.masked(row, j))
                    continue;
                float &cell = out[colBlock[static_cast<std::size_t>(j - region.col0)]];
                cell = std::max(cell, line[j]);
            }
        }
    }
    if (pattern)
        *pattern = patternOfSums(prev, self, first, std::max(0, region.row1 - std::max(region.row0, 1)));
    return true;
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

namespace {
// The links of query row i (weights `row` over every visible key) onto links, strongest first.
void appendRowLinks(const AttentionMatrix &mask, const float *row, int i, float threshold, int topK, std::vector<Link> &links) {
    thread_local std::vector<Link> found;
    found.clear();
    const int last = mask.causal ? i : mask.size - 1;
    for (int j = 0; j <= last; ++j) {
        if (mask.window > 0 && mask.masked(i, j))
            continue;
        const float w = row[j];
        if (w >= threshold && w > 0)
            found.push_back({i, j, w});
    }
    std::sort(found.begin(), found.end(), [](const Link &a, const Link &b) {
        return a.weight != b.weight ? a.weight > b.weight : a.key < b.key;
    });
    if (topK > 0 && static_cast<int>(found.size()) > topK)
        found.resize(static_cast<std::size_t>(topK));
    links.insert(links.end(), found.begin(), found.end());
}
} // namespace

std::vector<Link> strongLinks(const AttentionMatrix &m, float threshold, int topK) {
    std::vector<Link> links;
    for (int i = 0; i < m.size; ++i)
        appendRowLinks(m, m.row(i), i, threshold, topK, links);
    return links;
}

std::vector<Link> strongLinks(const AttentionResult &result, const ViewParams &params, const std::vector<int> &positions,
                              float threshold, int topK) {
    const AttentionMatrix mask = maskOf(result, params, positions);
    const int n = mask.size;
    const int block = std::clamp((1 << 20) / std::max(n, 1), 1, 256);
    std::vector<float> rows(static_cast<std::size_t>(block) * n);
    std::vector<Link> links;
    for (int r0 = 0; r0 < n; r0 += block) {
        const int count = std::min(block, n - r0);
        attentionMatrixRows(result, params, positions, r0, count, rows.data());
        for (int i = 0; i < count; ++i)
            appendRowLinks(mask, rows.data() + static_cast<std::size_t>(i) * n, r0 + i, threshold, topK, links);
    }
    return links;
}

HeadPattern headPattern(const AttentionMatrix &m) {
    double prev = 0, self = 0, first = 0;
    for (int i = 1; i < m.size; ++i) {
        prev += m.at(i, i - 1);
        self += m.at(i, i);
        first += m.at(i, 0);
    }
    return patternOfSums(prev, self, first, std::max(0, m.size - 1));
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
