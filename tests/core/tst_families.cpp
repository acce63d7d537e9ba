// Every family against llama.cpp's numbers (../shared/reference/<family>, see its README): each case's text tokenizes
// to llama.cpp's ids, attention of every layer and head is within 5e-5 of kq_soft_max, the last logits within 5e-4.
// Also what the views rely on for every family: rows are probabilities, future and out-of-window keys weigh exactly
// 0, the step view's recomputation agrees with the forward pass (softcap, window and QK-norm included), and
// settings that are absurd are refused with one message naming them.
#include "test_support.h"

#include <attnscope/attention_view.h>
#include <attnscope/engine.h>
#include <attnscope/gguf.h>
#include <attnscope/gguf_writer.h>
#include <attnscope/head_step.h>
#include <attnscope/npy.h>

#include <QtTest>

#include <cmath>

using namespace attnscope;

namespace {

const char *const kFamilies[] = {"gemma", "gemma2", "gemma3", "qwen3", "phi3", "gptneox"};

// A copy of a reference GGUF in `dir` with one metadata value changed: value "u32:N", "f32:X", "str:S", "bool:0|1",
// or "drop" to leave the key out. Returns the file's path, or "" when it cannot be written.
std::string rewrittenGguf(const QString &family, const QString &key, const QString &value, const QTemporaryDir &dir) {
    const auto file = gguf::File::open(testsupport::sharedStd("reference/" + family + "/model.gguf"));
    if (!file)
        return {};
    GgufBuilder b;
    for (const auto &[k, v] : file.value()->metadata())
        if (QString::fromStdString(k) != key)
            b.setValue(k, v);
    if (value.startsWith("u32:"))
        b.setU32(key.toStdString(), value.mid(4).toUInt());
    else if (value.startsWith("f32:"))
        b.setF32(key.toStdString(), value.mid(4).toFloat());
    else if (value.startsWith("str:"))
        b.setString(key.toStdString(), value.mid(4).toStdString());
    else if (value.startsWith("bool:"))
        b.setBool(key.toStdString(), value.mid(5) == "1");
    for (const gguf::TensorInfo &t : file.value()->tensors())
        b.addTensor(t.name, t.dims, static_cast<GgmlType>(t.type), std::string(reinterpret_cast<const char *>(t.data), t.bytes));
    const std::string path = dir.filePath(family + "-" + QString(key).replace('.', '_') + ".gguf").toStdString();
    return b.write(path).ok() ? path : std::string();
}

} // namespace

class TestFamilies : public QObject {
    Q_OBJECT

private slots:
    void matchesLlamaCpp_data();
    void matchesLlamaCpp();
    void masksAreExact_data();
    void masksAreExact();
    void stepAgreesWithForward_data();
    void stepAgreesWithForward();
    void settingsAreNamed();
    void absurdSettingsAreRefused_data();
    void absurdSettingsAreRefused();
    void absurdConfigJsonIsRefused_data();
    void absurdConfigJsonIsRefused();
    void ggufDefaultsAreLlamaCpps();
    void parallelResidualBothWays();
};

void TestFamilies::matchesLlamaCpp_data() {
    QTest::addColumn<QString>("family");
    for (const char *f : kFamilies)
        QTest::newRow(f) << f;
}

