// Hugging Face folders of the reference families (../shared/reference: llama.cpp's numbers for gemma, gemma2, gemma3,
// qwen3, phi3, gptneox; run.c's for stories260K), written here from each GGUF in transformers' own conventions
// (hf_writer.h undoes llama.cpp's converter), must give the reference ids, attention and last logits; so must the two
// folders ../shared holds ready-made (qwen3/hf, gemma/hf). The writer is checked on its own first: its gemma and qwen3
// folders equal ../shared's tensor by tensor, and applying the converter's transforms again gives back every GGUF
// tensor. Then dtypes and shards: BF16-rounded weights as F32, as sharded BF16 and as F16 give the same attention.
// ATTNSCOPE_KEEP_HF_FOLDERS=1 keeps the written folders (the path is printed), e.g. to open them with transformers.
#include "hf_writer.h"
#include "llama_f64.h"
#include "test_support.h"

#include <attnscope/engine.h>
#include <attnscope/gguf.h>
#include <attnscope/gguf_writer.h>
#include <attnscope/npy.h>
#include <attnscope/quant.h>
#include <attnscope/safetensors.h>

#include <QtTest>

#include <cmath>
#include <functional>
#include <map>

using namespace attnscope;

namespace {

struct Case {
    QString name, text;
    std::vector<int> ids;
};

std::vector<Case> casesOf(const QString &family) {
    std::vector<Case> cases;
    for (const QJsonValue &c : testsupport::familyCases(family)) {
        const QJsonObject o = c.toObject();
        Case x{o.value("name").toString(), o.value("text").toString(), {}};
        for (const QJsonValue &id : o.value("ids").toArray())
            x.ids.push_back(id.toInt());
        cases.push_back(std::move(x));
    }
    return cases;
}

// stories260K's GGUF is llama.cpp's llama2.c conversion (../shared/gguf); the other families' sit by their numbers.
QString ggufPath(const QString &family) {
    return family == "stories260K" ? testsupport::sharedPath("gguf/stories260K.gguf")
                                   : testsupport::sharedPath("reference/" + family + "/model.gguf");
}

std::vector<float> valuesOf(const gguf::TensorInfo &t) {
    std::vector<float> v(static_cast<std::size_t>(t.elements()));
    dequantizeRow(static_cast<GgmlType>(t.type), t.data, v.data(), t.elements());
    return v;
}

std::vector<float> valuesOf(const SafeTensor &t) {
    std::vector<float> v(static_cast<std::size_t>(t.elements()));
    dequantizeRow(*t.type, t.data, v.data(), t.elements());
    return v;
}

float maxDifference(const std::vector<float> &a, const std::vector<float> &b) {
    if (a.size() != b.size())
        return INFINITY;
    float worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        worst = std::max(worst, std::abs(a[i] - b[i]));
    return worst;
}

QJsonObject readJson(const QString &path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(f.readAll()).object() : QJsonObject();
}

// Numbers compare by value (10000 == 10000.0), everything else as JSON.
bool sameJson(const QJsonValue &a, const QJsonValue &b) {
    if (a.isDouble() && b.isDouble())
        return a.toDouble() == b.toDouble();
    if (a.isArray() && b.isArray()) {
        const QJsonArray x = a.toArray(), y = b.toArray();
        if (x.size() != y.size())
            return false;
        for (qsizetype i = 0; i < x.size(); ++i)
            if (!sameJson(x[i], y[i]))
                return false;
        return true;
    }
    if (a.isObject() && b.isObject()) {
        const QJsonObject x = a.toObject(), y = b.toObject();
        if (x.keys() != y.keys())
            return false;
        // In step, not by look-up: Qt 6.4's QJsonObject::value() misses some long non-ASCII keys (GPT-2's vocabulary).
        for (auto i = x.begin(), j = y.begin(); i != x.end(); ++i, ++j)
            if (!sameJson(i.value(), j.value()))
                return false;
        return true;
    }
    return a == b;
}

// ---------------------------------------------------------------------------------------------------------------
// convert_hf_to_gguf.py's direction, restated from the converter for the round-trip check: HF name -> GGUF name and
// the transform it applies (LlamaModel.permute, GemmaModel's norm + 1, GPTNeoXModel's qkv concatenation).

enum class Forward { Same, PlusOne, Permute, PermuteKv, ConcatQkv };

struct Rule {
    const char *hf; // {N}: the layer
    const char *gguf;
    Forward op = Forward::Same;
};

std::vector<Rule> converterRules(const QString &arch) {
    if (arch == "gptneox")
        return {{"gpt_neox.embed_in.weight", "token_embd.weight"},
                {"gpt_neox.final_layer_norm.weight", "output_norm.weight"},
                {"gpt_neox.final_layer_norm.bias", "output_norm.bias"},
                {"embed_out.weight", "output.weight"},
                {"gpt_neox.layers.{N}.input_layernorm.weight", "blk.{N}.attn_norm.weight"},
                {"gpt_neox.layers.{N}.input_layernorm.bias", "blk.{N}.attn_norm.bias"},
                {"gpt_neox.layers.{N}.attention.query_key_value.weight", "blk.{N}.attn_qkv.weight", Forward::ConcatQkv},
                {"gpt_neox.layers.{N}.attention.query_key_value.bias", "blk.{N}.attn_qkv.bias", Forward::ConcatQkv},
                {"gpt_neox.layers.{N}.attention.dense.weight", "blk.{N}.attn_output.weight"},
                {"gpt_neox.layers.{N}.attention.dense.bias", "blk.{N}.attn_output.bias"},
                {"gpt_neox.layers.{N}.post_attention_layernorm.weight", "blk.{N}.ffn_norm.weight"},
                {"gpt_neox.layers.{N}.post_attention_layernorm.bias", "blk.{N}.ffn_norm.bias"},
                {"gpt_neox.layers.{N}.mlp.dense_h_to_4h.weight", "blk.{N}.ffn_up.weight"},
                {"gpt_neox.layers.{N}.mlp.dense_h_to_4h.bias", "blk.{N}.ffn_up.bias"},
                {"gpt_neox.layers.{N}.mlp.dense_4h_to_h.weight", "blk.{N}.ffn_down.weight"},
                {"gpt_neox.layers.{N}.mlp.dense_4h_to_h.bias", "blk.{N}.ffn_down.bias"}};
    const bool gemma = arch.startsWith("gemma"), sandwich = arch == "gemma2" || arch == "gemma3";
    const Forward norm = gemma ? Forward::PlusOne : Forward::Same;
    std::vector<Rule> r = {{"model.embed_tokens.weight", "token_embd.weight"},
                           {"model.norm.weight", "output_norm.weight", norm},
                           {"lm_head.weight", "output.weight"},
                           {"model.layers.{N}.input_layernorm.weight", "blk.{N}.attn_norm.weight", norm},
                           {"model.layers.{N}.self_attn.o_proj.weight", "blk.{N}.attn_output.weight"},
                           {"model.layers.{N}.mlp.down_proj.weight", "blk.{N}.ffn_down.weight"}};
    if (arch == "phi3") {
        r.push_back({"model.layers.{N}.self_attn.qkv_proj.weight", "blk.{N}.attn_qkv.weight"});
        r.push_back({"model.layers.{N}.mlp.gate_up_proj.weight", "blk.{N}.ffn_up.weight"});
    } else {
        const bool llama = arch == "llama";
        r.push_back({"model.layers.{N}.self_attn.q_proj.weight", "blk.{N}.attn_q.weight",
                     llama ? Forward::Permute : Forward::Same});
        r.push_back({"model.layers.{N}.self_attn.k_proj.weight", "blk.{N}.attn_k.weight",
                     llama ? Forward::PermuteKv : Forward::Same});
        r.push_back({"model.layers.{N}.self_attn.v_proj.weight", "blk.{N}.attn_v.weight"});
        r.push_back({"model.layers.{N}.mlp.gate_proj.weight", "blk.{N}.ffn_gate.weight"});
        r.push_back({"model.layers.{N}.mlp.up_proj.weight", "blk.{N}.ffn_up.weight"});
    }
    if (sandwich) {
        r.push_back({"model.layers.{N}.post_attention_layernorm.weight", "blk.{N}.post_attention_norm.weight", norm});
        r.push_back({"model.layers.{N}.pre_feedforward_layernorm.weight", "blk.{N}.ffn_norm.weight", norm});
        r.push_back({"model.layers.{N}.post_feedforward_layernorm.weight", "blk.{N}.post_ffw_norm.weight", norm});
    } else {
        r.push_back({"model.layers.{N}.post_attention_layernorm.weight", "blk.{N}.ffn_norm.weight", norm});
    }
    if (arch == "qwen3" || arch == "gemma3") {
        r.push_back({"model.layers.{N}.self_attn.q_norm.weight", "blk.{N}.attn_q_norm.weight", norm});
        r.push_back({"model.layers.{N}.self_attn.k_norm.weight", "blk.{N}.attn_k_norm.weight", norm});
    }
    return r;
}

// torch's reshape(a, b, c, d, cols).swapaxes(1, 2).reshape(rows, cols) on the rows of a (rows, cols) matrix: output row
// (x, k, j, i) of shape (a, c, b, d) is input row (x, j, k, i) of shape (a, b, c, d); c = rows / (a * b * d).
std::vector<float> swapRowAxes(const std::vector<float> &in, std::int64_t rows, std::int64_t a, std::int64_t b,
                               std::int64_t d) {
    const std::int64_t cols = static_cast<std::int64_t>(in.size()) / rows, c = rows / (a * b * d);
    std::vector<float> out(in.size());
    for (std::int64_t x = 0; x < a; ++x)
        for (std::int64_t j = 0; j < b; ++j)
            for (std::int64_t k = 0; k < c; ++k)
                std::copy_n(in.begin() + (((x * b + j) * c + k) * d) * cols, d * cols,
                            out.begin() + (((x * c + k) * b + j) * d) * cols);
    return out;
}

std::vector<float> forward(Forward op, const hfwriter::Tensor &t, int heads, int kvHeads) {
    const std::int64_t rows = t.shape.front();
    switch (op) {
    case Forward::Same:
        return t.values;
    case Forward::PlusOne: {
        std::vector<float> v = t.values;
        for (float &x : v)
            x += 1.0f;
        return v;
    }
    case Forward::Permute: // w.reshape(n_head, 2, rows / n_head / 2, cols).swapaxes(1, 2)
        return swapRowAxes(t.values, rows, heads, 2, 1);
    case Forward::PermuteKv:
        return swapRowAxes(t.values, rows, kvHeads, 2, 1);
    case Forward::ConcatQkv: // reshape(n_head, 3, head_size, cols); cat(w[:, 0], w[:, 1], w[:, 2]): rows (3, n_head,
                             // hs)
        return swapRowAxes(t.values, rows, 1, heads, rows / heads / 3);
    }
    return {};
}

} // namespace

