// What an analysis keeps instead of dense attention, checked against independent numbers:
//  - every family's reference case computed in two steps (its first tokens, then the rest continuing the cache)
//    matches llama.cpp's attention (5e-5) and last logits (5e-4), and equals a fresh analysis of the whole text;
//  - a text longer than one 512-token chunk, and one continued across a chunk boundary, match the float64 forward;
//  - edits: a changed middle reuses only the shared prefix, a shortened text (backspace) runs nothing and keeps the
//    earlier results intact, two texts continuing one result do not disturb each other;
//  - head roles from the recorded row statistics equal those computed from the recomputed heads;
//  - memory is estimated from the cache, not from (layers, heads, T, T).
#include "llama_f64.h"
#include "random_llama.h"
#include "test_support.h"

#include <attnscope/engine.h>
#include <attnscope/head_roles.h>
#include <attnscope/npy.h>

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>

using namespace attnscope;

namespace {

double maxDiff(const FloatBuffer &a, const FloatBuffer &b) {
    if (a.size() != b.size())
        return INFINITY;
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        worst = std::max(worst, std::abs(double(a[i]) - double(b[i])));
    return worst;
}

} // namespace

class TestKvCache : public QObject {
    Q_OBJECT
private slots:
    void continuedMatchesLlamaCpp_data();
    void continuedMatchesLlamaCpp();
    void longTextInChunks();
    void editsReuseThePrefix();
    void rolesFromRowStatistics();
};

void TestKvCache::continuedMatchesLlamaCpp_data() {
    QTest::addColumn<QString>("family");
    for (const char *f : {"gemma", "gemma2", "gemma3", "qwen3", "phi3", "gptneox"})
        QTest::newRow(f) << QString(f);
}

void TestKvCache::continuedMatchesLlamaCpp() {
    QFETCH(QString, family);
    const auto engine = Engine::load(testsupport::sharedStd("reference/" + family + "/model.gguf"));
    QVERIFY2(engine.ok(), engine.ok() ? "" : engine.error().message.c_str());
    const QJsonArray cases = testsupport::familyCases(family);
    QVERIFY(!cases.isEmpty());
    double worstA = 0, worstL = 0, worstFresh = 0;
    for (const QJsonValue &v : cases) {
        const QJsonObject c = v.toObject();
        const std::vector<Token> all = testsupport::caseTokens<Token>(c);
        if (all.size() < 4)
            continue;
        const auto want = readNpy(testsupport::sharedStd("reference/" + family + "/" + c.value("name").toString() + ".attention.npy"));
        const auto logits = readNpy(testsupport::sharedStd("reference/" + family + "/" + c.value("name").toString() + ".last_logits.npy"));
        QVERIFY(want.ok() && logits.ok());
        // Every split point: the first k tokens, then all of them continuing that cache.
        for (std::size_t k = 1; k < all.size(); k += std::max<std::size_t>(1, all.size() / 4)) {
            const auto head = engine.value()->analyzeTokens(std::vector<Token>(all.begin(), all.begin() + long(k)));
            QVERIFY(head.ok());
            AnalyzeParams params;
            params.previous = &head.value();
            QCOMPARE(engine.value()->reusablePrefix(&head.value(), all, params), int(k));
            const auto continued = engine.value()->analyzeTokens(all, params);
            QVERIFY(continued.ok());
            const FloatBuffer &a = continued->dense();
            QCOMPARE(a.size(), want->data.size());
            for (std::size_t i = 0; i < a.size(); ++i)
                worstA = std::max(worstA, std::abs(double(a[i]) - want->data[i]));
            for (int i = 0; i < continued->vocabSize; ++i)
                worstL = std::max(worstL, std::abs(double(continued->lastLogits()[i]) - logits->data[std::size_t(i)]));
            const auto fresh = engine.value()->analyzeTokens(all);
            QVERIFY(fresh.ok());
            worstFresh = std::max(worstFresh, maxDiff(fresh->dense(), a));
            // The shorter result is untouched by the longer one written after it.
            const auto again = engine.value()->analyzeTokens(std::vector<Token>(all.begin(), all.begin() + long(k)));
            QVERIFY(again.ok());
            QCOMPARE(maxDiff(again->dense(), head->dense()), 0.0);
        }
    }
    qInfo("%s: continued analyses vs llama.cpp: attention %.2e, logits %.2e; vs a fresh analysis %.2e",
          qPrintable(family), worstA, worstL, worstFresh);
    QVERIFY(worstA <= 5e-5);
    QVERIFY(worstL <= 5e-4);
    QVERIFY(worstFresh <= 1e-6);
}

