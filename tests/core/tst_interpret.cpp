// The analyses beyond attention weights (interpret.h), each against the independent float64 forward pass of
// llama_f64.h on three families: stories260K (Llama), and the random-weight Qwen 3 (QK-norm, NeoX RoPE, its own head
// size) and Gemma 2 (sqrt(dim) embeddings, GeGLU, sandwich norms, attention and final softcaps, sliding windows):
//  - logit lens: top-1 ids equal and every listed probability within 1e-3 at every layer boundary and position;
//  - ablation (zero and mean, one head and several): logits of every position within 5e-4, attention within 5e-5;
//  - information-flow importances within 1e-3;
//  - generation equal to argmax decoding token by token (each step a fresh float64 forward of the text so far);
//  - contextual similarity: cosines within 1e-4 of the float64 residuals';
//  - the ablation sweep: each head's probability of the target within 1e-3 of float64's with that head ablated;
//  - sampling: greedy at temperature 0, seeded and reproducible, nucleus cut, frequencies near the softmax.
#include "llama_f64.h"
#include "test_support.h"

#include <attnscope/engine.h>
#include <attnscope/interpret.h>

#include <QtTest>

#include <cmath>
#include <numeric>

using namespace attnscope;

namespace {

struct Loaded {
    std::shared_ptr<const Engine> engine;
    std::shared_ptr<const gguf::File> file;
};

QString modelOf(const QString &family) {
    return family == QLatin1String("llama") ? QStringLiteral("gguf/stories260K.gguf") : "reference/" + family + "/model.gguf";
}

Loaded load(const QString &family) {
    const std::string path = testsupport::sharedStd(modelOf(family));
    auto engine = Engine::load(path);
    auto file = gguf::File::open(path);
    if (!engine || !file)
        qFatal("cannot load %s", path.c_str());
    return {engine.value(), file.value()};
}

std::vector<Token> tokensOf(const Engine &e, const std::string &text) {
    auto t = e.tokenizer().encode(text, true);
    if (!t)
        qFatal("cannot tokenize");
    return t.value();
}

std::vector<int> idsOf(const std::vector<Token> &tokens) {
    std::vector<int> ids;
    for (const Token &t : tokens)
        ids.push_back(t.id);
    return ids;
}

const char *kTexts[] = {"She gave the ball to", "The quick brown fox jumps over the lazy dog."};

void addFamilies() {
    QTest::addColumn<QString>("family");
    for (const char *f : {"llama", "qwen3", "gemma2"})
        QTest::newRow(f) << QString(f);
}

} // namespace

class TestInterpret : public QObject {
    Q_OBJECT
private slots:
    void lensMatchesFloat64_data() { addFamilies(); }
    void lensMatchesFloat64();
    void ablatedLogitsMatchFloat64_data() { addFamilies(); }
    void ablatedLogitsMatchFloat64();
    void flowMatchesFloat64_data() { addFamilies(); }
    void flowMatchesFloat64();
    void generationIsArgmaxDecoding_data() { addFamilies(); }
    void generationIsArgmaxDecoding();
    void similarityMatchesFloat64_data() { addFamilies(); }
    void similarityMatchesFloat64();
    void ablationSweepMatchesFloat64();
    void sampling();
    void parsesAblations();
    void endOfSequenceIds();
    void routeOfAPrediction();
    void refusesWhatCannotBeDone();
};