class TestHfFamilies : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void writerEqualsReferenceFolders_data();
    void writerEqualsReferenceFolders();
    void converterGivesBackTheGguf_data();
    void converterGivesBackTheGguf();
    void tokenizersGiveCaseIds_data();
    void tokenizersGiveCaseIds();
    void matchesReference_data();
    void matchesReference();
    void dtypesAndShards_data();
    void dtypesAndShards();
    void llama3Rope();
    void conversionsBeyondMemoryAreRefused();

private:
    // The folder of a family: written from its GGUF ("gguf", or "conditional" for Gemma 3's multimodal naming) once
    // per run, or ../shared's own ("reference"). Empty, with *error set, when it cannot be had.
    QString folderFor(const QString &family, const QString &source, QString *error);
    void addFolderRows();

    QTemporaryDir m_root;
    std::map<QString, QString> m_folders;
};

void TestHfFamilies::initTestCase() {
    QVERIFY(m_root.isValid());
    if (qEnvironmentVariableIsSet("ATTNSCOPE_KEEP_HF_FOLDERS")) { // to open them with transformers, say
        m_root.setAutoRemove(false);
        qInfo("Hugging Face folders are kept in %s", qPrintable(m_root.path()));
    }
    for (const char *family : {"stories260K", "gemma", "gemma2", "gemma3", "qwen3", "phi3", "gptneox"}) {
        QVERIFY2(QFileInfo::exists(ggufPath(family)), qPrintable(ggufPath(family)));
        QVERIFY2(casesOf(family).size() >= 3, family);
    }
}