void TestFamilies::matchesLlamaCpp() {
    QFETCH(QString, family);
    const auto engine = Engine::load(testsupport::sharedStd("reference/" + family + "/model.gguf"));
    QVERIFY2(engine.ok(), engine.ok() ? "" : engine.error().message.c_str());
    const QJsonArray all = testsupport::familyCases(family);
    QVERIFY(all.size() >= 3);
    double worstAttention = 0, worstLogit = 0;
    for (const QJsonValue &v : all) {
        const QJsonObject c = v.toObject();
        const QString name = c.value("name").toString();
        const auto tokens = engine.value()->tokenizer().encode(c.value("text").toString().toStdString());
        QVERIFY(tokens.ok());
        QList<int> got, want;
        for (const Token &t : tokens.value())
            got << t.id;
        for (const QJsonValue &id : c.value("ids").toArray())
            want << id.toInt();
        QCOMPARE(got, want);

        const auto result = engine.value()->analyze(c.value("text").toString().toStdString());
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().message.c_str());
        const AttentionResult &r = result.value();
        const auto attention = readNpy(testsupport::sharedStd("reference/" + family + "/" + name + ".attention.npy"));
        const auto logits = readNpy(testsupport::sharedStd("reference/" + family + "/" + name + ".last_logits.npy"));
        QVERIFY(attention.ok() && logits.ok());
        const std::vector<std::int64_t> shape{r.layers, r.heads, r.seqLen(),
                                             r.seqLen()};
        QCOMPARE(attention.value().shape, shape);
        double worstA = 0;
        for (std::size_t i = 0; i < attention.value().data.size(); ++i)
            worstA = std::max(worstA, std::abs(double(r.dense()[i]) - attention.value().data[i]));
        QCOMPARE(logits.value().data.size(), std::size_t(r.vocabSize));
        const float *last = r.logits.data() + std::size_t(r.logitRows - 1) * std::size_t(r.vocabSize);
        double worstL = 0;
        for (std::size_t i = 0; i < logits.value().data.size(); ++i)
            worstL = std::max(worstL, std::abs(double(last[i]) - logits.value().data[i]));
        QVERIFY2(worstA <= 5e-5, qPrintable(QString("%1/%2: attention off by %3").arg(family, name).arg(worstA)));
        QVERIFY2(worstL <= 5e-4, qPrintable(QString("%1/%2: logits off by %3").arg(family, name).arg(worstL)));
        worstAttention = std::max(worstAttention, worstA);
        worstLogit = std::max(worstLogit, worstL);
    }
    qInfo("%s (GGUF): worst attention difference %.3g, worst logit difference %.3g", qPrintable(family),
          worstAttention, worstLogit);
}

void TestFamilies::masksAreExact_data() {
    matchesLlamaCpp_data();
}

// Rows sum to 1; a key after the query or outside a local layer's window weighs exactly 0, every other key more.
void TestFamilies::masksAreExact() {
    QFETCH(QString, family);
    const auto engine = Engine::load(testsupport::sharedStd("reference/" + family + "/model.gguf"));
    QVERIFY(engine.ok());
    const ModelConfig &c = engine.value()->model().config();
    const QJsonObject story = testsupport::familyCases(family).at(2).toObject();
    const auto result = engine.value()->analyzeTokens(testsupport::caseTokens<Token>(story));
    QVERIFY(result.ok());
    const AttentionResult &r = result.value();
    const int T = r.seqLen();
    int windowed = 0;
    for (int l = 0; l < r.layers; ++l) {
        const int window = c.isLocal(l) ? c.slidingWindow : 0;
        windowed += window > 0 && window < T;
        for (int h = 0; h < r.heads; ++h)
            for (int i = 0; i < T; ++i) {
                double sum = 0;
                for (int j = 0; j < T; ++j) {
                    const float a = r.weight(l, h, i, j);
                    const bool visible = j <= i && (window == 0 || i - j < window);
                    if (!visible)
                        QVERIFY2(a == 0.0f, qPrintable(QString("L%1 H%2 %3->%4 = %5").arg(l).arg(h).arg(i).arg(j).arg(a)));
                    else
                        QVERIFY(a > 0.0f);
                    sum += a;
                }
                QVERIFY(std::abs(sum - 1.0) < 1e-5);
            }
    }
    if (family == "gemma2" || family == "gemma3")
        QVERIFY(windowed > 0); // the story is longer than the window: the mask was exercised
    // The views mask what the model masked: a local layer's matrix knows its window, the mean of all layers has
    // one only when every layer does, and the heatmap's pooled cells of out-of-window blocks stay masked (-1).
    for (int l = 0; l < r.layers; ++l) {
        const AttentionMatrix m = attentionMatrix(r, {l, 0, Aggregation::Head, false});
        QCOMPARE(m.window, c.isLocal(l) ? c.slidingWindow : 0);
        for (int i = 0; i < m.size; ++i)
            for (int j = 0; j < m.size; ++j)
                QCOMPARE(m.masked(i, j), !(j <= i && (m.window == 0 || i - j < m.window)));
        if (m.window > 0) {
            const std::vector<float> pooled = downsampleMax(m, m.size);
            QCOMPARE(pooled[std::size_t(m.size - 1) * m.size], -1.0f); // last query, first key: outside the window
        }
    }
    const bool allLocal = c.slidingWindow > 0 && std::all_of(c.localLayers.begin(), c.localLayers.end(), [](auto v) { return v != 0; });
    QCOMPARE(attentionMatrix(r, {0, 0, Aggregation::MeanOfAll, false}).window, allLocal ? c.slidingWindow : 0);
}

void TestFamilies::stepAgreesWithForward_data() {
    matchesLlamaCpp_data();
}