void TestKvCache::longTextInChunks() {
    // 2 layers, d 64: small enough for the float64 forward at 700 tokens, long enough for two chunks of 512.
    QTemporaryDir dir;
    const std::string path = dir.filePath("chunks.gguf").toStdString();
    testsupport::RandomLlama spec;
    spec.layers = 2;
    spec.dim = 64;
    spec.heads = 4;
    spec.kvHeads = 2;
    spec.hidden = 128;
    spec.context = 1024;
    QVERIFY(testsupport::writeRandomLlama(testsupport::sharedStd("gguf/stories260K.gguf"), path, spec));
    const auto engine = Engine::load(path);
    QVERIFY2(engine.ok(), engine.ok() ? "" : engine.error().message.c_str());
    std::vector<Token> tokens;
    std::vector<int> ids;
    std::uint32_t state = 3;
    for (int t = 0; t < 700; ++t) {
        const std::uint32_t r = testsupport::nextRandom(state); // drawn for the first token too
        const int id = t == 0 ? 1 : int(3 + r % 500);
        tokens.push_back(Token{id, {}, 0, 0});
        ids.push_back(id);
    }
    const auto file = gguf::File::open(path);
    QVERIFY(file.ok());
    const testsupport::F64Result ref = testsupport::llamaForwardF64(*file.value(), ids);
    auto compare = [&](const AttentionResult &r, const char *what) {
        double worstA = 0, worstL = 0;
        const FloatBuffer &a = r.dense();
        QCOMPARE(a.size(), ref.attention.size());
        for (std::size_t i = 0; i < a.size(); ++i)
            worstA = std::max(worstA, std::abs(double(a[i]) - ref.attention[i]));
        for (int pos : {0, 300, 511, 512, 699}) { // both sides of the chunk boundary
            const std::vector<float> l = r.logitsAt(pos);
            QCOMPARE(int(l.size()), ref.vocab);
            for (int i = 0; i < ref.vocab; ++i)
                worstL = std::max(worstL, std::abs(double(l[std::size_t(i)]) - ref.logits[std::size_t(pos) * ref.vocab + i]));
        }
        qInfo("%s: max |attention - float64| %.2e, max |logits - float64| %.2e", what, worstA, worstL);
        QVERIFY(worstA <= 5e-5);
        QVERIFY(worstL <= 5e-4);
    };
    const auto whole = engine.value()->analyzeTokens(tokens);
    QVERIFY(whole.ok());
    compare(whole.value(), "700 tokens in two chunks");
    const auto first = engine.value()->analyzeTokens(std::vector<Token>(tokens.begin(), tokens.begin() + 500));
    QVERIFY(first.ok());
    AnalyzeParams params;
    params.previous = &first.value();
    const auto continued = engine.value()->analyzeTokens(tokens, params);
    QVERIFY(continued.ok());
    compare(continued.value(), "500 tokens, then 200 more across the chunk boundary");
}

