// HeatmapModel under QAbstractItemModelTester, and its data equal to the core result it wraps.
#include "test_support.h"

#include "models/head_grid_model.h"
#include "models/heatmap_model.h"
#include "views/heatmap_renderer.h"

#include <QAbstractItemModelTester>
#include <QtTest>

#include <numeric>

using namespace attnscope;

namespace {
// A hand-built causal result of T tokens (<s> first) whose every row has its largest weight on the previous token.
std::shared_ptr<AttentionResult> longResult(int T, int layers, int heads) {
    auto r = std::make_shared<AttentionResult>();
    r->layers = layers;
    r->heads = heads;
    r->causal = true;
    r->tokens.resize(static_cast<std::size_t>(T));
    r->tokens[0].special = true;
    r->attention.assign(static_cast<std::size_t>(layers) * heads * T * T, 0.0f);
    for (int h = 0; h < layers * heads; ++h)
        for (int i = 0; i < T; ++i) {
            float *row = r->attention.data() + (static_cast<std::size_t>(h) * T + i) * T;
            for (int j = 0; j <= i; ++j)
                row[j] = 1.0f + float((i * 7 + j * 3 + h) % 5);
            if (i > 0)
                row[i - 1] = 40.0f;
            const double sum = std::accumulate(row, row + i + 1, 0.0);
            for (int j = 0; j <= i; ++j)
                row[j] = float(row[j] / sum);
        }
    return r;
}
} // namespace

class TestHeatmapModel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void passesModelTester();
    void dataIsTheCoreResult();
    void layerHeadSwitchAndClamp();
    void encoderResultWithClsAndSep();
    void longTextOverviewAndDetail();
    void gridOfALongTextArrivesInPieces();

private:
    EnginePtr m_engine;
    ResultPtr analyze(const char *text) {
        return std::make_shared<const AttentionResult>(m_engine->analyze(text).value());
    }
};

void TestHeatmapModel::initTestCase() {
    auto engine = Engine::load(testsupport::stories260K());
    QVERIFY(engine.ok());
    m_engine = engine.value();
}

void TestHeatmapModel::passesModelTester() {
    HeatmapModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setResult(analyze("The bat flew at night."));
    model.setLayerHead(3, 5);
    model.setHideSpecial(true);
    QCOMPARE(model.rowCount(), model.result()->seqLen() - 1); // without <s>
    QCOMPARE(model.headerData(0, Qt::Vertical, HeatmapModel::PositionRole).toInt(), 1);
    model.setAggregation(Aggregation::MaxOfHeads);
    model.setAggregation(Aggregation::MeanOfAll);
    model.setHideSpecial(false);
    model.setResult(analyze("Lily saw a big red ball."));
    model.setResult(nullptr);
    QCOMPARE(model.rowCount(), 0);
    model.setResult(analyze(""));
    QCOMPARE(model.rowCount(), 1);
}

void TestHeatmapModel::dataIsTheCoreResult() {
    HeatmapModel model;
    const ResultPtr r = analyze("Lily saw a big red ball. Lily wanted the ball.");
    model.setResult(r);
    model.setLayerHead(1, 2);
    const int T = r->seqLen();
    QCOMPARE(model.rowCount(), T);
    QCOMPARE(model.columnCount(), T);
    for (int i = 0; i < T; ++i)
        for (int j = 0; j < T; ++j) {
            const QModelIndex idx = model.index(i, j);
            QCOMPARE(idx.data(HeatmapModel::WeightRole).toFloat(), r->weight(1, 2, i, j));
            QCOMPARE(idx.data(HeatmapModel::MaskedRole).toBool(), j > i);
        }
    QCOMPARE(model.headerData(1, Qt::Horizontal).toString(), QString::fromUtf8("▁Lily"));
    QCOMPARE(model.headerData(0, Qt::Vertical).toString(), QStringLiteral("<s>"));
    const QString tip = model.index(2, 1).data(Qt::ToolTipRole).toString();
    QCOMPARE(tip, QString::fromUtf8("▁saw -> ▁Lily: %1").arg(double(r->weight(1, 2, 2, 1)), 0, 'f', 4));
    QVERIFY(model.index(1, 2).data(Qt::ToolTipRole).toString().contains("masked"));
}

