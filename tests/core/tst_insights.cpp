// Next-token predictions, "find heads" and head changes between two sentences: synthetic results with known
// answers, and stories260K's prediction after BOS alone.
#include "test_support.h"

#include <attnscope/engine.h>
#include <attnscope/insights.h>

#include <QtTest>

#include <algorithm>
#include <cmath>

using namespace attnscope;

namespace {
// A result of `layers` x `heads` heads over the given pieces, every row uniform over the visible keys.
AttentionResult uniformResult(const std::vector<std::string> &pieces, int layers = 2, int heads = 3) {
    AttentionResult r;
    r.layers = layers;
    r.heads = heads;
    for (const std::string &p : pieces)
        r.tokens.push_back(Token{int(r.tokens.size()), p, 0, 0, p == "<s>", false});
    const int T = r.seqLen();
    r.attention.assign(std::size_t(layers * heads * T * T), 0.0f);
    for (int lh = 0; lh < layers * heads; ++lh)
        for (int i = 0; i < T; ++i)
            for (int j = 0; j <= i; ++j)
                r.attention[std::size_t((lh * T + i) * T + j)] = 1.0f / float(i + 1);
    return r;
}
float &cell(AttentionResult &r, int l, int h, int i, int j) {
    const int T = r.seqLen();
    return r.attention[std::size_t(((l * r.heads + h) * T + i) * T + j)];
}
} // namespace

class TestInsights : public QObject {
    Q_OBJECT
private slots:
    void nextTokenAfterBos();
    void nextTokenEveryPosition();
    void findHeadsRanks();
    void headChangesKnownAnswers();
    void batMinimalPair();
};

void TestInsights::nextTokenAfterBos() {
    const auto engine = Engine::load(testsupport::stories260K(), testsupport::tok512());
    QVERIFY(engine.ok());
    const auto r = engine.value()->analyze("");
    QVERIFY(r.ok());
    QCOMPARE(r->seqLen(), 1); // BOS only
    const auto top = nextTokenPredictions(r.value(), engine.value()->tokenizer(), 0);
    QCOMPARE(int(top.size()), 10);
    QCOMPARE(QString::fromStdString(top.front().piece), QStringLiteral("▁Once"));
    qInfo("after BOS: %s %.3f, %s %.3f, %s %.3f", top[0].piece.c_str(), top[0].probability, top[1].piece.c_str(),
          top[1].probability, top[2].piece.c_str(), top[2].probability);
    double sum = 0;
    for (std::size_t i = 0; i < top.size(); ++i) {
        sum += top[i].probability;
        if (i > 0)
            QVERIFY(top[i].probability <= top[i - 1].probability);
    }
    QVERIFY(sum <= 1.0 + 1e-9 && sum > top.front().probability);
    // The probability is the softmax of the logits, computed here independently.
    const float *logits = r->lastLogits();
    double z = 0;
    for (int v = 0; v < r->vocabSize; ++v)
        z += std::exp(double(logits[v]));
    QVERIFY(std::abs(std::exp(double(logits[top[0].id])) / z - top[0].probability) < 1e-9);
    QCOMPARE(int(*std::max_element(logits, logits + r->vocabSize) == logits[top[0].id]), 1);
}

