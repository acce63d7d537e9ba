// Models from GGUF: stories260K.gguf (written by llama.cpp) reproduces ../shared/reference with the tokenizer rebuilt
// from its own metadata; llama-2-tiny-random.gguf (F16 weights, 32k vocab) matches an independent float64 forward
// pass; malformed model files give messages.
#include "llama_f64.h"
#include "test_support.h"

#include <attnscope/engine.h>
#include <attnscope/gguf_writer.h>
#include <attnscope/npy.h>

#include <QDir>
#include <QtTest>

#include <cstring>

using namespace attnscope;

namespace {
// max |ours - reference| / max(|reference|, 1e-3) over value norms; the sizes must agree.
template <typename Floats> double maxRelativeError(const std::vector<double> &reference, const Floats &ours) {
    if (reference.size() != ours.size() || reference.empty())
        return 1e9;
    double worst = 0;
    for (std::size_t i = 0; i < reference.size(); ++i)
        worst = std::max(worst, std::abs(reference[i] - double(ours[i])) / std::max(std::abs(reference[i]), 1e-3));
    return worst;
}
} // namespace

class TestGgufModel : public QObject {
    Q_OBJECT
private slots:
    void stories260KMatchesRunC_data();
    void stories260KMatchesRunC();
    void tinyRandomF16MatchesFloat64();
    void configFromMetadata();
    void convertedModels_data();
    void convertedModels();
    void notAModel();
};

void TestGgufModel::stories260KMatchesRunC_data() {
    testsupport::addReferenceCaseRows();
}

void TestGgufModel::stories260KMatchesRunC() {
    QFETCH(QString, name);
    QFETCH(QString, text);
    QFETCH(QList<int>, ids);
    const auto engine = Engine::load(testsupport::sharedStd("gguf/stories260K.gguf"));
    QVERIFY2(engine.ok(), engine.ok() ? "" : engine.error().message.c_str());
    QVERIFY(engine.value()->info().tokenizerPath.empty()); // the GGUF's own vocabulary
    const auto r = engine.value()->analyze(text.toStdString());
    QVERIFY(r.ok());
    QList<int> got;
    for (const Token &t : r->tokens)
        got.append(t.id);
    QCOMPARE(got, ids);
    const auto ref = readNpy(testsupport::sharedStd("reference/stories260K/" + name + ".attention.npy"));
    QVERIFY(ref.ok());
    QCOMPARE(ref->data.size(), r->dense().size());
    float maxDiff = 0;
    for (std::size_t i = 0; i < ref->data.size(); ++i)
        maxDiff = std::max(maxDiff, std::abs(ref->data[i] - r->dense()[i]));
    QVERIFY2(maxDiff <= 5e-5f, qPrintable(QString::number(maxDiff)));
    const auto logits = readNpy(testsupport::sharedStd("reference/stories260K/" + name + ".last_logits.npy"));
    QVERIFY(logits.ok());
    for (int v = 0; v < r->vocabSize; ++v)
        QVERIFY(std::abs(logits->data[std::size_t(v)] - r->lastLogits()[v]) <= 5e-4f);
}

void TestGgufModel::tinyRandomF16MatchesFloat64() {
    const std::string path = testsupport::sharedStd("gguf/llama-2-tiny-random.gguf");
    const auto engine = Engine::load(path);
    QVERIFY2(engine.ok(), engine.ok() ? "" : engine.error().message.c_str());
    QCOMPARE(QString::fromStdString(engine.value()->info().config.weightTypes), QStringLiteral("F16"));
    AnalyzeParams params;
    params.valueNorms = true;
    const auto r = engine.value()->analyze("The quick brown fox jumps over the lazy dog. Hello, world!", params);
    QVERIFY(r.ok());
    QVERIFY(r->seqLen() > 10);
    std::vector<int> ids;
    for (const Token &t : r->tokens)
        ids.push_back(t.id);
    const auto file = gguf::File::open(path);
    QVERIFY(file.ok());
    const testsupport::F64Result ref = testsupport::llamaForwardF64(*file.value(), ids);
    QCOMPARE(ref.attention.size(), r->dense().size());
    const std::vector<float> logits = testsupport::allLogits(*r);
    double maxAttention = 0, maxLogit = 0;
    for (std::size_t i = 0; i < ref.attention.size(); ++i)
        maxAttention = std::max(maxAttention, std::abs(ref.attention[i] - double(r->dense()[i])));
    QCOMPARE(int(logits.size()), r->seqLen() * r->vocabSize);
    for (std::size_t i = 0; i < ref.logits.size(); ++i)
        maxLogit = std::max(maxLogit, std::abs(ref.logits[i] - double(logits[i])));
    const double maxNorm = maxRelativeError(ref.valueNorms, r->valueNorms);
    qInfo("llama-2-tiny-random F16: max |attention - f64| %.2e, max |logit - f64| %.2e, value norms %.2e relative",
          maxAttention, maxLogit, maxNorm);
    QVERIFY(maxAttention <= 5e-5);
    QVERIFY(maxLogit <= 5e-4);
    QVERIFY(maxNorm <= 1e-4);
}

void TestGgufModel::convertedModels_data() {
    QTest::addColumn<int>("type");
    QTest::newRow("f32") << int(GgmlType::F32);
    QTest::newRow("f16") << int(GgmlType::F16);
    QTest::newRow("q8_0") << int(GgmlType::Q8_0);
    QTest::newRow("q4_0") << int(GgmlType::Q4_0);
}

