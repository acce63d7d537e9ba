// Head role scores on synthetic attention with known answers, and on stories260K's reference text; attention
// rollout on a hand-computed two-layer example.
#include "test_support.h"

#include <attnscope/engine.h>
#include <attnscope/head_roles.h>
#include <attnscope/measures.h>

#include <QtTest>

#include <cmath>
#include <cstring>
#include <functional>

using namespace attnscope;

namespace {
std::vector<float> matrix(int T, const std::function<float(int, int)> &f) {
    std::vector<float> m(std::size_t(T * T), 0.0f);
    for (int i = 0; i < T; ++i)
        for (int j = 0; j < T; ++j)
            m[std::size_t(i * T + j)] = f(i, j);
    return m;
}
std::vector<int> distinctIds(int T) {
    std::vector<int> ids(static_cast<std::size_t>(T));
    for (int i = 0; i < T; ++i)
        ids[std::size_t(i)] = 100 + i;
    return ids;
}
} // namespace

class TestHeadRoles : public QObject {
    Q_OBJECT
private slots:
    void knownAnswers();
    void induction();
    void stories260KPreviousTokenHead();
    void rolloutByHand();
    void valueWeightedByHand();
    void measuresOfARealResult();
};

void TestHeadRoles::knownAnswers() {
    const int T = 9;
    const auto ids = distinctIds(T);
    const HeadRoles self = headRoles(matrix(T, [](int i, int j) { return i == j ? 1.0f : 0.0f; }).data(), ids);
    QCOMPARE(self.self, 1.0);
    QCOMPARE(self.entropy, 0.0);
    QCOMPARE(self.distance, 0.0);
    QCOMPARE(QString::fromStdString(self.label), QStringLiteral("self"));
    QVERIFY(!self.induction); // no repeated token

    const HeadRoles prev = headRoles(matrix(T, [](int i, int j) { return j == std::max(0, i - 1) ? 1.0f : 0.0f; }).data(), ids);
    QCOMPARE(prev.previousToken, 1.0);
    QCOMPARE(prev.distance, 1.0);
    QCOMPARE(QString::fromStdString(prev.label), QStringLiteral("previous token"));

    const HeadRoles sink = headRoles(matrix(T, [](int, int j) { return j == 0 ? 1.0f : 0.0f; }).data(), ids);
    QCOMPARE(sink.firstToken, 1.0);
    QCOMPARE(sink.distance, T / 2.0); // mean of i over rows 1..T-1
    QCOMPARE(QString::fromStdString(sink.label), QStringLiteral("first-token sink"));

    const HeadRoles uniform = headRoles(matrix(T, [](int i, int j) { return j <= i ? 1.0f / float(i + 1) : 0.0f; }).data(), ids);
    double expected = 0;
    for (int i = 1; i < T; ++i)
        expected += std::log(double(i + 1)) / (T - 1);
    QVERIFY(std::abs(uniform.entropy - expected) < 1e-6);
    QVERIFY(uniform.label.empty()); // nothing dominates
}

void TestHeadRoles::induction() {
    // "A B C A B C": each repeat attends to the token that followed its earlier occurrence.
    const std::vector<int> ids = {5, 7, 9, 5, 7, 9};
    const int T = 6;
    const auto m = matrix(T, [](int i, int j) { return i >= 3 ? (j == i - 2 ? 1.0f : 0.0f) : (j == i ? 1.0f : 0.0f); });
    const HeadRoles r = headRoles(m.data(), ids);
    QVERIFY(r.induction);
    QCOMPARE(*r.induction, 1.0);
    QCOMPARE(QString::fromStdString(r.label), QStringLiteral("induction"));
    // The same matrix on text without repeats has no induction score.
    QVERIFY(!headRoles(m.data(), distinctIds(T)).induction);
}