void TestInterpret::lensMatchesFloat64() {
    QFETCH(QString, family);
    const Loaded m = load(family);
    double worst = 0;
    int cells = 0;
    for (const char *text : kTexts) {
        const std::vector<Token> tokens = tokensOf(*m.engine, text);
        const auto lens = logitLens(*m.engine, tokens, 5);
        QVERIFY2(lens.ok(), lens.ok() ? "" : lens.error().message.c_str());
        const testsupport::F64Result ref = testsupport::llamaForwardF64(*m.file, idsOf(tokens));
        const int T = int(tokens.size());
        QCOMPARE(lens->boundaries, ref.layers + 1);
        QCOMPARE(lens->seqLen(), T);
        for (int b = 0; b < lens->boundaries; ++b)
            for (int t = 0; t < T; ++t) {
                const std::vector<double> p = testsupport::lensF64(ref, ref.residuals.data() + (std::size_t(b) * T + t) * ref.dim);
                std::vector<int> order(p.size());
                std::iota(order.begin(), order.end(), 0);
                std::partial_sort(order.begin(), order.begin() + 2, order.end(), [&](int a, int c) { return p[std::size_t(a)] > p[std::size_t(c)]; });
                const TokenProb *top = lens->at(b, t);
                // Top-1 ids equal (unless float64's two best are tied within float32's reach).
                if (p[std::size_t(order[0])] - p[std::size_t(order[1])] > 1e-5)
                    QVERIFY2(top[0].id == order[0], qPrintable(QStringLiteral("%1 boundary %2 position %3: %4 vs %5")
                                                                   .arg(family).arg(b).arg(t).arg(top[0].id).arg(order[0])));
                for (int k = 0; k < lens->topK; ++k) {
                    worst = std::max(worst, std::abs(double(top[k].prob) - p[std::size_t(top[k].id)]));
                    if (k > 0)
                        QVERIFY(top[k].prob <= top[k - 1].prob);
                }
                ++cells;
            }
        // The last boundary is the model's own prediction.
        const auto plain = m.engine->analyzeTokens(tokens);
        QVERIFY(plain.ok());
        const float *last = plain->lastLogits();
        QCOMPARE(lens->at(lens->boundaries - 1, T - 1)[0].id, int(std::max_element(last, last + plain->vocabSize) - last));
    }
    qInfo("%s: %d lens cells, max |prob - float64| %.2e", qPrintable(family), cells, worst);
    QVERIFY(worst <= 1e-3);
}

void TestInterpret::ablatedLogitsMatchFloat64() {
    QFETCH(QString, family);
    const Loaded m = load(family);
    const ModelConfig &c = m.engine->model().config();
    const std::vector<Token> tokens = tokensOf(*m.engine, kTexts[1]);
    const std::vector<int> ids = idsOf(tokens);
    const int T = int(tokens.size());
    const std::vector<std::vector<std::pair<int, int>>> sets = {
        {{0, 1}}, {{0, 0}, {c.layers / 2, c.heads - 1}, {c.layers - 1, 1}}};
    for (const auto &set : sets)
        for (const bool mean : {false, true}) {
            AnalyzeParams params;
            params.allPositionLogits = true;
            params.ablation.mode = mean ? AblationMode::Mean : AblationMode::Zero;
            for (const auto &[l, h] : set)
                params.ablation.heads.push_back(HeadRef{l, h});
            const auto r = m.engine->analyzeTokens(tokens, params);
            QVERIFY(r.ok());
            const testsupport::F64Result ref = testsupport::llamaForwardF64(*m.file, ids, {set, mean, false});
            const testsupport::F64Result plain = testsupport::llamaForwardF64(*m.file, ids);
            double worstL = 0, worstA = 0, moved = 0;
            for (std::size_t i = 0; i < r->logits.size(); ++i) {
                worstL = std::max(worstL, std::abs(double(r->logits[i]) - ref.logits[i]));
                moved = std::max(moved, std::abs(ref.logits[i] - plain.logits[i]));
            }
            const FloatBuffer &a = r->dense();
            for (std::size_t i = 0; i < a.size(); ++i)
                worstA = std::max(worstA, std::abs(double(a[i]) - ref.attention[i]));
            qInfo("%s, %zu heads %s-ablated: max |logits - float64| %.2e (ablation moved them by up to %.2e), "
                  "attention %.2e",
                  qPrintable(family), set.size(), mean ? "mean" : "zero", worstL, moved, worstA);
            QCOMPARE(r->logitRows, T);
            QVERIFY(moved > 1e-3); // the ablation did something
            QVERIFY(worstL <= 5e-4);
            QVERIFY(worstA <= 5e-5);
        }
}

