// What the views show: hidden special tokens with renormalised rows, aggregates over heads and layers,
// max-pooled level of detail, arc links under threshold/top-k, head pattern scores and colour scales.
// Checked against hand-built matrices and against the raw weights of a real stories260K run.
#include "test_support.h"

#include <attnscope/attention_view.h>
#include <attnscope/engine.h>

#include <QtTest>

#include <cmath>
#include <numeric>

using namespace attnscope;

namespace {

// (layers, heads, T, T) causal result whose head (l, h) row i puts weight on a pattern chosen per head.
AttentionResult makeResult(int layers, int heads, int T, bool firstSpecial) {
    AttentionResult r;
    r.layers = layers;
    r.heads = heads;
    r.causal = true;
    r.tokens.resize(static_cast<std::size_t>(T));
    for (int i = 0; i < T; ++i)
        r.tokens[static_cast<std::size_t>(i)].piece = std::to_string(i); // ("t" + s trips GCC 12's -Wrestrict)
    r.tokens[0].special = firstSpecial;
    r.attention.assign(static_cast<std::size_t>(layers) * heads * T * T, 0.0f);
    for (int l = 0; l < layers; ++l)
        for (int h = 0; h < heads; ++h) {
            float *m = r.attention.data() + (static_cast<std::size_t>(l) * heads + h) * T * T;
            for (int i = 0; i < T; ++i) {
                double sum = 0;
                for (int j = 0; j <= i; ++j) {
                    m[i * T + j] = 1.0f + float((i * 7 + j * 3 + l * 5 + h * 11) % 13);
                    sum += m[i * T + j];
                }
                for (int j = 0; j <= i; ++j)
                    m[i * T + j] = float(m[i * T + j] / sum);
            }
        }
    return r;
}

double rowSum(const AttentionMatrix &m, int i) {
    return std::accumulate(m.row(i), m.row(i) + m.size, 0.0);
}

} // namespace

class TestAttentionView : public QObject {
    Q_OBJECT
private slots:
    void oneHeadIsTheRawHead();
    void hidingBosRenormalisesRows();
    void hidingBosOnRealModel();
    void everythingSpecialShowsEverything();
    void aggregates();
    void downsampleKeepsThinDiagonals();
    void rowsAndPoolsMatchTheWholeMatrix();
    void linksFollowThresholdAndTopK();
    void headPatternLabels();
    void colorScales();
    void emptyResult();
};

void TestAttentionView::oneHeadIsTheRawHead() {
    const AttentionResult r = makeResult(2, 3, 6, true);
    const AttentionMatrix m = attentionMatrix(r, {1, 2, Aggregation::Head, false});
    QCOMPARE(m.size, 6);
    QVERIFY(m.causal);
    for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j)
            QCOMPARE(m.at(i, j), r.weight(1, 2, i, j));
    // Out-of-range layer/head are clamped, not read out of bounds.
    const AttentionMatrix clamped = attentionMatrix(r, {9, -4, Aggregation::Head, false});
    QCOMPARE(clamped.at(5, 3), r.weight(1, 0, 5, 3));
}

void TestAttentionView::hidingBosRenormalisesRows() {
    const AttentionResult r = makeResult(1, 2, 7, true);
    const AttentionMatrix m = attentionMatrix(r, {0, 1, Aggregation::Head, true});
    QCOMPARE(m.size, 6);
    QCOMPARE(m.positions, (std::vector<int>{1, 2, 3, 4, 5, 6}));
    for (int i = 0; i < m.size; ++i)
        QVERIFY2(std::abs(rowSum(m, i) - 1.0) < 1e-6, qPrintable(QString::number(rowSum(m, i))));
    // Ratios between the remaining keys are those of the raw head.
    QVERIFY(std::abs(m.at(4, 1) / m.at(4, 3) - r.weight(0, 1, 5, 2) / r.weight(0, 1, 5, 4)) < 1e-5);
    // The first visible token can only look at itself once BOS is gone.
    QCOMPARE(m.at(0, 0), 1.0f);
}

