// Hugging Face folders: tiny random Llama and Qwen2 models written here as config.json + safetensors (one file and
// sharded), run by the engine and compared with a float64 forward pass from the same in-memory weights using the
// rotate-half RoPE Hugging Face stores q/k for; hostile safetensors files and PyTorch pickles are refused.
#include "attention_f64.h"
#include "test_support.h"

#include <attnscope/engine.h>
#include <attnscope/safetensors.h>

#include <QtTest>

#include <cmath>
#include <cstring>
#include <random>
#include <set>

using namespace attnscope;

namespace {

using Mat = std::vector<double>;
std::mt19937 rng(17);

Mat random(std::size_t n, double scale, double centre = 0) {
    std::normal_distribution<double> d(0.0, scale);
    Mat m(n);
    for (double &v : m)
        v = double(float(centre + d(rng)));
    return m;
}

struct TinyHf {
    bool qwen2 = false;
    int dim = 16, heads = 4, kvHeads = 2, layers = 2, hidden = 24, vocab = 512;
    double eps = 1e-6, theta = 10000;
    std::map<std::string, std::pair<std::vector<std::int64_t>, Mat>> tensors; // name -> (shape, values)
    const Mat &t(const std::string &name) const { return tensors.at(name).second; }
};

TinyHf makeModel(bool qwen2) {
    TinyHf m;
    m.qwen2 = qwen2;
    const std::int64_t d = m.dim, h = m.hidden, kv = m.kvHeads * m.dim / m.heads, v = m.vocab;
    auto add = [&](const std::string &name, std::vector<std::int64_t> shape, double scale, double centre = 0) {
        std::size_t n = 1;
        for (auto s : shape)
            n *= std::size_t(s);
        m.tensors[name] = {shape, random(n, scale, centre)};
    };
    add("model.embed_tokens.weight", {v, d}, 0.5);
    add("model.norm.weight", {d}, 0.1, 1.0);
    add("lm_head.weight", {v, d}, 0.5);
    for (int l = 0; l < m.layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        add(p + "input_layernorm.weight", {d}, 0.1, 1.0);
        add(p + "self_attn.q_proj.weight", {d, d}, 0.4);
        add(p + "self_attn.k_proj.weight", {kv, d}, 0.4);
        add(p + "self_attn.v_proj.weight", {kv, d}, 0.4);
        if (qwen2) {
            add(p + "self_attn.q_proj.bias", {d}, 0.2);
            add(p + "self_attn.k_proj.bias", {kv}, 0.2);
            add(p + "self_attn.v_proj.bias", {kv}, 0.2);
        }
        add(p + "self_attn.o_proj.weight", {d, d}, 0.3);
        add(p + "post_attention_layernorm.weight", {d}, 0.1, 1.0);
        add(p + "mlp.gate_proj.weight", {h, d}, 0.3);
        add(p + "mlp.up_proj.weight", {h, d}, 0.3);
        add(p + "mlp.down_proj.weight", {d, h}, 0.3);
    }
    return m;
}

// A safetensors file of `names` (F32; names listed in `bf16` stored as BF16, values truncated to match).
QByteArray safetensors(TinyHf &m, const std::vector<std::string> &names, const std::set<std::string> &bf16 = {}) {
    QByteArray data, header = "{";
    for (const std::string &name : names) {
        auto &[shape, values] = m.tensors.at(name);
        const bool half = bf16.count(name) > 0;
        const qsizetype begin = data.size();
        for (double &value : values) {
            float f = float(value);
            std::uint32_t bits;
            std::memcpy(&bits, &f, 4);
            if (half) {
                bits &= 0xffff0000u;
                std::memcpy(&f, &bits, 4);
                value = f;
                const std::uint16_t top = std::uint16_t(bits >> 16);
                data.append(reinterpret_cast<const char *>(&top), 2);
            } else {
                data.append(reinterpret_cast<const char *>(&f), 4);
            }
        }
        QByteArray dims;
        for (auto s : shape)
            dims += (dims.isEmpty() ? "" : ",") + QByteArray::number(qlonglong(s));
        header += QString("%1\"%2\":{\"dtype\":\"%3\",\"shape\":[%4],\"data_offsets\":[%5,%6]}")
                      .arg(header.size() > 1 ? "," : "", QString::fromStdString(name), half ? "BF16" : "F32", dims)
                      .arg(begin)
                      .arg(data.size())
                      .toUtf8();
    }
    header += ",\"__metadata__\":{\"format\":\"pt\"}}";
    QByteArray out;
    const std::uint64_t n = std::uint64_t(header.size());
    out.append(reinterpret_cast<const char *>(&n), 8);
    return out + header + data;
}

void writeFile(const QString &path, const QByteArray &bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(bytes);
}

QString configJson(const TinyHf &m) {
    return QString("{\"architectures\": [\"%1\"], \"hidden_size\": %2, \"intermediate_size\": %3, "
                   "\"num_hidden_layers\": %4, \"num_attention_heads\": %5, \"num_key_value_heads\": %6, "
                   "\"vocab_size\": %7, \"max_position_embeddings\": 64, \"rms_norm_eps\": 1e-06, \"rope_theta\": 10000.0, "
                   "\"tie_word_embeddings\": false, \"torch_dtype\": \"float32\"}")
        .arg(m.qwen2 ? "Qwen2ForCausalLM" : "LlamaForCausalLM")
        .arg(m.dim)
        .arg(m.hidden)
        .arg(m.layers)
        .arg(m.heads)
        .arg(m.kvHeads)
        .arg(m.vocab);
}

Mat affine(const Mat &w, const Mat *b, const Mat &x) {
    const std::size_t cols = x.size(), rows = w.size() / cols;
    Mat y(rows, 0.0);
    for (std::size_t i = 0; i < rows; ++i) {
        for (std::size_t j = 0; j < cols; ++j)
            y[i] += w[i * cols + j] * x[j];
        if (b)
            y[i] += (*b)[i];
    }
    return y;
}

Mat rms(const Mat &x, const Mat &w, double eps) {
    double ss = 0;
    for (double v : x)
        ss += v * v;
    Mat y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i)
        y[i] = x[i] / std::sqrt(ss / double(x.size()) + eps) * w[i];
    return y;
}