void TestInterpret::flowMatchesFloat64() {
    QFETCH(QString, family);
    const Loaded m = load(family);
    for (const char *text : kTexts) {
        const std::vector<Token> tokens = tokensOf(*m.engine, text);
        const auto flow = informationFlow(*m.engine, tokens);
        QVERIFY2(flow.ok(), flow.ok() ? "" : flow.error().message.c_str());
        const testsupport::F64Result ref = testsupport::llamaForwardF64(*m.file, idsOf(tokens), {{}, false, true});
        QCOMPARE(flow->importance.size(), ref.flow.size());
        double worst = 0;
        for (std::size_t i = 0; i < ref.flow.size(); ++i)
            worst = std::max(worst, std::abs(double(flow->importance[i]) - ref.flow[i]));
        const int T = flow->seqLen();
        for (int l = 0; l < flow->layers; ++l)
            for (int i = 0; i < T; ++i) {
                double sum = 0;
                for (int j = 0; j < T; ++j) {
                    sum += flow->at(l, i, j);
                    if (j > i)
                        QCOMPARE(flow->at(l, i, j), 0.0f); // a decoder's position draws on no later token
                }
                QVERIFY(std::abs(sum - 1.0) < 1e-4);
            }
        qInfo("%s, %d tokens: max |importance - float64| %.2e", qPrintable(family), T, worst);
        QVERIFY(worst <= 1e-3);
    }
}

void TestInterpret::generationIsArgmaxDecoding() {
    QFETCH(QString, family);
    const Loaded m = load(family);
    const std::vector<Token> prompt = tokensOf(*m.engine, kTexts[0]);
    GenerateParams params;
    params.maxTokens = 8;
    params.stopAtEos = false;
    int steps = 0;
    const auto g = generate(*m.engine, prompt, params, [&](const std::shared_ptr<const AttentionResult> &r, const GeneratedToken &) {
        ++steps;
        return r->seqLen() == int(prompt.size()) + steps - 1; // each step analyses the text so far
    });
    QVERIFY2(g.ok(), g.ok() ? "" : g.error().message.c_str());
    QCOMPARE(int(g->generated.size()), 8);
    std::vector<int> ids = idsOf(prompt);
    double worstP = 0;
    for (int k = 0; k < 8; ++k) {
        const testsupport::F64Result ref = testsupport::llamaForwardF64(*m.file, ids);
        const double *last = ref.logits.data() + (ids.size() - 1) * std::size_t(ref.vocab);
        const int best = int(std::max_element(last, last + ref.vocab) - last);
        QVERIFY2(g->generated[std::size_t(k)].id == best,
                 qPrintable(QStringLiteral("%1 token %2: %3, float64 argmax %4").arg(family).arg(k).arg(g->generated[std::size_t(k)].id).arg(best)));
        double sum = 0;
        for (int v = 0; v < ref.vocab; ++v)
            sum += std::exp(last[v] - last[best]);
        worstP = std::max(worstP, std::abs(double(g->generated[std::size_t(k)].prob) - 1.0 / sum));
        ids.push_back(best);
    }
    QCOMPARE(g->ids, ids);
    QVERIFY(g->result);
    QCOMPARE(g->result->seqLen(), int(ids.size()) - 1);
    QVERIFY(g->result->tokens.back().generated);
    QVERIFY(!g->result->tokens[prompt.size() - 1].generated);
    qInfo("%s: 8 greedy tokens equal float64 argmax decoding; max |prob - float64| %.2e", qPrintable(family), worstP);
    QVERIFY(worstP <= 1e-3);

    // Continuing the app's current analysis of the prompt: its logits give the first token (the callback sees that
    // very analysis), its cache the rest; the tokens are the same.
    auto current = m.engine->analyzeTokens(prompt);
    QVERIFY(current.ok());
    params.previous = std::make_shared<const AttentionResult>(std::move(current.value()));
    const AttentionResult *first = nullptr;
    const auto continued = generate(*m.engine, prompt, params, [&](const std::shared_ptr<const AttentionResult> &r, const GeneratedToken &) {
        if (!first)
            first = r.get();
        return true;
    });
    QVERIFY(continued.ok());
    QCOMPARE(first, params.previous.get());
    QCOMPARE(continued->ids, g->ids);
    // An analysis of another text, or with other heads ablated, is not taken for the prompt's.
    params.ablation = parseAblation("0:0", m.engine->model().config()).value();
    const auto ablated = generate(*m.engine, prompt, params);
    QVERIFY(ablated.ok());
    params.previous.reset();
    const auto fresh = generate(*m.engine, prompt, params);
    QVERIFY(fresh.ok());
    QCOMPARE(ablated->ids, fresh->ids);
    QCOMPARE(ablated->generated[0].prob, fresh->generated[0].prob);
}