QString TestHfFamilies::folderFor(const QString &family, const QString &source, QString *error) {
    if (source == "reference")
        return testsupport::sharedPath("reference/" + family + "/hf");
    const QString key = family + "-" + source;
    if (const auto it = m_folders.find(key); it != m_folders.end())
        return it->second;
    const auto file = gguf::File::open(ggufPath(family).toStdString());
    if (!file) {
        *error = QString::fromStdString(file.error().message);
        return {};
    }
    const auto folder =
        hfwriter::fromGguf(*file.value(), source == "conditional" ? hfwriter::Variant::ConditionalGeneration
                                                                  : hfwriter::Variant::CausalLM);
    if (!folder) {
        *error = QString::fromStdString(folder.error().message);
        return {};
    }
    hfwriter::Folder written = folder.value();
    if (source == "v5") { // transformers 5 moved the rope settings into rope_parameters, per layer type for Gemma 3
        QJsonObject &c = written.config;
        QJsonObject rope = c.take("rope_scaling").toObject();
        if (rope.contains("type"))
            rope["rope_type"] = rope.take("type");
        rope["rope_theta"] = c.take("rope_theta");
        if (c.contains("rope_local_base_freq")) {
            if (!rope.contains("rope_type"))
                rope["rope_type"] = "default";
            const QJsonObject local{{"rope_type", "default"}, {"rope_theta", c.take("rope_local_base_freq")}};
            c["rope_parameters"] = QJsonObject{{"full_attention", rope}, {"sliding_attention", local}};
        } else {
            if (c.contains("original_max_position_embeddings"))
                rope["original_max_position_embeddings"] = c.take("original_max_position_embeddings");
            c["rope_parameters"] = rope;
        }
    }
    const QString dir = m_root.filePath(key);
    *error = hfwriter::write(written, dir);
    if (!error->isEmpty())
        return {};
    m_folders[key] = dir;
    return dir;
}