std::pair<Mat, Mat> forward(const TinyHf &m, const std::vector<int> &ids) {
    const int T = int(ids.size()), hs = m.dim / m.heads;
    Mat attention(std::size_t(m.layers * m.heads * T * T), 0.0), logits;
    const Mat &emb = m.t("model.embed_tokens.weight");
    const auto steps = static_cast<std::size_t>(T);
    std::vector<Mat> x(steps);
    for (int i = 0; i < T; ++i)
        x[std::size_t(i)].assign(emb.begin() + ids[std::size_t(i)] * m.dim, emb.begin() + (ids[std::size_t(i)] + 1) * m.dim);
    auto rotateHalf = [&](Mat &v, int pos) {
        for (std::size_t h0 = 0; h0 < v.size(); h0 += std::size_t(hs))
            for (int p = 0; p < hs / 2; ++p) {
                const double a = pos * std::pow(m.theta, -2.0 * p / hs), x0 = v[h0 + p], x1 = v[h0 + p + hs / 2];
                v[h0 + p] = x0 * std::cos(a) - x1 * std::sin(a);
                v[h0 + p + hs / 2] = x0 * std::sin(a) + x1 * std::cos(a);
            }
    };
    for (int l = 0; l < m.layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        auto bias = [&](const char *n) { return m.qwen2 ? &m.t(p + n) : nullptr; };
        std::vector<Mat> q(steps), k(steps), v(steps);
        for (int i = 0; i < T; ++i) {
            const Mat h = rms(x[std::size_t(i)], m.t(p + "input_layernorm.weight"), m.eps);
            q[std::size_t(i)] = affine(m.t(p + "self_attn.q_proj.weight"), bias("self_attn.q_proj.bias"), h);
            k[std::size_t(i)] = affine(m.t(p + "self_attn.k_proj.weight"), bias("self_attn.k_proj.bias"), h);
            v[std::size_t(i)] = affine(m.t(p + "self_attn.v_proj.weight"), bias("self_attn.v_proj.bias"), h);
            rotateHalf(q[std::size_t(i)], i);
            rotateHalf(k[std::size_t(i)], i);
        }
        for (int i = 0; i < T; ++i) {
            const Mat mixed = testsupport::attendRowF64(q, k, v, i, i, m.heads, m.kvHeads, hs, T,
                                                        attention.data() + std::size_t(l) * m.heads * T * T);
            const Mat o = affine(m.t(p + "self_attn.o_proj.weight"), nullptr, mixed);
            for (int e = 0; e < m.dim; ++e)
                x[std::size_t(i)][std::size_t(e)] += o[std::size_t(e)];
        }
        for (int i = 0; i < T; ++i) {
            const Mat h = rms(x[std::size_t(i)], m.t(p + "post_attention_layernorm.weight"), m.eps);
            Mat g = affine(m.t(p + "mlp.gate_proj.weight"), nullptr, h);
            const Mat u = affine(m.t(p + "mlp.up_proj.weight"), nullptr, h);
            for (std::size_t e = 0; e < g.size(); ++e)
                g[e] = g[e] / (1.0 + std::exp(-g[e])) * u[e];
            const Mat d = affine(m.t(p + "mlp.down_proj.weight"), nullptr, g);
            for (int e = 0; e < m.dim; ++e)
                x[std::size_t(i)][std::size_t(e)] += d[std::size_t(e)];
        }
    }
    for (int i = 0; i < T; ++i) {
        const Mat y = affine(m.t("lm_head.weight"), nullptr, rms(x[std::size_t(i)], m.t("model.norm.weight"), m.eps));
        logits.insert(logits.end(), y.begin(), y.end());
    }
    return {attention, logits};
}