// The step view recomputes a head from the traced q, k, v; with the family's scale, softcap, window and QK-norm it
// must give the forward pass's own attention row.
void TestFamilies::stepAgreesWithForward() {
    QFETCH(QString, family);
    const auto engine = Engine::load(testsupport::sharedStd("reference/" + family + "/model.gguf"));
    QVERIFY(engine.ok());
    const ModelConfig &c = engine.value()->model().config();
    const std::vector<Token> tokens = testsupport::caseTokens<Token>(testsupport::familyCases(family).at(2).toObject());
    const auto result = engine.value()->analyzeTokens(tokens);
    QVERIFY(result.ok());
    const int T = result.value().seqLen();
    for (int l = 0; l < c.layers; ++l) {
        const auto trace = engine.value()->traceLayer(tokens, l);
        QVERIFY2(trace.ok(), trace.ok() ? "" : trace.error().message.c_str());
        QCOMPARE(trace.value().qkNorm, c.qkNorm);
        QCOMPARE(trace.value().softcap, c.attnSoftcap);
        QCOMPARE(trace.value().window, c.isLocal(l) ? c.slidingWindow : 0);
        for (int h = 0; h < c.heads; ++h) {
            const auto step = headStep(trace.value(), h, T - 1);
            QVERIFY(step.ok());
            const HeadStep &s = step.value();
            QCOMPARE(s.first + s.keys, T);
            for (int j = 0; j < T; ++j) {
                const double want = j < s.first ? 0.0 : s.weights[std::size_t(j - s.first)];
                QVERIFY2(std::abs(result.value().weight(l, h, T - 1, j) - want) < 1e-5,
                         qPrintable(QString("L%1 H%2 key %3").arg(l).arg(h).arg(j)));
            }
        }
    }
}

// `info` shows what ModelConfig says; these are the settings each reference model exercises.
void TestFamilies::settingsAreNamed() {
    auto config = [](const char *family) {
        const auto e = Engine::load(testsupport::sharedStd(QString("reference/") + family + "/model.gguf"));
        return e.ok() ? e.value()->model().config() : ModelConfig{};
    };
    const ModelConfig gemma = config("gemma");
    QCOMPARE(QString::fromStdString(gemma.family), QStringLiteral("Gemma"));
    QCOMPARE(gemma.headSize(), 32);
    QCOMPARE(gemma.kvHeads, 1);
    QCOMPARE(gemma.embedScale, std::sqrt(64.0f));
    QVERIFY(gemma.feedForward == FeedForward::GeGlu);
    const ModelConfig gemma2 = config("gemma2");
    QCOMPARE(gemma2.attnSoftcap, 3.0f);
    QCOMPARE(gemma2.finalSoftcap, 2.0f);
    QCOMPARE(gemma2.slidingWindow, 4);
    QCOMPARE(gemma2.localLayers, (std::vector<std::uint8_t>{1, 0, 1, 0}));
    QVERIFY(gemma2.sandwichNorms);
    const ModelConfig gemma3 = config("gemma3");
    QCOMPARE(gemma3.localLayers, (std::vector<std::uint8_t>{1, 1, 0, 1}));
    QCOMPARE(gemma3.ropeThetaLocal, 10000.0f);
    QCOMPARE(gemma3.ropeTheta, 1e6f);
    QCOMPARE(gemma3.ropeScale, 0.25f);
    QVERIFY(gemma3.qkNorm);
    const ModelConfig phi3 = config("phi3");
    QCOMPARE(QString::fromStdString(phi3.ropeScaling), QStringLiteral("longrope"));
    QCOMPARE(phi3.ropeFactors.size(), std::size_t(8));
    const ModelConfig neox = config("gptneox");
    QVERIFY(neox.parallelResidual);
    QCOMPARE(neox.rotaryDim(), 4);
    QVERIFY(!neox.sharedClassifier);
    QVERIFY(config("qwen3").sharedClassifier);
}

void TestFamilies::absurdSettingsAreRefused_data() {
    QTest::addColumn<QString>("family");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value"); // "u32:N", "f32:X", "str:S", "drop"
    QTest::addColumn<QString>("message");
    QTest::newRow("softcap 0") << "gemma2" << "gemma2.attn_logit_softcapping" << "f32:0" << "must be positive";
    QTest::newRow("negative softcap") << "gemma2" << "gemma2.final_logit_softcapping" << "f32:-2" << "must be positive";
    QTest::newRow("window beyond context") << "gemma3" << "gemma3.attention.sliding_window" << "u32:100000"
                                           << "larger than the context";
    QTest::newRow("heads do not divide") << "qwen3" << "qwen3.attention.head_count_kv" << "u32:3"
                                         << "cannot share";
    QTest::newRow("zero layers") << "gemma" << "gemma.block_count" << "u32:0" << "implausible";
    QTest::newRow("missing width") << "phi3" << "phi3.embedding_length" << "drop" << "is missing";
    QTest::newRow("wrong type") << "gptneox" << "gptneox.use_parallel_residual" << "str:yes" << "is a string, not true or false";
    QTest::newRow("rotary beyond head") << "gptneox" << "gptneox.rope.dimension_count" << "u32:64" << "rotary";
    QTest::newRow("yarn rope") << "qwen3" << "qwen3.rope.scaling.type" << "str:yarn" << "not this one";
    QTest::newRow("epsilon absurd") << "qwen3" << "qwen3.attention.layer_norm_rms_epsilon" << "f32:5" << "epsilon";
}