void TestKvCache::editsReuseThePrefix() {
    const auto engine = Engine::load(testsupport::stories260K(), testsupport::tok512());
    QVERIFY(engine.ok());
    const std::string a = "Lily saw a big red ball in the park. She ran to get it.";
    const std::string b = "Lily saw a big red ball in the park. Ben ran to get it.";
    const auto ra = engine.value()->analyze(a);
    QVERIFY(ra.ok());
    const FloatBuffer before = ra->dense();
    AnalyzeParams params;
    params.previous = &ra.value();
    const auto tb = engine.value()->tokenizer().encode(b);
    QVERIFY(tb.ok());
    const int shared = engine.value()->reusablePrefix(&ra.value(), tb.value(), params);
    QVERIFY(shared > 5 && shared < int(tb->size())); // "... park." is shared, "Ben" is not
    const auto rb = engine.value()->analyze(b, params);
    const auto fresh = engine.value()->analyze(b);
    QVERIFY(rb.ok() && fresh.ok());
    QCOMPARE(maxDiff(rb->dense(), fresh->dense()), 0.0);
    for (int i = 0; i < rb->vocabSize; ++i)
        QCOMPARE(rb->lastLogits()[i], fresh->lastLogits()[i]);
    // Backspace: a prefix of the earlier text runs nothing and equals a fresh analysis.
    const std::string shorter = "Lily saw a big red ball";
    params.previous = &rb.value();
    const auto rs = engine.value()->analyze(shorter, params);
    const auto fs = engine.value()->analyze(shorter);
    QVERIFY(rs.ok() && fs.ok());
    QCOMPARE(maxDiff(rs->dense(), fs->dense()), 0.0);
    for (int i = 0; i < rs->vocabSize; ++i)
        QCOMPARE(rs->lastLogits()[i], fs->lastLogits()[i]);
    // Two continuations of one result (another text, then the first again): each equals its fresh analysis, and
    // the result they continued is as it was.
    params.previous = &ra.value();
    const auto again = engine.value()->analyze(a + " Then they went home.", params);
    const auto other = engine.value()->analyze(a + " The dog barked.", params);
    const auto againFresh = engine.value()->analyze(a + " Then they went home.");
    const auto otherFresh = engine.value()->analyze(a + " The dog barked.");
    QVERIFY(again.ok() && other.ok() && againFresh.ok() && otherFresh.ok());
    QCOMPARE(maxDiff(again->dense(), againFresh->dense()), 0.0);
    QCOMPARE(maxDiff(other->dense(), otherFresh->dense()), 0.0);
    QCOMPARE(maxDiff(ra->dense(), before), 0.0);
    // Another engine's result is not reused.
    const auto second = Engine::load(testsupport::stories260K(), testsupport::tok512());
    QVERIFY(second.ok());
    QCOMPARE(second.value()->reusablePrefix(&ra.value(), tb.value(), params), 0);
}

void TestKvCache::rolesFromRowStatistics() {
    const auto engine = Engine::load(testsupport::stories260K(), testsupport::tok512());
    QVERIFY(engine.ok());
    const auto r = engine.value()->analyze("Tom had a red ball. Tom had a red ball. Tom had a red ball and a dog.");
    QVERIFY(r.ok());
    AttentionResult dense = r.value();
    dense.materialize(); // the same weights, stored: roles computed from the matrices
    const auto streamed = allHeadRoles(r.value()), fromMatrices = allHeadRoles(dense);
    QCOMPARE(streamed.size(), fromMatrices.size());
    double worst = 0;
    for (std::size_t k = 0; k < streamed.size(); ++k) {
        const HeadRoles &s = streamed[k], &m = fromMatrices[k];
        for (const auto &[x, y] : {std::pair{s.entropy, m.entropy}, {s.previousToken, m.previousToken},
                                   {s.self, m.self}, {s.firstToken, m.firstToken}, {s.distance, m.distance}})
            worst = std::max(worst, std::abs(x - y));
        QCOMPARE(bool(s.induction), bool(m.induction));
        if (s.induction)
            worst = std::max(worst, std::abs(*s.induction - *m.induction));
        QCOMPARE(s.label, m.label);
    }
    qInfo("head roles from row statistics vs from the matrices: %.2e", worst);
    QVERIFY(worst <= 1e-5);
}

QTEST_GUILESS_MAIN(TestKvCache)
#include "tst_kv_cache.moc"