void TestHeatmapModel::layerHeadSwitchAndClamp() {
    HeatmapModel model;
    const ResultPtr r = analyze("The bat flew at night.");
    model.setResult(r);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setLayerHead(4, 7);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.index(5, 3).data(HeatmapModel::WeightRole).toFloat(), r->weight(4, 7, 5, 3));
    model.setLayerHead(99, -3); // out of range: clamped, never out of bounds
    QCOMPARE(model.layer(), 4);
    QCOMPARE(model.head(), 0);
}

void TestHeatmapModel::encoderResultWithClsAndSep() {
    // A BERT-style result: bidirectional (every row spans all keys), [CLS] first and [SEP] last, both special.
    auto r = std::make_shared<AttentionResult>();
    const int T = 5;
    r->layers = 1;
    r->heads = 1;
    r->causal = false;
    const std::string word = "\xE2\x96\x81"; // "▁"
    for (const std::string &piece : {std::string("[CLS]"), word + "the", word + "cat", std::string("!"), std::string("[SEP]")})
        r->tokens.push_back(Token{0, piece, 0, 0, false, false});
    r->tokens.front().special = r->tokens.back().special = true;
    r->attention.resize(T * T);
    for (int i = 0; i < T; ++i)
        for (int j = 0; j < T; ++j)
            r->attention[std::size_t(i * T + j)] = float(1 + i + 2 * j) / float(T * (1 + i) + T * (T - 1));
    HeatmapModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setResult(r);
    QVERIFY(!model.matrix().causal);
    QVERIFY(!model.index(0, 4).data(HeatmapModel::MaskedRole).toBool()); // [CLS] sees [SEP]: nothing is masked
    QCOMPARE(model.index(1, 3).data(HeatmapModel::WeightRole).toFloat(), r->weight(0, 0, 1, 3));
    // No cell of the heatmap has the masked colour.
    const HeatmapScene scene = makeHeatmapScene(model, QStringLiteral("tiny-bert"), ViewStyle());
    QVERIFY(!scene.causal);
    for (int y = 0; y < T; ++y)
        for (int x = 0; x < T; ++x)
            QVERIFY(scene.levels.front().pixel(x, y) != ViewStyle().empty().rgb());
    // Hiding special tokens drops [CLS] and [SEP]; the rest renormalise over the remaining keys.
    model.setHideSpecial(true);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.tokenText(0), QString::fromUtf8("\xE2\x96\x81the"));
    QCOMPARE(model.position(2), 3);
    for (int i = 0; i < 3; ++i) {
        double sum = 0;
        for (int j = 0; j < 3; ++j)
            sum += model.matrix().at(i, j);
        QVERIFY(std::abs(sum - 1.0) < 1e-6);
        QVERIFY(model.matrix().at(i, 2) > 0); // later keys are visible
    }
}