// A copy of a reference GGUF with one metadata value changed: one message naming it, never a crash.
void TestFamilies::absurdSettingsAreRefused() {
    QFETCH(QString, family);
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(QString, message);
    QTemporaryDir dir;
    const std::string path = rewrittenGguf(family, key, value, dir);
    QVERIFY(!path.empty());
    const auto engine = Engine::load(path);
    QVERIFY(!engine.ok());
    QVERIFY2(QString::fromStdString(engine.error().message).contains(message),
             engine.error().message.c_str());
}

void TestFamilies::absurdConfigJsonIsRefused_data() {
    QTest::addColumn<QString>("folder");   // a reference HF folder whose weights are reused
    QTest::addColumn<QString>("config");   // JSON members merged into its config.json
    QTest::addColumn<QString>("message");
    QTest::newRow("negative width") << "qwen3" << R"({"hidden_size": -64})" << "implausible";
    QTest::newRow("heads do not divide") << "qwen3" << R"({"num_key_value_heads": 3})" << "cannot share";
    QTest::newRow("heads as text") << "qwen3" << R"({"num_attention_heads": "four"})" << "not a whole number";
    QTest::newRow("layers beyond int64") << "qwen3" << R"({"num_hidden_layers": 1e300})" << "not a whole number";
    QTest::newRow("zero head size") << "qwen3" << R"({"head_dim": 0})" << "implausible";
    QTest::newRow("epsilon as object") << "qwen3" << R"({"rms_norm_eps": {"a": 1}})" << "not a number";
    QTest::newRow("softcap 0") << "gemma" << R"({"architectures": ["Gemma2ForCausalLM"], "attn_logit_softcapping": 0})"
                               << "must be positive";
    QTest::newRow("window beyond context")
        << "gemma" << R"({"architectures": ["Gemma3ForCausalLM"], "sliding_window": 100000})" << "larger than the context";
    QTest::newRow("layer types too short")
        << "gemma" << R"({"architectures": ["Gemma3ForCausalLM"], "sliding_window": 4, "layer_types": ["full_attention"]})"
        << "names 1 layers";
    QTest::newRow("layer type unknown")
        << "gemma" << R"({"architectures": ["Gemma2ForCausalLM"], "layer_types": ["local", "global", "local"]})"
        << "sliding_attention or full_attention";
    QTest::newRow("rope factors of the wrong length")
        << "qwen3"
        << R"({"architectures": ["Phi3ForCausalLM"], "rope_scaling": {"type": "longrope", "short_factor": [1, 1, 1], "long_factor": [1, 1, 1]}})"
        << "rope factors have 3 values";
    QTest::newRow("negative rope factor")
        << "qwen3" << R"({"rope_scaling": {"rope_type": "linear", "factor": -4}})" << "implausible";
    QTest::newRow("llama3 rope backwards")
        << "qwen3"
        << R"({"architectures": ["LlamaForCausalLM"], "rope_scaling": {"rope_type": "llama3", "factor": 8, "low_freq_factor": 4, "high_freq_factor": 1}})"
        << "larger than low_freq_factor";
    QTest::newRow("yarn rope") << "qwen3" << R"({"rope_scaling": {"rope_type": "yarn", "factor": 4}})" << "not this one";
    QTest::newRow("unknown family") << "qwen3" << R"({"architectures": ["MambaForCausalLM"]})" << "not supported";
    QTest::newRow("context of 0") << "qwen3" << R"({"max_position_embeddings": 0})" << "implausible";
    QTest::newRow("another family's rope") << "qwen3" << R"({"rope_scaling": {"rope_type": "llama3", "factor": 8}})"
                                           << "not this one";
    QTest::newRow("rope_parameters yarn") << "qwen3" << R"({"rope_parameters": {"rope_type": "yarn", "rope_theta": 1e6}})"
                                          << "not this one";
    QTest::newRow("window wraps int") << "gemma" << R"({"architectures": ["Gemma2ForCausalLM"], "sliding_window": 4294967300})"
                                      << "implausible";
}