void TestAttentionView::hidingBosOnRealModel() {
    auto engine = Engine::load(testsupport::stories260K());
    QVERIFY(engine.ok());
    auto result = engine.value()->analyze("Lily saw a big red ball. Lily wanted the ball.");
    QVERIFY(result.ok());
    const AttentionResult &r = result.value();
    QVERIFY(r.tokens.front().special);
    for (auto agg : {Aggregation::Head, Aggregation::MeanOfHeads, Aggregation::MeanOfAll}) {
        const AttentionMatrix m = attentionMatrix(r, {3, 5, agg, true});
        QCOMPARE(m.size, r.seqLen() - 1);
        for (int i = 0; i < m.size; ++i)
            QVERIFY(std::abs(rowSum(m, i) - 1.0) < 1e-5);
    }
    // BOS is a sink in this model: hiding it must change what is shown (or this test proves nothing).
    const AttentionMatrix raw = attentionMatrix(r, {4, 0, Aggregation::Head, false});
    QVERIFY(raw.at(10, 0) > 0.2f);
}

void TestAttentionView::everythingSpecialShowsEverything() {
    AttentionResult r = makeResult(1, 1, 1, true);
    QCOMPARE(visiblePositions(r, true), std::vector<int>{0});
    QCOMPARE(attentionMatrix(r, {0, 0, Aggregation::Head, true}).size, 1);
}

void TestAttentionView::aggregates() {
    const AttentionResult r = makeResult(3, 4, 5, true);
    const AttentionMatrix mean = attentionMatrix(r, {1, 0, Aggregation::MeanOfHeads, false});
    const AttentionMatrix max = attentionMatrix(r, {1, 0, Aggregation::MaxOfHeads, false});
    const AttentionMatrix all = attentionMatrix(r, {1, 0, Aggregation::MeanOfAll, false});
    for (int i = 0; i < 5; ++i) {
        for (int j = 0; j < 5; ++j) {
            double s = 0, mx = 0, a = 0;
            for (int h = 0; h < 4; ++h) {
                s += r.weight(1, h, i, j);
                mx = std::max<double>(mx, r.weight(1, h, i, j));
                for (int l = 0; l < 3; ++l)
                    a += r.weight(l, h, i, j);
            }
            QVERIFY(std::abs(mean.at(i, j) - s / 4) < 1e-6);
            QCOMPARE(double(max.at(i, j)), mx);
            QVERIFY(std::abs(all.at(i, j) - a / 12) < 1e-6);
        }
        QVERIFY(std::abs(rowSum(mean, i) - 1) < 1e-5);
        QVERIFY(std::abs(rowSum(all, i) - 1) < 1e-5);
    }
    // Max differs from mean where heads disagree (the data is built so they do).
    QVERIFY(max.at(4, 2) > mean.at(4, 2));
}

void TestAttentionView::downsampleKeepsThinDiagonals() {
    // A 9-token previous-token head: every row puts 0.9 on i-1. Pooled to 3x3, the sub-diagonal blocks must
    // still be bright, the strictly-upper blocks masked (-1), and a mean would have diluted them.
    AttentionMatrix m;
    m.size = 9;
    m.causal = true;
    m.weights.assign(81, 0.0f);
    m.weights[0] = 1;
    for (int i = 1; i < 9; ++i) {
        m.weights[i * 9 + i - 1] = 0.9f;
        m.weights[i * 9 + i] = 0.1f;
    }
    const std::vector<float> d = downsampleMax(m, 3);
    QCOMPARE(d.size(), std::size_t(9));
    QCOMPARE(d[0 * 3 + 0], 1.0f); // rows 0-2 x cols 0-2: (0,0) = 1, (1,0) and (2,1) = 0.9
    QCOMPARE(d[1 * 3 + 0], 0.9f); // (3,2)
    QCOMPARE(d[1 * 3 + 1], 0.9f);
    QCOMPARE(d[0 * 3 + 1], -1.0f); // rows 0-2 x cols 3-5: all masked
    QCOMPARE(d[0 * 3 + 2], -1.0f);
    QCOMPARE(d[2 * 3 + 0], 0.0f); // rows 6-8 x cols 0-2: visible, nothing there
    // Uneven blocks: 9 -> 4 still covers every cell exactly once (max of everything = 1 at (0,0)).
    const std::vector<float> e = downsampleMax(m, 4);
    QCOMPARE(e[0], 1.0f);
    QCOMPARE(e[3 * 4 + 3], 0.9f);
    // Asking for more cells than there are returns the matrix itself.
    const std::vector<float> same = downsampleMax(m, 50);
    QCOMPARE(same.size(), std::size_t(81));
    QCOMPARE(same[8 * 9 + 7], 0.9f);
    QCOMPARE(same[0 * 9 + 8], -1.0f);
}