void TestHfFamilies::addFolderRows() {
    QTest::addColumn<QString>("family"); // the reference numbers' folder under ../shared/reference
    QTest::addColumn<QString>("source");
    const char *const rows[][3] = {
        {"llama (stories260K)", "stories260K", "gguf"},
        {"gemma", "gemma", "gguf"},
        {"gemma2", "gemma2", "gguf"},
        {"gemma3", "gemma3", "gguf"},
        {"gemma3 (Gemma3ForConditionalGeneration)", "gemma3", "conditional"},
        {"qwen3", "qwen3", "gguf"},
        {"phi3", "phi3", "gguf"},
        {"gptneox", "gptneox", "gguf"},
        {"gemma3 (transformers 5 rope_parameters per layer type)", "gemma3", "v5"},
        {"phi3 (transformers 5 rope_parameters)", "phi3", "v5"},
        {"qwen3 (../shared's hf folder)", "qwen3", "reference"},
        {"gemma (../shared's hf folder)", "gemma", "reference"},
    };
    for (const auto &row : rows)
        QTest::newRow(row[0]) << QString(row[1]) << QString(row[2]);
}

// ../shared's qwen3/hf and gemma/hf were written independently from the same weights in transformers' conventions:
// the writer's folders must hold the same tensors (names, shapes, dtypes, values), the same config.json fields and,
// for qwen3, the same tokenizer.json.
void TestHfFamilies::writerEqualsReferenceFolders_data() {
    QTest::addColumn<QString>("family");
    QTest::newRow("gemma") << "gemma";
    QTest::newRow("qwen3") << "qwen3";
}

void TestHfFamilies::writerEqualsReferenceFolders() {
    QFETCH(QString, family);
    QString error;
    const QString mine = folderFor(family, "gguf", &error);
    QVERIFY2(!mine.isEmpty(), qPrintable(error));
    const QString theirs = testsupport::sharedPath("reference/" + family + "/hf");

    const auto a = SafetensorsFile::open((mine + "/model.safetensors").toStdString());
    const auto b = SafetensorsFile::open((theirs + "/model.safetensors").toStdString());
    QVERIFY2(a.ok(), a.ok() ? "" : a.error().message.c_str());
    QVERIFY2(b.ok(), b.ok() ? "" : b.error().message.c_str());
    QStringList mineNames, theirNames;
    for (const auto &[name, t] : a.value()->tensors())
        mineNames << QString::fromStdString(name);
    for (const auto &[name, t] : b.value()->tensors())
        theirNames << QString::fromStdString(name);
    QCOMPARE(mineNames, theirNames);
    float worst = 0;
    for (const auto &[name, t] : b.value()->tensors()) {
        const SafeTensor *m = a.value()->tensor(name);
        QVERIFY2(m->shape == t.shape, name.c_str());
        QVERIFY2(m->dtype == t.dtype,
                 qPrintable(QString("%1: %2, theirs %3").arg(name.c_str(), m->dtype.c_str(), t.dtype.c_str())));
        const float d = maxDifference(valuesOf(*m), valuesOf(t));
        QVERIFY2(d <= 1e-7f, qPrintable(QString("%1 differs by %2").arg(name.c_str()).arg(d)));
        worst = std::max(worst, d);
    }
    qDebug("%s: %d tensors as in ../shared's folder, worst |difference| %.3g", qPrintable(family),
           int(theirNames.size()), double(worst));

    // Every field ../shared's config.json has, except pad_token_id (gemma's GGUF names no padding token).
    const QJsonObject myConfig = readJson(mine + "/config.json"), theirConfig = readJson(theirs + "/config.json");
    QVERIFY(!theirConfig.isEmpty());
    for (auto it = theirConfig.begin(); it != theirConfig.end(); ++it) {
        if (it.key() == "pad_token_id" && !myConfig.contains("pad_token_id"))
            continue;
        QVERIFY2(sameJson(myConfig.value(it.key()), it.value()),
                 qPrintable(QString("config.json %1: %2, theirs %3")
                                .arg(it.key(),
                                     QJsonDocument(QJsonArray{myConfig.value(it.key())}).toJson(QJsonDocument::Compact),
                                     QJsonDocument(QJsonArray{it.value()}).toJson(QJsonDocument::Compact))));
    }
    const QJsonObject myTokConfig = readJson(mine + "/tokenizer_config.json");
    const QJsonObject theirTokConfig = readJson(theirs + "/tokenizer_config.json");
    QVERIFY(sameJson(myTokConfig, theirTokConfig));
    if (QFileInfo::exists(theirs + "/tokenizer.json")) {
        const QJsonObject x = readJson(mine + "/tokenizer.json"), y = readJson(theirs + "/tokenizer.json");
        QCOMPARE(x.keys(), y.keys());
        for (auto it = y.begin(); it != y.end(); ++it)
            QVERIFY2(sameJson(x.value(it.key()), it.value()), qPrintable("tokenizer.json " + it.key()));
    }
}