void TestInterpret::similarityMatchesFloat64() {
    QFETCH(QString, family);
    const Loaded m = load(family);
    const std::string a = "Swing the bat!", b = "The bat flew at night.";
    const auto s = contextualSimilarity(*m.engine, a, b, "bat", 5);
    QVERIFY2(s.ok(), s.ok() ? "" : s.error().message.c_str());
    const testsupport::F64Result ra = testsupport::llamaForwardF64(*m.file, idsOf(s->tokensA));
    const testsupport::F64Result rb = testsupport::llamaForwardF64(*m.file, idsOf(s->tokensB));
    const int TA = int(s->tokensA.size()), TB = int(s->tokensB.size());
    QCOMPARE(int(s->layers.size()), ra.layers + 1);
    double worst = 0;
    for (const SimilarityLayer &l : s->layers) {
        const double *x = ra.residuals.data() + (std::size_t(l.boundary) * TA + s->positionA) * ra.dim;
        const double *y = rb.residuals.data() + (std::size_t(l.boundary) * TB + s->positionB) * rb.dim;
        double dot = 0, nx = 0, ny = 0;
        for (int d = 0; d < ra.dim; ++d) {
            dot += x[d] * y[d];
            nx += x[d] * x[d];
            ny += y[d] * y[d];
        }
        worst = std::max(worst, std::abs(double(l.cosine) - dot / std::sqrt(nx * ny)));
        QCOMPARE(int(l.nearestA.size()), 5);
        QVERIFY(l.nearestA[0].prob >= l.nearestA[4].prob);
    }
    // The word is read at its last token with letters: "at" of "bat!" in A.
    QVERIFY(QString::fromStdString(s->tokensA[std::size_t(s->positionA)].piece).contains(QLatin1String("at")));
    qInfo("%s: \"bat\" at tokens %d and %d; max |cosine - float64| %.2e; embeddings %.3f, last layer %.3f",
          qPrintable(family), s->positionA, s->positionB, worst, double(s->layers.front().cosine), double(s->layers.back().cosine));
    QVERIFY(worst <= 1e-4);
}