// The reference folder's weights with a config.json that is wrong in one way: one message naming it, never a crash.
void TestFamilies::absurdConfigJsonIsRefused() {
    QFETCH(QString, folder);
    QFETCH(QString, config);
    QFETCH(QString, message);
    const QString source = testsupport::sharedPath("reference/" + folder + "/hf");
    QTemporaryDir dir;
    for (const QString &name : QDir(source).entryList(QDir::Files))
        if (name != "config.json")
            QVERIFY(QFile::link(source + "/" + name, dir.filePath(name)));
    QFile in(source + "/config.json");
    QVERIFY(in.open(QIODevice::ReadOnly));
    QJsonObject merged = QJsonDocument::fromJson(in.readAll()).object();
    const QJsonObject changes = QJsonDocument::fromJson(config.toUtf8()).object();
    QVERIFY(!changes.isEmpty());
    for (auto it = changes.begin(); it != changes.end(); ++it)
        merged[it.key()] = it.value();
    QFile out(dir.filePath("config.json"));
    QVERIFY(out.open(QIODevice::WriteOnly));
    out.write(QJsonDocument(merged).toJson());
    out.close();
    const auto engine = Engine::load(dir.path().toStdString());
    QVERIFY(!engine.ok());
    QVERIFY2(QString::fromStdString(engine.error().message).contains(message), engine.error().message.c_str());
}

// Keys a GGUF may omit take llama.cpp's default for the family: Gemma 3's window pattern 6 and local base 10000,
// Gemma 2's softcaps 50 and 30 and window pattern 2.
void TestFamilies::ggufDefaultsAreLlamaCpps() {
    QTemporaryDir dir;
    auto load = [&](const char *family, const char *key) {
        const std::string path = rewrittenGguf(family, key, "drop", dir);
        const auto e = Engine::load(path);
        return e.ok() ? e.value()->model().config() : ModelConfig{};
    };
    QCOMPARE(load("gemma3", "gemma3.attention.sliding_window_pattern").localLayers,
             (std::vector<std::uint8_t>{1, 1, 1, 1})); // layers 0-4 of every 6 are local
    QCOMPARE(load("gemma3", "gemma3.rope.freq_base_swa").ropeThetaLocal, 10000.0f);
    QCOMPARE(load("gemma3", "gemma3.attention.sliding_window").slidingWindow, 0); // no window: every layer global
    QCOMPARE(load("gemma2", "gemma2.attn_logit_softcapping").attnSoftcap, 50.0f);
    QCOMPARE(load("gemma2", "gemma2.final_logit_softcapping").finalSoftcap, 30.0f);
    QCOMPARE(load("gemma2", "gemma2.attention.sliding_window_pattern").localLayers,
             (std::vector<std::uint8_t>{1, 0, 1, 0}));
}

// use_parallel_residual = false runs x += attn(ln1 x); x += ffn(ln2 x): layer 0's attention is the same (it sees
// only the embeddings), every later layer's differs.
void TestFamilies::parallelResidualBothWays() {
    QTemporaryDir dir;
    const std::string sequential = rewrittenGguf("gptneox", "gptneox.use_parallel_residual", "bool:0", dir);
    const auto a = Engine::load(testsupport::sharedStd("reference/gptneox/model.gguf"));
    const auto b = Engine::load(sequential);
    QVERIFY(a.ok() && b.ok());
    QVERIFY(a.value()->model().config().parallelResidual);
    QVERIFY(!b.value()->model().config().parallelResidual);
    const std::vector<Token> tokens = testsupport::caseTokens<Token>(testsupport::familyCases("gptneox").at(2).toObject());
    const auto ra = a.value()->analyzeTokens(tokens), rb = b.value()->analyzeTokens(tokens);
    QVERIFY(ra.ok() && rb.ok());
    const std::size_t perLayer = std::size_t(ra->heads) * ra->seqLen() * ra->seqLen();
    double first = 0, later = 0;
    for (std::size_t i = 0; i < ra->dense().size(); ++i)
        (i < perLayer ? first : later) = std::max(i < perLayer ? first : later,
                                                  double(std::abs(ra->dense()[i] - rb->dense()[i])));
    QCOMPARE(first, 0.0);
    QVERIFY2(later > 1e-3, qPrintable(QString::number(later)));
}

QTEST_GUILESS_MAIN(TestFamilies)
#include "tst_families.moc"
