// The step-by-step computation of one head (head_step.h) against independent numbers: its softmax must be the
// attention row run.c computed (../shared/reference) and the core's own row; its weighted sum of values must be
// the head output of a float64 forward pass written from the paper (llama_f64.h).
#include "llama_f64.h"
#include "test_support.h"

#include <attnscope/engine.h>
#include <attnscope/head_step.h>
#include <attnscope/npy.h>

#include <QtTest>

#include <cmath>

using namespace attnscope;

class TestHeadStep : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void softmaxIsTheAttentionRow_data();
    void softmaxIsTheAttentionRow();
    void weightedValuesMatchFloat64Forward();
    void stepsAreConsistent();
    void traceStopsAtItsLayerAndCancels();
    void badRequestsAreErrors();

private:
    std::shared_ptr<const Engine> m_engine;
};

void TestHeadStep::initTestCase() {
    auto engine = Engine::load(testsupport::stories260K(), testsupport::tok512());
    QVERIFY2(engine.ok(), engine.ok() ? "" : engine.error().message.c_str());
    m_engine = engine.value();
}

void TestHeadStep::softmaxIsTheAttentionRow_data() {
    testsupport::addReferenceCaseRows();
}

void TestHeadStep::softmaxIsTheAttentionRow() {
    QFETCH(QString, name);
    QFETCH(QString, text);
    const auto result = m_engine->analyze(text.toStdString());
    QVERIFY(result.ok());
    const auto reference =
        readNpy(testsupport::sharedStd(QStringLiteral("reference/stories260K/%1.attention.npy").arg(name)));
    QVERIFY(reference.ok());
    const int T = result->seqLen();
    double vsCore = 0, vsRunC = 0;
    int rows = 0;
    for (int layer = 0; layer < result->layers; ++layer) {
        const auto trace = m_engine->traceLayer(result->tokens, layer);
        QVERIFY2(trace.ok(), trace.ok() ? "" : trace.error().message.c_str());
        QCOMPARE(trace->seqLen(), T);
        for (int head = 0; head < result->heads; ++head)
            for (int query = 0; query < T; ++query) {
                const auto step = headStep(trace.value(), head, query);
                QVERIFY(step.ok());
                QCOMPARE(step->keys, query + 1); // causal: the query and the tokens before it
                for (int key = 0; key < T; ++key) {
                    const double p = key < step->keys ? step->weights[std::size_t(key)] : 0.0;
                    vsCore = std::max(vsCore, std::abs(p - double(result->weight(layer, head, query, key))));
                    const std::size_t at = ((std::size_t(layer) * result->heads + head) * T + query) * T + key;
                    vsRunC = std::max(vsRunC, std::abs(p - double(reference->data[at])));
                }
                ++rows;
            }
    }
    qInfo("%s: %d rows; max |step softmax - core row| %.2e, max |step softmax - run.c| %.2e", qPrintable(name), rows,
          vsCore, vsRunC);
    QVERIFY(vsCore <= 5e-5);
    QVERIFY(vsRunC <= 5e-5);
}

void TestHeadStep::weightedValuesMatchFloat64Forward() {
    // The GGUF copy of stories260K: 8 query heads sharing 4 key/value heads, so the grouping is exercised too.
    const std::string path = testsupport::sharedStd(QStringLiteral("gguf/stories260K.gguf"));
    const auto engine = Engine::load(path);
    QVERIFY(engine.ok());
    const auto result = engine.value()->analyze("Lily saw a big red ball. Lily wanted the ball.");
    QVERIFY(result.ok());
    std::vector<int> ids;
    for (const Token &t : result->tokens)
        ids.push_back(t.id);
    const auto file = gguf::File::open(path);
    QVERIFY(file.ok());
    const testsupport::F64Result ref = testsupport::llamaForwardF64(*file.value(), ids);
    const int T = result->seqLen(), heads = result->heads;
    double maxOutput = 0, maxWeight = 0;
    for (int layer = 0; layer < result->layers; ++layer) {
        const auto trace = engine.value()->traceLayer(result->tokens, layer);
        QVERIFY(trace.ok());
        QVERIFY(trace->kvHeads < trace->heads);
        const int hs = trace->headSize;
        for (int head = 0; head < heads; ++head)
            for (int query = 0; query < T; ++query) {
                const auto step = headStep(trace.value(), head, query);
                QVERIFY(step.ok());
                for (int e = 0; e < hs; ++e) {
                    const double expected = ref.headOutputs[(std::size_t(layer) * T + query) * heads * hs + head * hs + e];
                    maxOutput = std::max(maxOutput, std::abs(step->output[std::size_t(e)] - expected));
                }
                for (int key = 0; key <= query; ++key)
                    maxWeight = std::max(
                        maxWeight, std::abs(step->weights[std::size_t(key)] -
                                            ref.attention[((std::size_t(layer) * heads + head) * T + query) * T + key]));
            }
    }
    qInfo("stories260K.gguf, %d tokens: max |sum_j p_j v_j - f64| %.2e, max |softmax - f64| %.2e", T, maxOutput,
          maxWeight);
    QVERIFY(maxOutput <= 5e-5);
    QVERIFY(maxWeight <= 5e-5);
}