void TestHeatmapModel::longTextOverviewAndDetail() {
    // Past kDenseTokens the model holds no (n, n) matrix: an overview pooled off the GUI thread, exact cells of a
    // zoomed part on request, single weights and rows recomputed. A hand-built causal result of 2,100 tokens whose
    // every row has its largest weight on the previous token.
    const int T = HeatmapModel::kDenseTokens + 52;
    const auto r = longResult(T, 1, 2);
    HeatmapModel model;
    QSignalSpy views(&model, &HeatmapModel::viewChanged);
    model.setResult(r);
    QVERIFY(model.large());
    QVERIFY(!model.complete());
    QTRY_VERIFY_WITH_TIMEOUT(model.overview() != nullptr, 20000);
    QVERIFY(!model.pending());
    QVERIFY(views.count() >= 2); // the reset, then the overview's arrival
    AttentionMatrix whole = attentionMatrix(*r, model.params());
    const AttentionRegion *o = model.overview();
    QCOMPARE(o->outRows, HeatmapModel::kOverviewSide);
    const std::vector<float> expected = downsampleMax(whole, HeatmapModel::kOverviewSide);
    QVERIFY(o->cells == expected);
    // Weights and rows without the matrix; the scene is the overview's levels, its title says nothing is pending.
    QCOMPARE(model.index(900, 899).data(HeatmapModel::WeightRole).toFloat(), whole.at(900, 899));
    QCOMPARE(model.rowWeights(1500)[17], whole.at(1500, 17));
    HeatmapScene scene = makeHeatmapScene(model, {}, ViewStyle());
    QCOMPARE(scene.levels.front().width(), HeatmapModel::kOverviewSide);
    QVERIFY(!scene.title.contains(QStringLiteral("computing")));
    // A zoomed part: exact cells.
    QSignalSpy details(&model, &HeatmapModel::detailChanged);
    model.requestDetail(1000, 1100, 950, 1080, 100, 130);
    QTRY_VERIFY_WITH_TIMEOUT(model.detail() != nullptr, 20000);
    const AttentionRegion *d = model.detail();
    for (int i = 0; i < 100; ++i)
        for (int j = 0; j < 130; ++j)
            QCOMPARE(d->cells[static_cast<std::size_t>(i) * 130 + j],
                     whole.masked(1000 + i, 950 + j) ? -1.0f : whole.at(1000 + i, 950 + j));
    model.requestDetail(1010, 1090, 960, 1070, 80, 110); // inside what is there: nothing new
    QTest::qWait(50);
    QCOMPARE(details.count(), 1);
    scene = makeHeatmapScene(model, {}, ViewStyle());
    QCOMPARE(scene.detailTokens, QRect(950, 1000, 130, 100));
    // Another head: the overview is recomputed, the detail dropped; hiding <s> renormalises as for short texts.
    model.setHideSpecial(true);
    model.setLayerHead(0, 1);
    QVERIFY(model.detail() == nullptr);
    QTRY_VERIFY_WITH_TIMEOUT(model.overview() != nullptr, 20000);
    whole = attentionMatrix(*r, model.params());
    QCOMPARE(whole.size, T - 1);
    QVERIFY(model.overview()->cells == downsampleMax(whole, HeatmapModel::kOverviewSide));
    // Without a thread (the command line): everything is there at once.
    HeatmapModel direct;
    direct.setBackground(false);
    direct.setResult(r);
    QVERIFY(direct.overview() != nullptr);
    direct.requestDetail(0, 10, 0, 10, 10, 10);
    QVERIFY(direct.detail() != nullptr);
}

void TestHeatmapModel::gridOfALongTextArrivesInPieces() {
    // Thumbnails too costly for the GUI thread come from the grid's pool a few heads at a time; each equals the head's
    // matrix pooled, and its pattern the matrix's.
    const int T = HeatmapModel::kDenseTokens + 52;
    const auto r = longResult(T, 2, 4);
    HeatmapModel model;
    HeadGridModel grid;
    grid.setSourceModel(&model);
    QSignalSpy arrived(&grid, &HeadGridModel::thumbnailsChanged);
    model.setResult(r);
    QVERIFY(grid.pending());
    QCOMPARE(grid.thumbnailSide(), HeadGridModel::kMaxThumbnail);
    QTRY_VERIFY_WITH_TIMEOUT(!grid.pending(), 60000);
    QCOMPARE(grid.thumbnailsDone(), 8);
    QVERIFY(arrived.count() >= 3); // the reset, then the heads in batches
    for (int l = 0; l < 2; ++l)
        for (int h = 0; h < 4; ++h) {
            const AttentionMatrix m = attentionMatrix(*r, {l, h, Aggregation::Head, false});
            QVERIFY(grid.thumbnail(l, h) == downsampleMax(m, HeadGridModel::kMaxThumbnail));
            const HeadPattern expected = headPattern(m);
            QVERIFY(std::abs(grid.pattern(l, h).previousToken - expected.previousToken) < 1e-5f);
            QVERIFY(std::abs(grid.pattern(l, h).firstToken - expected.firstToken) < 1e-5f);
        }
    // A new result while the old one is still being computed: only the new one's thumbnails arrive.
    model.setResult(longResult(T, 2, 4));
    model.setResult(r);
    QTRY_VERIFY_WITH_TIMEOUT(!grid.pending(), 60000);
    QCOMPARE(grid.thumbnailsDone(), 8);
}

QTEST_MAIN(TestHeatmapModel)
#include "tst_heatmap_model.moc"