void TestInsights::nextTokenEveryPosition() {
    const auto engine = Engine::load(testsupport::stories260K(), testsupport::tok512());
    QVERIFY(engine.ok());
    const std::string text = "Once upon a time, there was a little girl named Lily.";
    const auto all = engine.value()->analyze(text);
    QVERIFY(all.ok());
    const int T = all->seqLen();
    // After "Once" the model expects "▁upon".
    QCOMPARE(QString::fromStdString(nextTokenPredictions(all.value(), engine.value()->tokenizer(), 1, 3).front().piece),
             QStringLiteral("▁upon"));
    AnalyzeParams lastOnly;
    lastOnly.allPositionLogits = false;
    const auto last = engine.value()->analyze(text, lastOnly);
    QVERIFY(last.ok());
    // Not stored, recomputed from the kept hidden state: the same predictions.
    const auto early = nextTokenPredictions(last.value(), engine.value()->tokenizer(), 1, 3);
    QCOMPARE(early.size(), std::size_t(3));
    QCOMPARE(QString::fromStdString(early.front().piece), QStringLiteral("▁upon"));
    const auto a = nextTokenPredictions(all.value(), engine.value()->tokenizer(), T - 1, 5);
    const auto b = nextTokenPredictions(last.value(), engine.value()->tokenizer(), T - 1, 5);
    QCOMPARE(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i)
        QCOMPARE(a[i].id, b[i].id);
    QVERIFY(nextTokenPredictions(all.value(), engine.value()->tokenizer(), T).empty());
    QVERIFY(nextTokenPredictions(all.value(), engine.value()->tokenizer(), -1).empty());
}

void TestInsights::findHeadsRanks() {
    AttentionResult r = uniformResult({"<s>", "a", "b", "c"});
    cell(r, 1, 2, 3, 1) = 0.9f; // the strongest link from "c" to "a"
    cell(r, 0, 1, 3, 1) = 0.5f;
    const auto ranked = findHeads(r, 3, 1);
    QCOMPARE(int(ranked.size()), 6);
    QCOMPARE(ranked[0].layer, 1);
    QCOMPARE(ranked[0].head, 2);
    QCOMPARE(ranked[0].score, double(0.9f));
    QCOMPARE(ranked[1].layer, 0);
    QCOMPARE(ranked[1].head, 1);
    QCOMPARE(ranked[2].score, 0.25);
    QVERIFY(findHeads(r, 4, 0).empty());
}

void TestInsights::headChangesKnownAnswers() {
    // Same words in another order: a uniform row over the same pieces does not change.
    AttentionResult a = uniformResult({"<s>", "x", "bat", "y"}), b = uniformResult({"<s>", "y", "x", "bat"});
    const auto same = headChanges(a, 2, b, 3);
    QCOMPARE(int(same.size()), 6);
    // Row "bat" in a: 1/3 on <s>, x, bat. In b: 1/4 on <s>, y, x, bat. TV = 0.5 * (3 * 1/12 + 1/4) = 0.25.
    for (const HeadScore &s : same)
        QVERIFY(std::abs(s.score - 0.25) < 1e-6);
    // One head of b puts everything on "y", a word a's row never attends to: that head changes most.
    for (int j = 0; j < 4; ++j)
        cell(b, 1, 0, 3, j) = j == 1 ? 1.0f : 0.0f;
    const auto ranked = headChanges(a, 2, b, 3);
    QCOMPARE(ranked.front().layer, 1);
    QCOMPARE(ranked.front().head, 0);
    QVERIFY(std::abs(ranked.front().score - 1.0) < 1e-6);
    QVERIFY(headChanges(a, 2, uniformResult({"<s>", "bat"}, 3, 3), 1).empty()); // other shape
    const auto shared = sharedTokens(a, b);
    QCOMPARE(int(shared.size()), 3); // x, bat, y; never <s>
    QCOMPARE(shared[1], std::make_pair(2, 3));
}

void TestInsights::batMinimalPair() {
    const auto engine = Engine::load(testsupport::stories260K(), testsupport::tok512());
    QVERIFY(engine.ok());
    const auto a = engine.value()->analyze("Swing the bat!");
    const auto b = engine.value()->analyze("The bat flew at night.");
    QVERIFY(a.ok() && b.ok());
    const auto shared = sharedTokens(a.value(), b.value());
    QVERIFY(!shared.empty());
    const auto ranked = headChanges(a.value(), shared.back().first, b.value(), shared.back().second);
    QCOMPARE(int(ranked.size()), 40);
    for (const HeadScore &s : ranked)
        QVERIFY(s.score >= 0 && s.score <= 1 + 1e-6);
}

QTEST_GUILESS_MAIN(TestInsights)
#include "tst_insights.moc"