QString errorOf(const QByteArray &bytes) {
    const auto r = SafetensorsFile::parse(reinterpret_cast<const unsigned char *>(bytes.constData()),
                                          std::size_t(bytes.size()), "x.safetensors");
    return r.ok() ? QString() : QString::fromStdString(r.error().message);
}

} // namespace

class TestHfModel : public QObject {
    Q_OBJECT
private slots:
    void matchesFloat64_data();
    void matchesFloat64();
    void shardedEqualsSingleFile();
    void hostileSafetensors();
    void picklesAreRefused();
};

void TestHfModel::matchesFloat64_data() {
    QTest::addColumn<bool>("qwen2");
    QTest::newRow("LlamaForCausalLM (BF16 and F32)") << false;
    QTest::newRow("Qwen2ForCausalLM (biases)") << true;
}

void TestHfModel::matchesFloat64() {
    QFETCH(bool, qwen2);
    TinyHf model = makeModel(qwen2);
    QTemporaryDir dir;
    std::vector<std::string> names;
    for (const auto &[name, t] : model.tensors)
        names.push_back(name);
    writeFile(dir.filePath("model.safetensors"),
              safetensors(model, names, {"model.layers.0.self_attn.q_proj.weight", "model.layers.1.mlp.down_proj.weight",
                                         "model.norm.weight"}));
    writeFile(dir.filePath("config.json"), configJson(model).toUtf8());
    QVERIFY(QFile::copy(QString::fromStdString(testsupport::tok512()), dir.filePath("tokenizer.model")));
    const auto engine = Engine::load(dir.path().toStdString());
    QVERIFY2(engine.ok(), engine.ok() ? "" : engine.error().message.c_str());
    QVERIFY(engine.value()->info().format.find("safetensors") != std::string::npos);
    QCOMPARE(QString::fromStdString(engine.value()->info().config.weightTypes), QStringLiteral("BF16, F32"));
    const auto r = engine.value()->analyze("Lily saw a big red ball and she was happy.");
    QVERIFY(r.ok());
    std::vector<int> ids;
    for (const Token &t : r->tokens)
        ids.push_back(t.id);
    const auto [attention, logits] = forward(model, ids);
    const std::vector<float> ours = testsupport::allLogits(*r);
    QCOMPARE(ours.size(), logits.size());
    double maxAttention = 0, maxLogit = 0;
    for (std::size_t i = 0; i < attention.size(); ++i)
        maxAttention = std::max(maxAttention, std::abs(attention[i] - double(r->dense()[i])));
    for (std::size_t i = 0; i < logits.size(); ++i)
        maxLogit = std::max(maxLogit, std::abs(logits[i] - double(ours[i])));
    qInfo("%s: max |attention - float64| %.2e, max |logit - float64| %.2e", qwen2 ? "qwen2" : "llama", maxAttention, maxLogit);
    QVERIFY(maxAttention <= 5e-5);
    QVERIFY(maxLogit <= 5e-4);
}

void TestHfModel::shardedEqualsSingleFile() {
    TinyHf model = makeModel(false);
    std::vector<std::string> first, second;
    for (const auto &[name, t] : model.tensors)
        (name.find("layers.1.") != std::string::npos ? second : first).push_back(name);
    QTemporaryDir single, sharded;
    std::vector<std::string> all = first;
    all.insert(all.end(), second.begin(), second.end());
    writeFile(single.filePath("model.safetensors"), safetensors(model, all));
    writeFile(sharded.filePath("model-00001-of-00002.safetensors"), safetensors(model, first));
    writeFile(sharded.filePath("model-00002-of-00002.safetensors"), safetensors(model, second));
    QByteArray index = "{\"metadata\": {}, \"weight_map\": {";
    for (const std::string &n : first)
        index += "\"" + QByteArray::fromStdString(n) + "\": \"model-00001-of-00002.safetensors\",";
    for (const std::string &n : second)
        index += "\"" + QByteArray::fromStdString(n) + "\": \"model-00002-of-00002.safetensors\",";
    index.chop(1);
    index += "}}";
    writeFile(sharded.filePath("model.safetensors.index.json"), index);
    for (QTemporaryDir *d : {&single, &sharded}) {
        writeFile(d->filePath("config.json"), configJson(model).toUtf8());
        QVERIFY(QFile::copy(QString::fromStdString(testsupport::tok512()), d->filePath("tokenizer.model")));
    }
    const auto a = Engine::load(single.path().toStdString()), b = Engine::load(sharded.path().toStdString());
    QVERIFY2(a.ok() && b.ok(), b.ok() ? "" : b.error().message.c_str());
    const auto ra = a.value()->analyze("Once upon a time"), rb = b.value()->analyze("Once upon a time");
    QVERIFY(ra.ok() && rb.ok());
    QCOMPARE(std::memcmp(ra->dense().data(), rb->dense().data(), ra->dense().size() * 4), 0);
    // A shard missing from the folder is named.
    QVERIFY(QFile::remove(sharded.filePath("model-00002-of-00002.safetensors")));
    const auto c = Engine::load(sharded.path().toStdString());
    QVERIFY(!c.ok());
    QVERIFY2(c.error().message.find("model-00002-of-00002.safetensors") != std::string::npos, c.error().message.c_str());
}

