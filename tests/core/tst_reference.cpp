// The forward pass against independent numbers: llama2.c's run.c on stories260K (../shared/reference).
#include "test_support.h"

#include <attnscope/engine.h>
#include <attnscope/npy.h>

#include <QtTest>

#include <cmath>

using namespace attnscope;

class TestReference : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void matchesRunC_data();
    void matchesRunC();
    void rowsAreCausalProbabilities();
    void lastOnlyLogitsEqualAllPositions();

private:
    std::shared_ptr<const Engine> m_engine;
};

void TestReference::initTestCase() {
    auto engine = Engine::load(testsupport::stories260K(), testsupport::tok512());
    QVERIFY2(engine.ok(), engine.ok() ? "" : engine.error().message.c_str());
    m_engine = engine.value();
    QVERIFY(!testsupport::referenceCases().isEmpty());
}

void TestReference::matchesRunC_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("text");
    QTest::addColumn<QList<int>>("ids");
    QTest::addColumn<int>("argmax");
    const QJsonArray cases = testsupport::referenceCases().value("cases").toArray();
    QVERIFY(cases.size() >= 3);
    for (const QJsonValue &c : cases) {
        const QJsonObject o = c.toObject();
        QList<int> ids;
        for (const QJsonValue &id : o.value("ids").toArray())
            ids.append(id.toInt());
        QTest::newRow(qPrintable(o.value("name").toString()))
            << o.value("name").toString() << o.value("text").toString() << ids << o.value("argmax_next_id").toInt();
    }
}

void TestReference::matchesRunC() {
    QFETCH(QString, name);
    QFETCH(QString, text);
    QFETCH(QList<int>, ids);
    QFETCH(int, argmax);

    const auto result = m_engine->analyze(text.toStdString());
    QVERIFY2(result.ok(), result.ok() ? "" : result.error().message.c_str());

    QList<int> got;
    for (const Token &t : result->tokens)
        got.append(t.id);
    QCOMPARE(got, ids);

    const auto refAttention =
        readNpy(testsupport::sharedStd(QStringLiteral("reference/stories260K/%1.attention.npy").arg(name)));
    QVERIFY2(refAttention.ok(), refAttention.ok() ? "" : refAttention.error().message.c_str());
    const std::vector<std::int64_t> expectedShape{result->layers, result->heads, result->seqLen(), result->seqLen()};
    QCOMPARE(refAttention->shape, expectedShape);
    QCOMPARE(refAttention->data.size(), result->dense().size());
    float maxAttentionDiff = 0;
    for (std::size_t i = 0; i < result->dense().size(); ++i)
        maxAttentionDiff = std::max(maxAttentionDiff, std::abs(result->dense()[i] - refAttention->data[i]));
    qInfo("%s: max |attention - run.c| = %.3g", qPrintable(name), double(maxAttentionDiff));
    QVERIFY2(maxAttentionDiff <= 5e-5f, qPrintable(QString("attention differs by %1").arg(maxAttentionDiff)));

    const auto refLogits =
        readNpy(testsupport::sharedStd(QStringLiteral("reference/stories260K/%1.last_logits.npy").arg(name)));
    QVERIFY(refLogits.ok());
    QCOMPARE(refLogits->data.size(), std::size_t(result->vocabSize));
    float maxLogitDiff = 0;
    const float *last = result->lastLogits();
    int best = 0;
    for (int i = 0; i < result->vocabSize; ++i) {
        maxLogitDiff = std::max(maxLogitDiff, std::abs(last[i] - refLogits->data[std::size_t(i)]));
        if (last[i] > last[best])
            best = i;
    }
    qInfo("%s: max |logits - run.c| = %.3g", qPrintable(name), double(maxLogitDiff));
    QVERIFY2(maxLogitDiff <= 5e-4f, qPrintable(QString("logits differ by %1").arg(maxLogitDiff)));
    QCOMPARE(best, argmax);
}

void TestReference::rowsAreCausalProbabilities() {
    // Long enough for several blocks of queries. Heads are recomputed on demand into fresh memory: analyse a text
    // first and drop it, so the second result's heads may reuse that memory, and any cell left unwritten would
    // still hold an old probability.
    std::string story;
    for (int i = 0; i < 6; ++i)
        story += "Lily and Ben went to the park. Lily saw a dog and they played. ";
    {
        const auto first = m_engine->analyze("Tom had a red ball. " + story);
        QVERIFY(first.ok() && first->seqLen() > 130);
    }
    const auto result = m_engine->analyze(story);
    QVERIFY(result.ok());
    QVERIFY(result->seqLen() > 128);
    const int T = result->seqLen();
    for (int l = 0; l < result->layers; ++l)
        for (int h = 0; h < result->heads; ++h) {
            const HeadMatrix m = result->head(l, h);
            for (int i = 0; i < T; ++i) {
                double sum = 0;
                for (int j = 0; j < T; ++j) {
                    const float w = m(i, j);
                    if (j > i)
                        QCOMPARE(w, 0.0f);
                    else
                        QVERIFY(w >= 0.0f && w <= 1.0f);
                    sum += w;
                }
                QVERIFY2(std::abs(sum - 1.0) < 1e-5, qPrintable(QString("row sum %1").arg(sum)));
            }
        }
    QCOMPARE(result->logitRows, 1); // the last position only; the others are recomputed when asked
}

void TestReference::lastOnlyLogitsEqualAllPositions() {
    const std::string text = "The bat flew at night.";
    AnalyzeParams all;
    all.allPositionLogits = true;
    const auto a = m_engine->analyze(text, all);
    const auto b = m_engine->analyze(text);
    QVERIFY(a.ok() && b.ok());
    QCOMPARE(a->logitRows, a->seqLen());
    QCOMPARE(b->logitRows, 1);
    for (int i = 0; i < a->vocabSize; ++i)
        QVERIFY(std::abs(a->lastLogits()[i] - b->lastLogits()[i]) < 1e-5f);
    // Any other position's logits, recomputed from the kept hidden state, equal the stored row.
    for (int pos = 0; pos < a->seqLen(); ++pos) {
        const std::vector<float> onDemand = b->logitsAt(pos);
        QCOMPARE(int(onDemand.size()), a->vocabSize);
        for (int i = 0; i < a->vocabSize; ++i)
            QCOMPARE(onDemand[std::size_t(i)], a->logits[std::size_t(pos) * a->vocabSize + i]);
    }
}

QTEST_GUILESS_MAIN(TestReference)
#include "tst_reference.moc"