void TestAttentionView::rowsAndPoolsMatchTheWholeMatrix() {
    // What a long text's views use instead of the whole matrix: any rows of it, pooled regions of it and the head
    // pattern, a block of rows at a time. On a real analysis (weights recomputed from the cache) with <s> first and
    // a special token in the middle too, every aggregation, special tokens shown and hidden.
    auto engine = Engine::load(testsupport::stories260K());
    QVERIFY(engine.ok());
    auto analysed = engine.value()->analyze("Lily saw a big red ball. Lily wanted the ball. She ran to it.");
    QVERIFY(analysed.ok());
    AttentionResult r = std::move(analysed.value());
    QVERIFY(r.source);
    r.tokens[7].special = true;
    for (const bool hide : {false, true})
        for (const auto agg : {Aggregation::Head, Aggregation::MeanOfHeads, Aggregation::MaxOfHeads, Aggregation::MeanOfAll}) {
            const ViewParams params{2, 3, agg, hide};
            const AttentionMatrix m = attentionMatrix(r, params);
            const int n = m.size;
            QCOMPARE(n, r.seqLen() - (hide ? 2 : 0));
            std::vector<float> rows(static_cast<std::size_t>(5) * n);
            attentionMatrixRows(r, params, m.positions, 4, 5, rows.data());
            for (int i = 0; i < 5; ++i)
                for (int j = 0; j < n; ++j)
                    QVERIFY(std::abs(rows[static_cast<std::size_t>(i) * n + j] - m.at(4 + i, j)) < 1e-6f);
            // The whole matrix pooled equals downsampleMax of it; the pattern equals headPattern's.
            for (const int side : {n, 7, 3}) {
                AttentionRegion all{0, n, 0, n, side, side, {}};
                HeadPattern pattern;
                QVERIFY(poolAttention(r, params, m.positions, all, {}, &pattern));
                const std::vector<float> expected = downsampleMax(m, side);
                QCOMPARE(all.cells.size(), expected.size());
                for (std::size_t c = 0; c < expected.size(); ++c)
                    QVERIFY(std::abs(all.cells[c] - expected[c]) < 1e-6f);
                const HeadPattern whole = headPattern(m);
                QVERIFY(std::abs(pattern.previousToken - whole.previousToken) < 1e-5f);
                QVERIFY(std::abs(pattern.self - whole.self) < 1e-5f);
                QVERIFY(std::abs(pattern.firstToken - whole.firstToken) < 1e-5f);
                QCOMPARE(pattern.label, whole.label);
            }
            // A part at its own size is its exact cells (-1 above the diagonal); pooled, each cell is its block's max.
            AttentionRegion part{3, 12, 2, 9, 9, 7, {}};
            QVERIFY(poolAttention(r, params, m.positions, part));
            for (int i = 0; i < 9; ++i)
                for (int j = 0; j < 7; ++j) {
                    const float cell = part.cells[static_cast<std::size_t>(i) * 7 + j];
                    QCOMPARE(cell, m.masked(3 + i, 2 + j) ? -1.0f : m.at(3 + i, 2 + j));
                }
            AttentionRegion pooled{3, 12, 2, 9, 3, 2, {}};
            QVERIFY(poolAttention(r, params, m.positions, pooled));
            float best = -1;
            for (int i = 6; i < 9; ++i) // output row 1 = rows 3+3..3+5, output column 0 = columns 2..4
                for (int j = 0; j < 3; ++j)
                    if (!m.masked(3 + i, 2 + j))
                        best = std::max(best, m.at(3 + i, 2 + j));
            QCOMPARE(pooled.cells[2 * 2 + 0], best);
        }
    // Out-of-range regions are clamped; a cancelled computation says so and leaves no cells.
    const std::vector<int> pos = visiblePositions(r, false);
    AttentionRegion wide{-5, 9999, -1, 9999, 9999, 4, {}};
    QVERIFY(poolAttention(r, {0, 0, Aggregation::Head, false}, pos, wide));
    QCOMPARE(wide.row1, r.seqLen());
    QCOMPARE(wide.outRows, r.seqLen());
    AttentionRegion cancelled{0, r.seqLen(), 0, r.seqLen(), 4, 4, {}};
    QVERIFY(!poolAttention(r, {0, 0, Aggregation::Head, false}, pos, cancelled, [] { return true; }));
    QVERIFY(cancelled.cells.empty());
}