void TestHfModel::hostileSafetensors() {
    TinyHf model = makeModel(false);
    const QByteArray good = safetensors(model, {"model.norm.weight"});
    QVERIFY(errorOf(good).isEmpty());
    auto withHeader = [](const QByteArray &json, int dataBytes) {
        QByteArray out;
        const std::uint64_t n = std::uint64_t(json.size());
        out.append(reinterpret_cast<const char *>(&n), 8);
        return out + json + QByteArray(dataBytes, '\0');
    };
    QVERIFY(errorOf(QByteArray("abc")).contains("8-byte"));
    QByteArray huge = good;
    const std::uint64_t big = 1ull << 40;
    std::memcpy(huge.data(), &big, 8);
    QVERIFY(errorOf(huge).contains("header claims"));
    QVERIFY(errorOf(withHeader("{\"a\": [1, 2", 0)).contains("not JSON"));
    QVERIFY(errorOf(withHeader("[1]", 0)).contains("not a JSON object"));
    QVERIFY(errorOf(withHeader("{\"t\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8)).contains("outside the file"));
    QVERIFY(errorOf(withHeader("{\"t\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,8]}}", 16)).contains("8 bytes for 4"));
    QVERIFY(errorOf(withHeader("{\"t\":{\"dtype\":\"Q9\",\"shape\":[4],\"data_offsets\":[0,4]}}", 16)).contains("unknown dtype"));
    QVERIFY(errorOf(withHeader("{\"t\":{\"dtype\":\"F32\",\"shape\":[-4],\"data_offsets\":[0,16]}}", 16)).contains("shape"));
    QVERIFY(errorOf(withHeader("{\"t\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[12,4]}}", 16)).contains("outside"));
    // Two tensors over the same bytes: 100 such names would claim the memory of 100 tensors from one.
    QVERIFY(errorOf(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                               "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16))
                .contains("tensors a and b share bytes 8 to 16"));
    QVERIFY(errorOf(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                               "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16))
                .isEmpty()); // adjacent is fine
    QVERIFY(errorOf(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                               "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16))
                .contains("tensor a appears twice"));
    const QString deep = QString(200, '[') + QString(200, ']');
    QVERIFY(errorOf(withHeader(deep.toUtf8(), 0)).contains("nested deeper"));
    // Cuts anywhere: an error or a valid file, never a crash.
    const QByteArray whole = safetensors(model, {"model.norm.weight", "model.embed_tokens.weight"});
    std::uniform_int_distribution<int> cut(0, int(whole.size()) - 1);
    for (int i = 0; i < 200; ++i)
        QVERIFY(!errorOf(whole.left(cut(rng))).isEmpty());
}

void TestHfModel::picklesAreRefused() {
    QTemporaryDir dir;
    writeFile(dir.filePath("model.bin"), QByteArray("PK\x03\x04", 4) + QByteArray(100, 'x')); // torch.save's zip
    writeFile(dir.filePath("old.pt"), QByteArray("\x80\x02}q\x00", 5) + QByteArray(100, 'x')); // a raw pickle
    for (const char *name : {"model.bin", "old.pt"}) {
        const auto e = Engine::load(dir.filePath(name).toStdString());
        QVERIFY(!e.ok());
        QVERIFY2(e.error().message.find("pickle") != std::string::npos &&
                     e.error().message.find("safetensors") != std::string::npos,
                 e.error().message.c_str());
    }
    QTemporaryDir folder;
    writeFile(folder.filePath("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"]}");
    writeFile(folder.filePath("pytorch_model.bin"), QByteArray("PK\x03\x04", 4));
    const auto f = Engine::load(folder.path().toStdString());
    QVERIFY(!f.ok());
    QVERIFY2(f.error().message.find("pytorch_model.bin") != std::string::npos &&
                 f.error().message.find("arbitrary code") != std::string::npos,
             f.error().message.c_str());
}

QTEST_GUILESS_MAIN(TestHfModel)
#include "tst_hf_model.moc"