// The converter's own direction (convert_hf_to_gguf.py, restated in converterRules) applied to the written folder
// gives back every GGUF tensor: names cover the file one to one, shapes are GGUF's dims reversed, values equal.
void TestHfFamilies::converterGivesBackTheGguf_data() {
    QTest::addColumn<QString>("family");
    QTest::addColumn<int>("variant");
    for (const char *family : {"stories260K", "gemma", "gemma2", "gemma3", "qwen3", "phi3", "gptneox"})
        QTest::newRow(family) << family << int(hfwriter::Variant::CausalLM);
    QTest::newRow("gemma3 (Gemma3ForConditionalGeneration)")
        << "gemma3" << int(hfwriter::Variant::ConditionalGeneration);
}

void TestHfFamilies::converterGivesBackTheGguf() {
    QFETCH(QString, family);
    QFETCH(int, variant);
    const auto file = gguf::File::open(ggufPath(family).toStdString());
    QVERIFY(file.ok());
    const gguf::File &g = *file.value();
    const auto folder = hfwriter::fromGguf(g, hfwriter::Variant(variant));
    QVERIFY2(folder.ok(), folder.ok() ? "" : folder.error().message.c_str());
    const QString arch = QString::fromStdString(g.getString("general.architecture").value_or(""));
    const std::string prefix = variant == int(hfwriter::Variant::ConditionalGeneration) ? "language_model." : "";
    const int layers = int(g.getInt(arch.toStdString() + ".block_count").value_or(0));
    const int heads = int(g.getInt(arch.toStdString() + ".attention.head_count").value_or(0));
    const int kvHeads = int(g.getInt(arch.toStdString() + ".attention.head_count_kv").value_or(heads));

    std::size_t matched = 0;
    float worst = 0;
    for (const Rule &rule : converterRules(arch))
        for (int n = 0; n < (QString(rule.hf).contains("{N}") ? layers : 1); ++n) {
            const std::string hf = prefix + QString(rule.hf).replace("{N}", QString::number(n)).toStdString();
            const std::string name = QString(rule.gguf).replace("{N}", QString::number(n)).toStdString();
            const gguf::TensorInfo *t = g.tensor(name);
            const auto it = folder->tensors.find(hf);
            QVERIFY2((t == nullptr) == (it == folder->tensors.end()),
                     qPrintable(QString("%1 <-> %2: only one of them exists").arg(hf.c_str(), name.c_str())));
            if (!t)
                continue;
            ++matched;
            QVERIFY2(std::vector<std::int64_t>(t->dims.rbegin(), t->dims.rend()) == it->second.shape, hf.c_str());
            const float d = maxDifference(forward(rule.op, it->second, heads, kvHeads), valuesOf(*t));
            QVERIFY2(d <= 1e-7f, qPrintable(QString("%1 -> %2 differs by %3").arg(hf.c_str(), name.c_str()).arg(d)));
            worst = std::max(worst, d);
        }
    QCOMPARE(matched, folder->tensors.size());
    std::size_t ropeFactors = 0;
    for (const char *name : {"rope_factors_short.weight", "rope_factors_long.weight"})
        if (const gguf::TensorInfo *t = g.tensor(name)) {
            // Phi-3's LongRoPE factors live in config.json, and must read back as the same float32 values.
            ++ropeFactors;
            const QJsonArray factors =
                folder->config.value("rope_scaling")
                    .toObject()
                    .value(QString(name).startsWith("rope_factors_short") ? "short_factor" : "long_factor")
                    .toArray();
            std::vector<float> read;
            for (const QJsonValue &v : factors)
                read.push_back(float(v.toDouble()));
            QCOMPARE(maxDifference(read, valuesOf(*t)), 0.0f);
        }
    QCOMPARE(matched + ropeFactors, g.tensors().size());
    qDebug("%s: %d tensors back to GGUF, worst |difference| %.3g", qPrintable(family), int(matched), double(worst));
}

// The folder's tokenizer (Engine::loadTokenizer reads no weights, so this runs before the engine knows the family)
// gives llama.cpp's ids for each case text, BOS as the tokenizer adds it.
void TestHfFamilies::tokenizersGiveCaseIds_data() {
    addFolderRows();
}

void TestHfFamilies::tokenizersGiveCaseIds() {
    QFETCH(QString, family);
    QFETCH(QString, source);
    QString error;
    const QString dir = folderFor(family, source, &error);
    QVERIFY2(!dir.isEmpty(), qPrintable(error));
    const auto tokenizer = Engine::loadTokenizer(dir.toStdString());
    QVERIFY2(tokenizer.ok(), tokenizer.ok() ? "" : tokenizer.error().message.c_str());
    for (const Case &c : casesOf(family)) {
        const QByteArray text = c.text.toUtf8();
        const auto tokens =
            tokenizer.value()->encode(std::string_view(text.constData(), std::size_t(text.size())), true);
        QVERIFY(tokens.ok());
        std::vector<int> got;
        for (const Token &t : tokens.value())
            got.push_back(t.id);
        QVERIFY2(got == c.ids, qPrintable(QString("%1 (%2): got %3 ids, want %4")
                                              .arg(c.name, QString::fromStdString(tokenizer.value()->kind()))
                                              .arg(got.size())
                                              .arg(c.ids.size())));
    }
}