void TestInterpret::ablationSweepMatchesFloat64() {
    const Loaded m = load("llama");
    const std::vector<Token> tokens = tokensOf(*m.engine, "She gave the ball to");
    const int position = int(tokens.size()) - 1;
    int reports = 0;
    const auto sweep = ablationSweep(*m.engine, tokens, position, -1, AblationMode::Zero, [&](float) { return ++reports > 0; });
    QVERIFY2(sweep.ok(), sweep.ok() ? "" : sweep.error().message.c_str());
    const ModelConfig &c = m.engine->model().config();
    QCOMPARE(int(sweep->heads.size()), c.layers * c.heads);
    QCOMPARE(reports, c.layers * c.heads);
    const std::vector<int> ids = idsOf(tokens);
    auto probability = [&](const testsupport::F64Result &r) {
        const double *last = r.logits.data() + std::size_t(position) * r.vocab;
        const double mx = *std::max_element(last, last + r.vocab);
        double sum = 0;
        for (int v = 0; v < r.vocab; ++v)
            sum += std::exp(last[v] - mx);
        return std::exp(last[sweep->target] - mx) / sum;
    };
    const double before = probability(testsupport::llamaForwardF64(*m.file, ids));
    double worst = std::abs(double(sweep->heads[0].before) - before);
    const HeadEffect *biggest = &sweep->heads[0];
    for (const HeadEffect &e : sweep->heads) {
        const double after = probability(testsupport::llamaForwardF64(*m.file, ids, {{{e.head.layer, e.head.head}}, false, false}));
        worst = std::max(worst, std::abs(double(e.after) - after));
        if (std::abs(e.change()) > std::abs(biggest->change()))
            biggest = &e;
    }
    qInfo("\"She gave the ball to\" -> \"%s\" (p = %.3f): ablating L%d H%d moves it most, to %.3f; max |p - float64| %.2e",
          m.engine->tokenizer().piece(sweep->target).c_str(), double(sweep->heads[0].before), biggest->head.layer,
          biggest->head.head, double(biggest->after), worst);
    QVERIFY(worst <= 1e-3);
    // Cancelled: an error that says so.
    const auto cancelled = ablationSweep(*m.engine, tokens, position, -1, AblationMode::Zero, [](float) { return false; });
    QVERIFY(!cancelled.ok() && cancelled.error().cancelled);
}

void TestInterpret::sampling() {
    std::vector<float> logits = {0.0f, std::log(3.0f), -50.0f, std::log(3.0f) - 1e-3f}; // p ~ 1/7, 3/7, 0, 3/7
    std::uint64_t state = 7;
    QCOMPARE(sampleToken(logits.data(), 4, 0.0f, 1.0f, state), 1); // greedy: the first maximum
    QCOMPARE(state, std::uint64_t(7));                               // greedy draws nothing
    // A nucleus of 0.4 holds only the most probable token.
    for (int i = 0; i < 20; ++i)
        QCOMPARE(sampleToken(logits.data(), 4, 1.0f, 0.4f, state), 1);
    // Seeded: the same seed gives the same draws; frequencies follow the softmax.
    std::uint64_t a = 42, b = 42;
    int counts[4] = {0, 0, 0, 0};
    for (int i = 0; i < 7000; ++i) {
        const int x = sampleToken(logits.data(), 4, 1.0f, 1.0f, a);
        QCOMPARE(sampleToken(logits.data(), 4, 1.0f, 1.0f, b), x);
        ++counts[x];
    }
    QVERIFY(std::abs(counts[0] - 1000) < 120);
    QVERIFY(std::abs(counts[1] - 3000) < 180);
    QCOMPARE(counts[2], 0);
    // Generation with a seed is reproducible.
    const Loaded m = load("llama");
    const std::vector<Token> prompt = tokensOf(*m.engine, "Once upon a time");
    GenerateParams p;
    p.maxTokens = 10;
    p.temperature = 0.9f;
    p.topP = 0.95f;
    p.seed = 5;
    const auto g1 = generate(*m.engine, prompt, p), g2 = generate(*m.engine, prompt, p);
    QVERIFY(g1.ok() && g2.ok());
    QCOMPARE(g1->ids, g2->ids);
    QVERIFY(g1->text.rfind("Once upon a time", 0) == 0);
}