void TestHeadStep::stepsAreConsistent() {
    const auto result = m_engine->analyze("Once upon a time, there was a little girl named Lily.");
    QVERIFY(result.ok());
    const auto trace = m_engine->traceLayer(result->tokens, 2);
    QVERIFY(trace.ok());
    const auto step = headStep(trace.value(), 3, result->seqLen() - 1);
    QVERIFY(step.ok());
    QCOMPARE(step->headSize, 8);
    QCOMPARE(step->scale, 1.0 / std::sqrt(8.0));
    double sum = 0, maxScaled = -1e300;
    for (int j = 0; j < step->keys; ++j) {
        QCOMPARE(step->scaled[std::size_t(j)], step->dots[std::size_t(j)] * step->scale);
        maxScaled = std::max(maxScaled, step->scaled[std::size_t(j)]);
        sum += step->weights[std::size_t(j)];
        // softmax by hand from the scaled score: exp(s - max) / sum
        QVERIFY(std::abs(step->weights[std::size_t(j)] -
                         std::exp(step->scaled[std::size_t(j)] - step->maxScaled) / step->expSum) < 1e-12);
    }
    QCOMPARE(step->maxScaled, maxScaled);
    QVERIFY(std::abs(sum - 1.0) < 1e-12);
    // The dot product is q · k with the trace's own vectors.
    double dot = 0;
    for (int e = 0; e < 8; ++e)
        dot += double(trace->query(step->query, 3)[e]) * trace->key(0, 3)[e];
    QVERIFY(std::abs(dot - step->dots[0]) < 1e-9);
}

void TestHeadStep::traceStopsAtItsLayerAndCancels() {
    const auto result = m_engine->analyze("The bat flew at night.");
    QVERIFY(result.ok());
    std::vector<float> seen;
    const auto trace = m_engine->traceLayer(result->tokens, 1, [&](float p) {
        seen.push_back(p);
        return true;
    });
    QVERIFY(trace.ok());
    QVERIFY(!seen.empty());
    QCOMPARE(seen.back(), 1.0f); // layer 1 of 5 is the last one run
    QVERIFY(seen.size() <= 3);
    const auto cancelled = m_engine->traceLayer(result->tokens, 4, [](float) { return false; });
    QVERIFY(!cancelled.ok());
    QVERIFY(cancelled.error().cancelled);
}

void TestHeadStep::badRequestsAreErrors() {
    const auto result = m_engine->analyze("Swing the bat!");
    QVERIFY(result.ok());
    QVERIFY(!m_engine->traceLayer(result->tokens, 5).ok());
    QVERIFY(!m_engine->traceLayer(result->tokens, -1).ok());
    QVERIFY(!m_engine->traceLayer({}, 0).ok());
    std::vector<Token> bad = result->tokens;
    bad.back().id = 100000;
    QVERIFY(!m_engine->traceLayer(bad, 0).ok());
    const auto trace = m_engine->traceLayer(result->tokens, 0);
    QVERIFY(trace.ok());
    QVERIFY(!headStep(trace.value(), 8, 0).ok());
    QVERIFY(!headStep(trace.value(), -1, 0).ok());
    QVERIFY(!headStep(trace.value(), 0, result->seqLen()).ok());
    QVERIFY(!headStep(trace.value(), 0, -1).ok());
}

QTEST_GUILESS_MAIN(TestHeadStep)
#include "tst_head_step.moc"