// The engine on the folder, run on each case's ids, against the reference: attention within 5e-5, last logits within
// 5e-4 (../shared/reference/README.md), ids from the folder's tokenizer exact.
void TestHfFamilies::matchesReference_data() {
    addFolderRows();
}

void TestHfFamilies::matchesReference() {
    QFETCH(QString, family);
    QFETCH(QString, source);
    QString error;
    const QString dir = folderFor(family, source, &error);
    QVERIFY2(!dir.isEmpty(), qPrintable(error));
    const auto loaded = Engine::load(dir.toStdString());
    QVERIFY2(loaded.ok(), loaded.ok() ? "" : loaded.error().message.c_str());
    const Engine &engine = *loaded.value();
    QVERIFY2(engine.info().format.find("safetensors") != std::string::npos, engine.info().format.c_str());

    float worstAttention = 0, worstLogits = 0;
    const std::vector<Case> cases = casesOf(family);
    for (const Case &c : cases) {
        const QByteArray text = c.text.toUtf8();
        const auto encoded =
            engine.tokenizer().encode(std::string_view(text.constData(), std::size_t(text.size())), true);
        QVERIFY(encoded.ok());
        std::vector<int> ids;
        for (const Token &t : encoded.value())
            ids.push_back(t.id);
        QVERIFY2(ids == c.ids, qPrintable(c.name + ": the folder's tokenizer gives other ids"));

        std::vector<Token> tokens;
        for (const int id : c.ids) {
            Token t;
            t.id = id;
            t.piece = engine.tokenizer().piece(id);
            tokens.push_back(t);
        }
        const auto result = engine.analyzeTokens(tokens);
        QVERIFY2(result.ok(), result.ok() ? "" : result.error().message.c_str());
        const QString base = "reference/" + family + "/" + c.name;
        const auto attention = readNpy(testsupport::sharedStd(base + ".attention.npy"));
        const auto logits = readNpy(testsupport::sharedStd(base + ".last_logits.npy"));
        QVERIFY2(attention.ok() && logits.ok(), qPrintable(base));
        const std::int64_t T = result->seqLen();
        QCOMPARE(attention->shape, (std::vector<std::int64_t>{result->layers, result->heads, T, T}));
        QCOMPARE(logits->shape, (std::vector<std::int64_t>{result->vocabSize}));
        const std::vector<float> got(result->dense().data(), result->dense().data() + result->dense().size());
        const std::vector<float> last(result->lastLogits(), result->lastLogits() + result->vocabSize);
        const float da = maxDifference(got, attention->data), dl = maxDifference(last, logits->data);
        qDebug("  %s/%s: |attention - reference| %.3g, |last logits - reference| %.3g", qPrintable(family),
               qPrintable(c.name), double(da), double(dl));
        worstAttention = std::max(worstAttention, da);
        worstLogits = std::max(worstLogits, dl);
    }
    qDebug("%s: worst |attention - reference| %.3g, worst |last logits - reference| %.3g over %d cases",
           QTest::currentDataTag(), double(worstAttention), double(worstLogits), int(cases.size()));
    QVERIFY2(worstAttention <= 5e-5f, qPrintable(QString("attention differs by %1").arg(worstAttention)));
    QVERIFY2(worstLogits <= 5e-4f, qPrintable(QString("last logits differ by %1").arg(worstLogits)));
}

// Weights rounded to BF16 values, stored (a) as F32 in one file, (b) as BF16 in three shards with
// model.safetensors.index.json, (c) as F16: (a) and (b) hold the same values, so the same numbers; (c) rounds a
// few tiny values once more and must stay close.
void TestHfFamilies::dtypesAndShards_data() {
    QTest::addColumn<QString>("family");
    QTest::newRow("llama (stories260K)") << "stories260K";
    QTest::newRow("qwen3") << "qwen3";
}