void TestAttentionView::linksFollowThresholdAndTopK() {
    AttentionMatrix m;
    m.size = 3;
    m.causal = true;
    m.weights = {1.0f, 0, 0, 0.3f, 0.7f, 0, 0.05f, 0.6f, 0.35f};
    const auto all = strongLinks(m, 0.0f, 0);
    QCOMPARE(all.size(), std::size_t(6));
    const auto strong = strongLinks(m, 0.3f, 0);
    QCOMPARE(strong.size(), std::size_t(5)); // 0.05 dropped
    for (const Link &l : strong)
        QVERIFY(l.weight >= 0.3f);
    const auto top1 = strongLinks(m, 0.0f, 1);
    QCOMPARE(top1.size(), std::size_t(3));
    QCOMPARE(top1[2].key, 1); // row 2's strongest key
    QCOMPARE(top1[1].key, 1);
    // A non-causal matrix links forward too; a causal one never links into the masked triangle.
    m.weights = {0.5f, 0.5f, 0, 0, 1, 0, 0, 0, 1};
    QCOMPARE(strongLinks(m, 0.1f, 0).size(), std::size_t(3)); // (0,1) is masked even though stored
    m.causal = false;
    QCOMPARE(strongLinks(m, 0.1f, 0).size(), std::size_t(4));
}

void TestAttentionView::headPatternLabels() {
    auto build = [](int kind) {
        AttentionMatrix m;
        m.size = 6;
        m.weights.assign(36, 0.0f);
        m.weights[0] = 1;
        for (int i = 1; i < 6; ++i) {
            const int target = kind == 0 ? i - 1 : (kind == 1 ? i : 0);
            m.weights[i * 6 + target] += 0.8f;
            m.weights[i * 6 + (i + 1) / 2] += 0.2f;
        }
        return m;
    };
    QCOMPARE(headPattern(build(0)).label, std::string("previous token"));
    QCOMPARE(headPattern(build(1)).label, std::string("self"));
    QCOMPARE(headPattern(build(2)).label, std::string("first token"));
    QVERIFY(headPattern(build(0)).previousToken > 0.8f);
    AttentionMatrix flat;
    flat.size = 4;
    flat.weights = {1, 0, 0, 0, .5f, .5f, 0, 0, 1 / 3.f, 1 / 3.f, 1 / 3.f, 0, .25f, .25f, .25f, .25f};
    QVERIFY(headPattern(flat).label.empty());
}

void TestAttentionView::colorScales() {
    ColorScale lin;
    QCOMPARE(lin.toUnit(0.3f), 0.3f);
    ColorScale log{ColorScale::Kind::Log};
    QCOMPARE(log.toUnit(1.0f), 1.0f);
    QCOMPARE(log.toUnit(1e-4f), 0.0f);
    QCOMPARE(log.toUnit(0.0f), 0.0f);
    QVERIFY(std::abs(log.toUnit(0.01f) - 0.5f) < 1e-5);
    // A 0.02 weight next to a 0.95 sink: nearly invisible linearly, well up the scale in log.
    QVERIFY(log.toUnit(0.02f) > 0.5f);
    ColorScale pow{ColorScale::Kind::Power, 0.5f};
    QVERIFY(std::abs(pow.toUnit(0.25f) - 0.5f) < 1e-6);
    for (const ColorScale &s : {lin, log, pow}) {
        float last = -1;
        for (float w = 0; w <= 1.0f; w += 0.01f) {
            const float t = s.toUnit(w);
            QVERIFY(t >= last);
            last = t;
            if (w >= s.logFloor * 1.01f || s.kind != ColorScale::Kind::Log)
                QVERIFY2(std::abs(s.fromUnit(t) - w) < 1e-4f * std::max(1.0f, w * 10), qPrintable(QString::number(w)));
        }
        const auto ticks = s.ticks();
        QVERIFY(ticks.size() >= 3);
        QVERIFY(std::is_sorted(ticks.begin(), ticks.end()));
        QCOMPARE(ticks.back(), 1.0f);
    }
    QCOMPARE(log.ticks().front(), 1e-4f);
    QCOMPARE(pow.name(), std::string("power 0.5"));
}

void TestAttentionView::emptyResult() {
    AttentionResult r;
    const AttentionMatrix m = attentionMatrix(r, {});
    QCOMPARE(m.size, 0);
    QVERIFY(strongLinks(m, 0, 0).empty());
    QVERIFY(downsampleMax(m, 10).empty());
    QVERIFY(headPattern(m).label.empty());
}

QTEST_APPLESS_MAIN(TestAttentionView)
#include "tst_attention_view.moc"