// stories260K.bin written as GGUF by our writer, read back by our reader: the attention equals a float64 forward
// pass over the stored (dequantized) weights, which checks the block layouts; the drift against the float32 model
// is the quantization error, reported.
void TestGgufModel::convertedModels() {
    QFETCH(int, type);
    const auto source = Engine::load(testsupport::stories260K(), testsupport::tok512());
    QVERIFY(source.ok());
    QTemporaryDir dir;
    const std::string path = dir.filePath("converted.gguf").toStdString();
    GgufWriteParams params;
    params.matrixType = GgmlType(type);
    params.name = "stories260K";
    const Status written = writeGguf(source.value()->model(), source.value()->tokenizer(), path, params);
    QVERIFY2(written.ok(), written.ok() ? "" : written.error().message.c_str());
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList{"converted.gguf"}); // no temporary left behind

    const auto file = gguf::File::open(path);
    QVERIFY(file.ok());
    QCOMPARE(file.value()->tensor("blk.0.attn_q.weight")->type, std::uint32_t(type));
    // 172-value rows are not whole 32-blocks: they stay F32 in every quantized file.
    QCOMPARE(file.value()->tensor("blk.0.ffn_down.weight")->type,
             std::uint32_t(type == int(GgmlType::F16) ? GgmlType::F16 : GgmlType::F32));

    const auto engine = Engine::load(path);
    QVERIFY2(engine.ok(), engine.ok() ? "" : engine.error().message.c_str());
    const std::string text = "Lily and Ben went to the park. Lily saw a big red ball and Ben ran to get it.";
    AnalyzeParams withNorms;
    withNorms.valueNorms = true; // float32 W_O is read in place, a quantized one dequantized once per layer
    const auto r = engine.value()->analyze(text, withNorms);
    const auto f32 = source.value()->analyze(text);
    QVERIFY(r.ok() && f32.ok());
    std::vector<int> ids;
    for (std::size_t i = 0; i < r->tokens.size(); ++i) {
        QCOMPARE(r->tokens[i].id, f32->tokens[i].id); // the vocabulary survived the round trip
        ids.push_back(r->tokens[i].id);
    }
    const testsupport::F64Result ref = testsupport::llamaForwardF64(*file.value(), ids);
    double layout = 0, drift = 0;
    for (std::size_t i = 0; i < ref.attention.size(); ++i) {
        layout = std::max(layout, std::abs(ref.attention[i] - double(r->dense()[i])));
        drift = std::max(drift, std::abs(double(f32->dense()[i]) - double(r->dense()[i])));
    }
    const double norms = maxRelativeError(ref.valueNorms, r->valueNorms);
    qInfo("%s: max |attention - float64 over stored weights| %.2e; max drift from the float32 model %.3f; value "
          "norms %.2e relative",
          ggmlTypeName(std::uint32_t(type)).c_str(), layout, drift, norms);
    QVERIFY(layout <= 5e-5);
    QVERIFY(norms <= 1e-4);
    if (type == int(GgmlType::F32))
        QCOMPARE(std::memcmp(r->dense().data(), f32->dense().data(), r->dense().size() * 4), 0);
}

void TestGgufModel::configFromMetadata() {
    const auto engine = Engine::load(testsupport::sharedStd("gguf/stories260K.gguf"));
    QVERIFY(engine.ok());
    const ModelConfig &c = engine.value()->info().config;
    QCOMPARE(c.dim, 64);
    QCOMPARE(c.hiddenDim, 172);
    QCOMPARE(c.layers, 5);
    QCOMPARE(c.heads, 8);
    QCOMPARE(c.kvHeads, 4);
    QCOMPARE(c.vocabSize, 512);
    QCOMPARE(c.contextLength, 2048); // what the file says (the model was trained at 512)
    QCOMPARE(QString::fromStdString(c.architecture), QStringLiteral("llama"));
    QCOMPARE(QString::fromStdString(engine.value()->info().format), QStringLiteral("GGUF v3"));
}

void TestGgufModel::notAModel() {
    auto error = [](const QString &relative) {
        const auto e = Engine::load(testsupport::sharedStd(relative));
        return e.ok() ? QString() : QString::fromStdString(e.error().message);
    };
    QVERIFY(error("gguf/vocab/ggml-vocab-llama-spm.gguf").contains("no tensors"));
    QVERIFY(error("gguf/vocab/ggml-vocab-gpt-2.gguf").contains("no tensors"));
    QVERIFY(error("gguf/vocab/ggml-vocab-falcon.gguf").contains("\"falcon\" is not supported"));
    QVERIFY(error("gguf/legacy/ggml-vocab-llama.v1.gguf").contains("version 1"));
    // A GGUF cut in the middle of its tensors.
    QTemporaryDir dir;
    QFile whole(testsupport::sharedPath("gguf/stories260K.gguf"));
    QVERIFY(whole.open(QIODevice::ReadOnly));
    QFile cut(dir.filePath("cut.gguf"));
    QVERIFY(cut.open(QIODevice::WriteOnly));
    cut.write(whole.read(600000));
    cut.close();
    const auto e = Engine::load(cut.fileName().toStdString());
    QVERIFY(!e.ok());
    QVERIFY2(e.error().message.find("cut.gguf: file is truncated") == 0, e.error().message.c_str());
}

QTEST_GUILESS_MAIN(TestGgufModel)
#include "tst_gguf_model.moc"