void TestHeadRoles::stories260KPreviousTokenHead() {
    const auto engine = Engine::load(testsupport::stories260K(), testsupport::tok512());
    QVERIFY(engine.ok());
    QString text;
    for (const QJsonValue &c : testsupport::referenceCases().value("cases").toArray())
        if (c.toObject().value("name").toString() == "lily")
            text = c.toObject().value("text").toString();
    QVERIFY(!text.isEmpty());
    const auto r = engine.value()->analyze(text.toStdString());
    QVERIFY(r.ok());
    const std::vector<HeadRoles> roles = allHeadRoles(r.value());
    QCOMPARE(int(roles.size()), 40);
    const auto best = std::max_element(roles.begin(), roles.end(),
                                       [](const HeadRoles &a, const HeadRoles &b) { return a.previousToken < b.previousToken; });
    qInfo("strongest previous-token head: layer %d head %d, score %.3f, label \"%s\"", best->layer, best->head,
          best->previousToken, best->label.c_str());
    QCOMPARE(QString::fromStdString(best->label), QStringLiteral("previous token"));
    for (const HeadRoles &h : roles) // scores are means of probabilities
        QVERIFY(h.previousToken >= 0 && h.previousToken <= 1 && h.entropy >= 0 && h.distance >= 0);
}

void TestHeadRoles::rolloutByHand() {
    // Two layers, two heads each, three tokens. Layer 0's heads average to
    // A0 = [[1,0,0],[.5,.5,0],[.2,.3,.5]]; layer 1's to A1 = [[1,0,0],[1,0,0],[0,1,0]].
    AttentionResult r;
    r.layers = 2;
    r.heads = 2;
    r.tokens.resize(3);
    const float l0a[9] = {1, 0, 0, 1, 0, 0, 0.4f, 0.1f, 0.5f}, l0b[9] = {1, 0, 0, 0, 1, 0, 0, 0.5f, 0.5f};
    const float l1a[9] = {1, 0, 0, 1, 0, 0, 0, 1, 0}, l1b[9] = {1, 0, 0, 1, 0, 0, 0, 1, 0};
    for (const float *m : {l0a, l0b, l1a, l1b})
        r.attention.insert(r.dense().end(), m, m + 9);
    const std::vector<float> rollout = attentionRollout(r);
    QCOMPARE(rollout.size(), std::size_t(18));
    // Layer 0: 0.5 A0 + 0.5 I.
    const double layer0[9] = {1, 0, 0, 0.25, 0.75, 0, 0.1, 0.15, 0.75};
    // Layer 1: (0.5 A1 + 0.5 I) x layer 0, worked out by hand.
    const double layer1[9] = {1, 0, 0, 0.625, 0.375, 0, 0.175, 0.45, 0.375};
    for (int i = 0; i < 9; ++i) {
        QVERIFY(std::abs(rollout[std::size_t(i)] - layer0[i]) < 1e-6);
        QVERIFY(std::abs(rollout[std::size_t(9 + i)] - layer1[i]) < 1e-6);
    }
}

void TestHeadRoles::valueWeightedByHand() {
    // One layer, one head, two tokens: alpha = [[1, 0], [0.5, 0.5]], ||W_O v|| = [1, 3].
    AttentionResult r;
    r.layers = r.heads = 1;
    r.tokens.resize(2);
    r.attention = {1.0f, 0.0f, 0.5f, 0.5f};
    r.valueNorms = {1.0f, 3.0f};
    const FloatBuffer raw = valueWeightedAttention(r, false);
    QCOMPARE(std::vector<float>(raw.begin(), raw.end()), (std::vector<float>{1.0f, 0.0f, 0.5f, 1.5f}));
    std::vector<float> totals;
    const FloatBuffer normalised = valueWeightedAttention(r, true, &totals);
    QCOMPARE(std::vector<float>(normalised.begin(), normalised.end()), (std::vector<float>{1.0f, 0.0f, 0.25f, 0.75f}));
    QCOMPARE(totals, (std::vector<float>{1.0f, 2.0f}));
    r.valueNorms.clear();
    QVERIFY(valueWeightedAttention(r, true).empty());
    const auto missing = withMeasure(r, Measure::Value);
    QVERIFY(!missing.ok());
    QVERIFY(QString::fromStdString(missing.error().message).contains("value norms"));
}