void TestInterpret::parsesAblations() {
    const Loaded m = load("llama"); // 5 layers, 8 heads
    const ModelConfig &c = m.engine->model().config();
    const auto a = parseAblation("2:6,0:1,2:6", c);
    QVERIFY(a.ok());
    QCOMPARE(int(a->heads.size()), 2);
    QCOMPARE(a->heads[0], (HeadRef{0, 1}));
    QCOMPARE(a->heads[1], (HeadRef{2, 6}));
    QCOMPARE(describeAblation(a.value()), std::string("L0 H1, L2 H6"));
    for (const char *bad : {"", "2", "2:", ":3", "5:0", "0:8", "a:b", "1:2,", "-1:0", "1:2:3"})
        QVERIFY2(!parseAblation(bad, c).ok(), bad);
    QVERIFY(parseAblation("5:0", c).error().message.find("layers 0-4") != std::string::npos);
}

void TestInterpret::endOfSequenceIds() {
    const Loaded m = load("llama");
    QCOMPARE(m.engine->tokenizer().eosIds(), std::vector<int>{2});
    const auto bin = Engine::load(testsupport::stories260K());
    QVERIFY(bin.ok());
    QCOMPARE(bin.value()->tokenizer().eosIds(), std::vector<int>{2});
    // Generation stops at it: a story that ends (greedy stories260K ends its stories with EOS eventually).
    GenerateParams p;
    p.maxTokens = 400;
    const auto g = generate(*m.engine, tokensOf(*m.engine, "Once upon a time"), p);
    QVERIFY(g.ok());
    if (g->endOfSequence)
        QCOMPARE(g->generated.back().id, 2);
    else
        QCOMPARE(int(g->generated.size()), 400);
}

void TestInterpret::routeOfAPrediction() {
    FlowResult f;
    f.layers = 2;
    f.tokens.resize(3);
    f.importance.assign(2 * 9, 0.0f);
    auto set = [&](int l, int to, int from, float w) { f.importance[std::size_t((l * 3 + to) * 3 + from)] = w; };
    // Layer 1: position 2 draws on 1 (0.7) and itself (0.3). Layer 0: 1 draws on 0 (0.9), 2 on itself (1).
    set(1, 2, 1, 0.7f);
    set(1, 2, 2, 0.3f);
    set(0, 1, 0, 0.9f);
    set(0, 1, 1, 0.1f);
    set(0, 2, 2, 1.0f);
    set(0, 0, 0, 1.0f);
    const std::vector<std::uint8_t> r = traceRoute(f, 2, 0.2f);
    auto kept = [&](int l, int to, int from) { return r[std::size_t((l * 3 + to) * 3 + from)] != 0; };
    QVERIFY(kept(1, 2, 1) && kept(1, 2, 2) && kept(0, 1, 0) && kept(0, 2, 2));
    QVERIFY(!kept(0, 1, 1));  // below the threshold
    QVERIFY(!kept(0, 0, 0));  // position 0 is not on the route at layer 0's output
}

void TestInterpret::refusesWhatCannotBeDone() {
    const Loaded m = load("llama");
    const std::vector<Token> tokens = tokensOf(*m.engine, "Hi");
    QVERIFY(!logitLens(*m.engine, tokens, 0).ok());
    QVERIFY(!logitLens(*m.engine, tokens, 101).ok());
    GenerateParams p;
    p.maxTokens = 0;
    QVERIFY(!generate(*m.engine, tokens, p).ok());
    p.maxTokens = 2;
    p.temperature = -1;
    QVERIFY(!generate(*m.engine, tokens, p).ok());
    p.temperature = 1;
    p.topP = 0;
    QVERIFY(!generate(*m.engine, tokens, p).ok());
    QVERIFY(!ablationSweep(*m.engine, tokens, 5).ok());
    const auto missing = contextualSimilarity(*m.engine, "Swing the bat!", "The cat sat.", "bat");
    QVERIFY(!missing.ok());
    QVERIFY2(missing.error().message.find("text B") != std::string::npos, missing.error().message.c_str());
    QVERIFY(!contextualSimilarity(*m.engine, "a", "a", "!!").ok());
}

QTEST_GUILESS_MAIN(TestInterpret)
#include "tst_interpret.moc"