void TestHfFamilies::dtypesAndShards() {
    QFETCH(QString, family);
    const auto file = gguf::File::open(ggufPath(family).toStdString());
    QVERIFY(file.ok());
    const auto folder = hfwriter::fromGguf(*file.value());
    QVERIFY2(folder.ok(), folder.ok() ? "" : folder.error().message.c_str());
    QTemporaryDir dir;
    struct Variant {
        const char *name;
        hfwriter::Dtype dtype;
        int shards;
        const char *weightTypes; // as EngineInfo's config reports the stored matrices
    };
    const Variant variants[] = {{"f32", hfwriter::Dtype::F32, 1, "F32"},
                                {"bf16-sharded", hfwriter::Dtype::BF16, 3, "BF16"},
                                {"f16", hfwriter::Dtype::F16, 1, "F16"}};
    std::vector<std::shared_ptr<const Engine>> engines;
    for (const Variant &v : variants) {
        hfwriter::Folder f = folder.value();
        f.tensors = hfwriter::roundedToBf16(folder->tensors, v.dtype);
        const QString path = dir.filePath(v.name);
        const QString error = hfwriter::write(f, path, hfwriter::WriteOptions{v.dtype, v.shards});
        QVERIFY2(error.isEmpty(), qPrintable(error));
        if (v.shards > 1) {
            QCOMPARE(QDir(path).entryList({"model-*-of-*.safetensors"}).size(), v.shards);
            QVERIFY(!QFileInfo::exists(path + "/model.safetensors"));
            QCOMPARE(readJson(path + "/model.safetensors.index.json").value("weight_map").toObject().size(),
                     qsizetype(f.tensors.size()));
        }
        const auto engine = Engine::load(path.toStdString());
        QVERIFY2(engine.ok(), engine.ok() ? "" : engine.error().message.c_str());
        QCOMPARE(QString::fromStdString(engine.value()->info().config.weightTypes), QString(v.weightTypes));
        engines.push_back(engine.value());
    }
    float shardedAttention = 0, shardedLogits = 0, halfAttention = 0, halfLogits = 0;
    for (const Case &c : casesOf(family)) {
        std::vector<std::vector<float>> attention, logits;
        for (const auto &engine : engines) {
            std::vector<Token> tokens;
            for (const int id : c.ids)
                tokens.push_back(Token{id, engine->tokenizer().piece(id), 0, 0, false, false});
            const auto r = engine->analyzeTokens(tokens);
            QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
            attention.emplace_back(r->dense().data(), r->dense().data() + r->dense().size());
            logits.emplace_back(r->lastLogits(), r->lastLogits() + r->vocabSize);
        }
        shardedAttention = std::max(shardedAttention, maxDifference(attention[1], attention[0]));
        shardedLogits = std::max(shardedLogits, maxDifference(logits[1], logits[0]));
        halfAttention = std::max(halfAttention, maxDifference(attention[2], attention[0]));
        halfLogits = std::max(halfLogits, maxDifference(logits[2], logits[0]));
    }
    qDebug("%s: sharded BF16 vs F32 of the same values: |attention| %.3g, |last logits| %.3g; F16 vs F32: |attention| "
           "%.3g, |last logits| %.3g",
           qPrintable(family), double(shardedAttention), double(shardedLogits), double(halfAttention),
           double(halfLogits));
    QVERIFY2(shardedAttention <= 1e-6f, qPrintable(QString("BF16 attention differs by %1").arg(shardedAttention)));
    QVERIFY2(shardedLogits <= 1e-5f, qPrintable(QString("BF16 logits differ by %1").arg(shardedLogits)));
    QVERIFY2(halfAttention <= 2e-3f, qPrintable(QString("F16 attention differs by %1").arg(halfAttention)));
    QVERIFY2(halfLogits <= 2e-2f, qPrintable(QString("F16 logits differ by %1").arg(halfLogits)));
}