void TestHeadRoles::measuresOfARealResult() {
    const auto engine = Engine::load(testsupport::stories260K(), testsupport::tok512());
    QVERIFY(engine.ok());
    const std::string text = "Lily saw a cat. The cat ran to Lily and Lily smiled.";
    AnalyzeParams params;
    params.valueNorms = true;
    const auto r = engine.value()->analyze(text, params);
    const auto plain = engine.value()->analyze(text);
    QVERIFY(r.ok() && plain.ok());
    QVERIFY(plain->valueNorms.empty()); // captured only when asked
    // Asking for the norms leaves the attention itself untouched.
    QCOMPARE(std::memcmp(r->dense().data(), plain->dense().data(), r->dense().size() * sizeof(float)), 0);
    const int T = r->seqLen();
    QCOMPARE(r->valueNorms.size(), std::size_t(r->layers * r->heads * T));

    const auto value = withMeasure(r.value(), Measure::Value);
    QVERIFY(value.ok());
    QCOMPARE(value->measure, Measure::Value);
    QCOMPARE(value->heads, r->heads);
    double worstSum = 0, worstCell = 0;
    for (int l = 0; l < r->layers; ++l)
        for (int h = 0; h < r->heads; ++h)
            for (int i = 0; i < T; ++i) {
                // Independently: alpha_ij * n_j over the row's total, in double.
                double total = 0, sum = 0;
                for (int j = 0; j < T; ++j)
                    total += double(r->weight(l, h, i, j)) * r->valueNorms[std::size_t((l * r->heads + h) * T + j)];
                for (int j = 0; j < T; ++j) {
                    const double expected =
                        double(r->weight(l, h, i, j)) * r->valueNorms[std::size_t((l * r->heads + h) * T + j)] / total;
                    worstCell = std::max(worstCell, std::abs(expected - double(value->weight(l, h, i, j))));
                    sum += value->weight(l, h, i, j);
                }
                worstSum = std::max(worstSum, std::abs(sum - 1.0));
                QVERIFY(std::abs(value->rowTotals[std::size_t((l * r->heads + h) * T + i)] - total) <= 1e-4 * total);
            }
    qInfo("value-weighted: max |cell - independent| %.2e, max |row sum - 1| %.2e", worstCell, worstSum);
    QVERIFY(worstCell <= 1e-6);
    QVERIFY(worstSum <= 1e-5);
    // Value weighting moves weight: somewhere it differs from raw attention by more than 0.05.
    double moved = 0;
    for (std::size_t i = 0; i < r->dense().size(); ++i)
        moved = std::max(moved, std::abs(double(value->dense()[i]) - double(r->dense()[i])));
    QVERIFY(moved > 0.05);
    // Consuming the raw result (what the CLI does, to hold one copy of the attention) gives the same bits.
    AttentionResult consumed = r.value();
    consumed.materialize(); // every head stored, as the in-place weighting needs
    const float *storage = consumed.attention.data();
    const auto inPlace = withMeasure(std::move(consumed), Measure::Value);
    QVERIFY(inPlace.ok());
    QCOMPARE(inPlace->measure, Measure::Value);
    QCOMPARE(inPlace->dense().data(), storage); // the same buffer, weighted where it lay
    QCOMPARE(std::memcmp(inPlace->dense().data(), value->dense().data(), value->dense().size() * sizeof(float)), 0);
    QVERIFY(inPlace->rowTotals == value->rowTotals);

    const auto rollout = withMeasure(r.value(), Measure::Rollout);
    QVERIFY(rollout.ok());
    QCOMPARE(rollout->heads, 1);
    QCOMPARE(rollout->dense().size(), std::size_t(r->layers * T * T));
    const std::vector<float> direct = attentionRollout(r.value());
    QCOMPARE(std::memcmp(rollout->dense().data(), direct.data(), direct.size() * sizeof(float)), 0);
    QVERIFY(!withMeasure(rollout.value(), Measure::Value).ok()); // measures start from raw attention

    for (Measure m : {Measure::Raw, Measure::Value, Measure::Rollout})
        QCOMPARE(parseMeasure(measureKey(m)), std::optional<Measure>(m));
    QVERIFY(!parseMeasure("values"));
}

QTEST_GUILESS_MAIN(TestHeadRoles)
#include "tst_head_roles.moc"
