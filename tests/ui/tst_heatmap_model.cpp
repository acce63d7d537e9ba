// HeatmapModel under QAbstractItemModelTester, and its data equal to the core result it wraps.
#include "test_support.h"

#include "models/heatmap_model.h"
#include "views/heatmap_renderer.h"

#include <QAbstractItemModelTester>
#include <QtTest>

using namespace attnscope;

class TestHeatmapModel : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void passesModelTester();
    void dataIsTheCoreResult();
    void layerHeadSwitchAndClamp();
    void encoderResultWithClsAndSep();

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

QTEST_MAIN(TestHeatmapModel)
#include "tst_heatmap_model.moc"