// Llama 3.1/3.2's RoPE: a GGUF with rope_freqs.weight (per-pair divisors) and a Hugging Face folder with
// rope_scaling {"rope_type": "llama3"} must both give a float64 forward pass that divides each pair's frequency by
// the factor transformers' _compute_llama3_parameters makes (computed here on its own). stories260K's head size of 8
// gives 4 pairs: one kept, one smoothed, two divided by the full factor.
void TestHfFamilies::llama3Rope() {
    const auto original = gguf::File::open(ggufPath("stories260K").toStdString());
    QVERIFY(original.ok());
    const double factor = 8, low = 1, high = 4, context = 64, base = 10000;
    const int headSize = 8;
    std::vector<float> divisors;
    for (int i = 0; i < headSize; i += 2) {
        const double wavelen = 2 * M_PI * std::pow(base, double(i) / headSize);
        const double smooth = (context / wavelen - low) / (high - low);
        divisors.push_back(float(wavelen < context / high ? 1.0
                                 : wavelen > context / low ? factor
                                                           : 1.0 / ((1 - smooth) / factor + smooth)));
    }
    QVERIFY(divisors[0] == 1.0f && divisors[1] > 1.0f && divisors[1] < 8.0f && divisors[3] == 8.0f);

    // The GGUF: the same file plus rope_freqs.weight, as llama.cpp's converter writes it for Llama 3.1+.
    GgufBuilder b;
    for (const auto &[k, v] : original.value()->metadata())
        b.setValue(k, v);
    for (const gguf::TensorInfo &t : original.value()->tensors())
        b.addTensor(t.name, t.dims, static_cast<GgmlType>(t.type), std::string(reinterpret_cast<const char *>(t.data), t.bytes));
    b.addF32("rope_freqs.weight", {std::int64_t(divisors.size())}, divisors.data());
    QTemporaryDir dir;
    const std::string ggufFile = dir.filePath("llama3-rope.gguf").toStdString();
    QVERIFY(b.write(ggufFile).ok());
    const auto scaled = gguf::File::open(ggufFile);
    QVERIFY(scaled.ok());

    // The folder: Hugging Face keeps the factors in config.json.
    auto folder = hfwriter::fromGguf(*original.value());
    QVERIFY(folder.ok());
    QJsonObject rope{{"rope_type", "llama3"}, {"factor", factor}, {"low_freq_factor", low}, {"high_freq_factor", high},
                     {"original_max_position_embeddings", context}};
    folder.value().config["rope_scaling"] = rope;
    QVERIFY(hfwriter::write(folder.value(), dir.filePath("hf")).isEmpty());

    // transformers 5 writes the same settings as rope_parameters, rope_theta included.
    auto v5 = folder.value();
    v5.config.remove("rope_scaling");
    QJsonObject parameters = rope;
    parameters["rope_theta"] = v5.config.take("rope_theta");
    v5.config["rope_parameters"] = parameters;
    QVERIFY(hfwriter::write(v5, dir.filePath("hf-v5")).isEmpty());

    const auto fromGguf = Engine::load(ggufFile);
    const auto fromHf = Engine::load(dir.filePath("hf").toStdString());
    const auto fromHfV5 = Engine::load(dir.filePath("hf-v5").toStdString());
    QVERIFY2(fromHfV5.ok(), fromHfV5.ok() ? "" : fromHfV5.error().message.c_str());
    const auto plain = Engine::load(ggufPath("stories260K").toStdString());
    QVERIFY2(fromGguf.ok(), fromGguf.ok() ? "" : fromGguf.error().message.c_str());
    QVERIFY2(fromHf.ok(), fromHf.ok() ? "" : fromHf.error().message.c_str());
    QVERIFY(plain.ok());
    QCOMPARE(QString::fromStdString(fromHf.value()->model().config().ropeScaling), QStringLiteral("llama3"));
    const Case story = casesOf("stories260K").back();
    std::vector<Token> tokens;
    for (const int id : story.ids)
        tokens.push_back(Token{id, {}, 0, 0, false, false});
    const testsupport::F64Result want = testsupport::llamaForwardF64(*scaled.value(), story.ids);
    double worstGguf = 0, worstHf = 0, moved = 0;
    const auto a = fromGguf.value()->analyzeTokens(tokens), h = fromHf.value()->analyzeTokens(tokens),
               p = plain.value()->analyzeTokens(tokens), h5 = fromHfV5.value()->analyzeTokens(tokens);
    QVERIFY(a.ok() && h.ok() && p.ok() && h5.ok());
    for (std::size_t i = 0; i < want.attention.size(); ++i) {
        worstGguf = std::max(worstGguf, std::abs(a->dense()[i] - want.attention[i]));
        worstHf = std::max(worstHf, std::abs(h->dense()[i] - want.attention[i]));
        worstHf = std::max(worstHf, std::abs(h5->dense()[i] - want.attention[i]));
        moved = std::max(moved, std::abs(double(p->dense()[i]) - want.attention[i]));
    }
    qDebug("llama3 rope, %d tokens: GGUF %.3g, HF %.3g from float64; the factors move attention by %.3g",
           int(tokens.size()), worstGguf, worstHf, moved);
    QVERIFY(worstGguf <= 5e-5);
    QVERIFY(worstHf <= 5e-5);
    QVERIFY(moved > 1e-3); // the factors change the numbers: the test could fail
}

// GPT-NeoX's fused q/k/v is re-ordered per head into a copy: checked against the memory budget before each copy,
// refused with the number instead of allocating (a folder of many such tensors could claim gigabytes).
void TestHfFamilies::conversionsBeyondMemoryAreRefused() {
    QString error;
    const QString dir = folderFor("gptneox", "gguf", &error);
    QVERIFY2(!dir.isEmpty(), qPrintable(error));
    qputenv("ATTNSCOPE_MEMORY_BUDGET", "1000");
    const auto refused = Engine::load(dir.toStdString());
    qunsetenv("ATTNSCOPE_MEMORY_BUDGET");
    QVERIFY(!refused.ok());
    QVERIFY2(refused.error().message.find("converting the weights (at a fused projection) needs more than the 0 MB") !=
                 std::string::npos,
             refused.error().message.c_str());
    QVERIFY(Engine::load(dir.toStdString()).ok());
}

QTEST_GUILESS_MAIN(TestHfFamilies)
#include "tst_hf_families.moc"
