// Qwen2, GPT-2 and BERT from GGUF, and GPT-2 and BERT from Hugging Face folders: tiny random models written here
// (our GgufBuilder with llama.cpp's tensor names; safetensors with Hugging Face's names, GPT-2's Conv1D transposed,
// vocab.json + merges.txt and vocab.txt tokenizers), loaded by the engine, and compared with a float64 forward pass
// computed here from the same in-memory weights (never read back from the file): norms, positions, biases, fused
// q/k/v, GELU, post-norm and the bidirectional mask all have to be right for attention to agree within 5e-5.
#include "attention_f64.h"
#include "test_support.h"

#include <attnscope/engine.h>
#include <attnscope/gguf_writer.h>

#include <QtTest>

#include <cmath>
#include <random>
#include <tuple>

using namespace attnscope;

namespace {

using Mat = std::vector<double>; // row-major

struct Layer {
    Mat wq, wk, wv, wo, wg, wu, wd;          // (out, in)
    Mat bq, bk, bv, bo, bu, bd;              // biases (empty = none)
    Mat n1, n1b, n2, n2b;                    // norms (before attention / FFN, or after them in BERT)
};

struct Tiny {
    std::string arch;
    int dim = 16, heads = 4, kvHeads = 4, layers = 2, hidden = 24, context = 32, vocab = 0, types = 2;
    double eps = 1e-5, theta = 10000;
    Mat embedding, positions, tokenTypes, embNorm, embNormBias, finalNorm, finalNormBias, output;
    std::vector<Layer> blocks;
    std::vector<std::string> pieces;
    std::vector<std::int32_t> pieceTypes;
};

std::mt19937 rng(5);

Mat random(std::size_t n, double scale) {
    std::normal_distribution<double> d(0.0, scale);
    Mat m(n);
    for (double &v : m)
        v = static_cast<double>(static_cast<float>(d(rng))); // exactly representable as the float32 we store
    return m;
}

Mat around(std::size_t n, double centre, double scale) {
    Mat m = random(n, scale);
    for (double &v : m)
        v = static_cast<double>(static_cast<float>(v + centre));
    return m;
}

std::vector<float> floats(const Mat &m) {
    return std::vector<float>(m.begin(), m.end());
}

// GPT-2's printable stand-ins for the 256 bytes, as byte-level BPE vocabularies spell them.
std::vector<std::string> byteTokens() {
    std::vector<std::string> out;
    int n = 0;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
        const char32_t cp = printable ? char32_t(b) : char32_t(256 + n++);
        out.push_back(QString::fromUcs4(&cp, 1).toStdString());
    }
    return out;
}

Tiny makeModel(const std::string &arch) {
    Tiny t;
    t.arch = arch;
    const bool bert = arch == "bert", gpt2 = arch == "gpt2", qwen2 = arch == "qwen2";
    if (qwen2)
        t.kvHeads = 2;
    if (bert) {
        t.eps = 1e-12;
        const std::string w = "\xE2\x96\x81"; // "▁": a word start in GGUF WordPiece vocabularies
        t.pieces = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", w + "the", w + "cat", w + "sat", w + "on", w + "mat", w + "!",
                    w + ".", w + "a", "s"};
        t.pieceTypes = {3, 2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    } else {
        t.pieces = byteTokens();
        t.pieceTypes.assign(t.pieces.size(), 1);
    }
    t.vocab = int(t.pieces.size());
    const std::size_t d = std::size_t(t.dim), h = std::size_t(t.hidden), kv = std::size_t(t.kvHeads * t.dim / t.heads);
    t.embedding = random(std::size_t(t.vocab) * d, 0.5);
    if (gpt2 || bert)
        t.positions = random(std::size_t(t.context) * d, 0.3);
    if (bert) {
        t.tokenTypes = random(std::size_t(t.types) * d, 0.3);
        t.embNorm = around(d, 1.0, 0.1);
        t.embNormBias = random(d, 0.1);
    } else {
        t.finalNorm = around(d, 1.0, 0.1);
        if (gpt2)
            t.finalNormBias = random(d, 0.1);
        t.output = random(std::size_t(t.vocab) * d, 0.5);
    }
    for (int l = 0; l < t.layers; ++l) {
        Layer b;
        b.wq = random(d * d, 0.4);
        b.wk = random(kv * d, 0.4);
        b.wv = random(kv * d, 0.4);
        b.wo = random(d * d, 0.3);
        b.wu = random(h * d, 0.3);
        b.wd = random(d * h, 0.3);
        if (!bert && !gpt2)
            b.wg = random(h * d, 0.3);
        if (qwen2 || gpt2 || bert) {
            b.bq = random(d, 0.2);
            b.bk = random(kv, 0.2);
            b.bv = random(kv, 0.2);
        }
        if (gpt2 || bert) {
            b.bo = random(d, 0.1);
            b.bu = random(h, 0.1);
            b.bd = random(d, 0.1);
            b.n1b = random(d, 0.1);
            b.n2b = random(d, 0.1);
        }
        b.n1 = around(d, 1.0, 0.1);
        b.n2 = around(d, 1.0, 0.1);
        t.blocks.push_back(std::move(b));
    }
    return t;
}

void write(const Tiny &t, const std::string &path) {
    GgufBuilder g;
    const std::string a = t.arch + ".";
    g.setString("general.architecture", t.arch);
    g.setU32(a + "embedding_length", std::uint32_t(t.dim));
    g.setU32(a + "feed_forward_length", std::uint32_t(t.hidden));
    g.setU32(a + "block_count", std::uint32_t(t.layers));
    g.setU32(a + "attention.head_count", std::uint32_t(t.heads));
    g.setU32(a + "attention.head_count_kv", std::uint32_t(t.kvHeads));
    g.setU32(a + "context_length", std::uint32_t(t.context));
    if (t.arch == "qwen2") {
        g.setF32(a + "attention.layer_norm_rms_epsilon", float(t.eps));
        g.setF32(a + "rope.freq_base", float(t.theta));
    } else {
        g.setF32(a + "attention.layer_norm_epsilon", float(t.eps));
    }
    if (t.arch == "bert") {
        g.setBool(a + "attention.causal", false);
        g.setString("tokenizer.ggml.model", "bert");
        g.setU32("tokenizer.ggml.unknown_token_id", 1);
        g.setU32("tokenizer.ggml.cls_token_id", 2);
        g.setU32("tokenizer.ggml.seperator_token_id", 3);
    } else {
        g.setString("tokenizer.ggml.model", "gpt2");
        g.setString("tokenizer.ggml.pre", t.arch == "qwen2" ? "qwen2" : "gpt-2");
        g.setStringArray("tokenizer.ggml.merges", {});
    }
    g.setStringArray("tokenizer.ggml.tokens", t.pieces);
    g.setI32Array("tokenizer.ggml.token_type", t.pieceTypes);
    const std::int64_t d = t.dim, h = t.hidden, kv = t.kvHeads * t.dim / t.heads;
    auto put = [&](const std::string &name, const Mat &m, std::vector<std::int64_t> dims) {
        const auto f = floats(m);
        g.addF32(name, dims, f.data());
    };
    put("token_embd.weight", t.embedding, {d, t.vocab});
    if (!t.positions.empty())
        put("position_embd.weight", t.positions, {d, t.context});
    if (t.arch == "bert") {
        put("token_types.weight", t.tokenTypes, {d, t.types});
        put("token_embd_norm.weight", t.embNorm, {d});
        put("token_embd_norm.bias", t.embNormBias, {d});
    } else {
        put("output_norm.weight", t.finalNorm, {d});
        if (!t.finalNormBias.empty())
            put("output_norm.bias", t.finalNormBias, {d});
        put("output.weight", t.output, {d, t.vocab});
    }
    for (int l = 0; l < t.layers; ++l) {
        const Layer &b = t.blocks[std::size_t(l)];
        const std::string p = "blk." + std::to_string(l) + ".";
        if (t.arch == "gpt2") {
            Mat qkv = b.wq, bias = b.bq;
            qkv.insert(qkv.end(), b.wk.begin(), b.wk.end());
            qkv.insert(qkv.end(), b.wv.begin(), b.wv.end());
            bias.insert(bias.end(), b.bk.begin(), b.bk.end());
            bias.insert(bias.end(), b.bv.begin(), b.bv.end());
            put(p + "attn_qkv.weight", qkv, {d, 3 * d});
            put(p + "attn_qkv.bias", bias, {3 * d});
        } else {
            put(p + "attn_q.weight", b.wq, {d, d});
            put(p + "attn_k.weight", b.wk, {d, kv});
            put(p + "attn_v.weight", b.wv, {d, kv});
            if (!b.bq.empty()) {
                put(p + "attn_q.bias", b.bq, {d});
                put(p + "attn_k.bias", b.bk, {kv});
                put(p + "attn_v.bias", b.bv, {kv});
            }
        }
        put(p + "attn_output.weight", b.wo, {d, d});
        if (!b.bo.empty())
            put(p + "attn_output.bias", b.bo, {d});
        const std::string n1 = t.arch == "bert" ? "attn_output_norm" : "attn_norm";
        const std::string n2 = t.arch == "bert" ? "layer_output_norm" : "ffn_norm";
        put(p + n1 + ".weight", b.n1, {d});
        put(p + n2 + ".weight", b.n2, {d});
        if (!b.n1b.empty()) {
            put(p + n1 + ".bias", b.n1b, {d});
            put(p + n2 + ".bias", b.n2b, {d});
        }
        if (!b.wg.empty())
            put(p + "ffn_gate.weight", b.wg, {d, h});
        put(p + "ffn_up.weight", b.wu, {d, h});
        put(p + "ffn_down.weight", b.wd, {h, d});
        if (!b.bu.empty()) {
            put(p + "ffn_up.bias", b.bu, {h});
            put(p + "ffn_down.bias", b.bd, {d});
        }
    }
    const Status s = g.write(path);
    QVERIFY(s.ok());
}

Mat affine(const Mat &w, const Mat &b, const Mat &x) { // w: (rows, x.size())
    const std::size_t cols = x.size(), rows = w.size() / cols;
    Mat y(rows, 0.0);
    for (std::size_t i = 0; i < rows; ++i) {
        for (std::size_t j = 0; j < cols; ++j)
            y[i] += w[i * cols + j] * x[j];
        if (!b.empty())
            y[i] += b[i];
    }
    return y;
}

Mat norm(const Mat &x, const Mat &w, const Mat &b, bool layerNorm, double eps) {
    const double n = double(x.size());
    double mean = 0, var = 0;
    if (layerNorm) {
        for (double v : x)
            mean += v / n;
        for (double v : x)
            var += (v - mean) * (v - mean) / n;
    } else {
        for (double v : x)
            var += v * v / n;
    }
    Mat y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i)
        y[i] = (x[i] - mean) / std::sqrt(var + eps) * w[i] + (b.empty() ? 0.0 : b[i]);
    return y;
}

struct Reference {
    Mat attention; // (layers, heads, T, T)
    Mat logits;    // (T, vocab)
};

Reference forward(const Tiny &t, const std::vector<int> &ids) {
    const bool bert = t.arch == "bert", gpt2 = t.arch == "gpt2", layerNorm = bert || gpt2, causal = !bert;
    const int T = int(ids.size()), hs = t.dim / t.heads;
    Reference r;
    r.attention.assign(std::size_t(t.layers * t.heads * T * T), 0.0);
    const auto steps = static_cast<std::size_t>(T);
    std::vector<Mat> x(steps);
    for (int i = 0; i < T; ++i) {
        Mat &v = x[std::size_t(i)];
        v.assign(t.embedding.begin() + ids[std::size_t(i)] * t.dim, t.embedding.begin() + (ids[std::size_t(i)] + 1) * t.dim);
        for (int e = 0; e < t.dim; ++e) {
            if (!t.positions.empty())
                v[std::size_t(e)] += t.positions[std::size_t(i * t.dim + e)];
            if (bert)
                v[std::size_t(e)] += t.tokenTypes[std::size_t(e)];
        }
        if (bert)
            v = norm(v, t.embNorm, t.embNormBias, true, t.eps);
    }
    for (int l = 0; l < t.layers; ++l) {
        const Layer &b = t.blocks[std::size_t(l)];
        std::vector<Mat> q(steps), k(steps), v(steps);
        for (int i = 0; i < T; ++i) {
            const Mat h = bert ? x[std::size_t(i)] : norm(x[std::size_t(i)], b.n1, b.n1b, layerNorm, t.eps);
            q[std::size_t(i)] = affine(b.wq, b.bq, h);
            k[std::size_t(i)] = affine(b.wk, b.bk, h);
            v[std::size_t(i)] = affine(b.wv, b.bv, h);
            if (t.arch == "qwen2") // rotate halves: pair p is (p, p + hs/2) of every head
                for (Mat *m : {&q[std::size_t(i)], &k[std::size_t(i)]})
                    for (std::size_t h0 = 0; h0 < m->size(); h0 += std::size_t(hs))
                        for (int p = 0; p < hs / 2; ++p) {
                            const double angle = i * std::pow(t.theta, -2.0 * p / hs);
                            const double a0 = (*m)[h0 + p], a1 = (*m)[h0 + p + hs / 2];
                            (*m)[h0 + p] = a0 * std::cos(angle) - a1 * std::sin(angle);
                            (*m)[h0 + p + hs / 2] = a0 * std::sin(angle) + a1 * std::cos(angle);
                        }
        }
        std::vector<Mat> next(steps);
        for (int i = 0; i < T; ++i) {
            const Mat mixed = testsupport::attendRowF64(q, k, v, i, causal ? i : T - 1, t.heads, t.kvHeads, hs, T,
                                                        r.attention.data() + std::size_t(l) * t.heads * T * T);
            Mat y = affine(b.wo, b.bo, mixed);
            for (int e = 0; e < t.dim; ++e)
                y[std::size_t(e)] += x[std::size_t(i)][std::size_t(e)];
            next[std::size_t(i)] = bert ? norm(y, b.n1, b.n1b, true, t.eps) : y;
        }
        for (int i = 0; i < T; ++i) {
            const Mat &xi = next[std::size_t(i)];
            const Mat h = bert ? xi : norm(xi, b.n2, b.n2b, layerNorm, t.eps);
            Mat up = affine(b.wu, b.bu, h);
            if (!b.wg.empty()) { // SwiGLU
                const Mat gate = affine(b.wg, {}, h);
                for (std::size_t e = 0; e < up.size(); ++e)
                    up[e] *= gate[e] / (1.0 + std::exp(-gate[e]));
            } else {
                for (double &u : up)
                    u = gpt2 ? 0.5 * u * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (u + 0.044715 * u * u * u)))
                             : 0.5 * u * (1.0 + std::erf(u / std::sqrt(2.0)));
            }
            Mat y = affine(b.wd, b.bd, up);
            for (int e = 0; e < t.dim; ++e)
                y[std::size_t(e)] += xi[std::size_t(e)];
            x[std::size_t(i)] = bert ? norm(y, b.n2, b.n2b, true, t.eps) : y;
        }
    }
    if (!bert)
        for (int i = 0; i < T; ++i) {
            const Mat logits = affine(t.output, {}, norm(x[std::size_t(i)], t.finalNorm, t.finalNormBias, layerNorm, t.eps));
            r.logits.insert(r.logits.end(), logits.begin(), logits.end());
        }
    return r;
}

} // namespace

// A safetensors file (F32) of named row-major matrices.
QByteArray safetensors(const std::vector<std::tuple<std::string, std::vector<std::int64_t>, Mat>> &tensors) {
    QByteArray header = "{", data;
    for (const auto &[name, shape, values] : tensors) {
        const qsizetype begin = data.size();
        for (const double v : values) {
            const float f = float(v);
            data.append(reinterpret_cast<const char *>(&f), 4);
        }
        QStringList dims;
        for (auto d : shape)
            dims << QString::number(d);
        header += QString("%1\"%2\":{\"dtype\":\"F32\",\"shape\":[%3],\"data_offsets\":[%4,%5]}")
                      .arg(header.size() > 1 ? "," : "", QString::fromStdString(name), dims.join(','))
                      .arg(begin)
                      .arg(data.size())
                      .toUtf8();
    }
    header += "}";
    QByteArray out;
    const std::uint64_t n = std::uint64_t(header.size());
    out.append(reinterpret_cast<const char *>(&n), 8);
    return out + header + data;
}

Mat transpose(const Mat &m, std::size_t rows, std::size_t cols) { // (rows, cols) -> (cols, rows)
    Mat t(m.size());
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t c = 0; c < cols; ++c)
            t[c * rows + r] = m[r * cols + c];
    return t;
}

void writeText(const QString &path, const QByteArray &text) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}

// The same tiny model as a Hugging Face folder: config.json, model.safetensors and the tokenizer files.
void writeHuggingFace(const Tiny &t, const QString &dir) {
    const std::int64_t d = t.dim, h = t.hidden;
    std::vector<std::tuple<std::string, std::vector<std::int64_t>, Mat>> tensors;
    if (t.arch == "gpt2") {
        tensors.emplace_back("wte.weight", std::vector<std::int64_t>{t.vocab, d}, t.embedding);
        tensors.emplace_back("wpe.weight", std::vector<std::int64_t>{t.context, d}, t.positions);
        tensors.emplace_back("ln_f.weight", std::vector<std::int64_t>{d}, t.finalNorm);
        tensors.emplace_back("ln_f.bias", std::vector<std::int64_t>{d}, t.finalNormBias);
        tensors.emplace_back("lm_head.weight", std::vector<std::int64_t>{t.vocab, d}, t.output);
        for (int l = 0; l < t.layers; ++l) {
            const Layer &b = t.blocks[std::size_t(l)];
            const std::string p = "h." + std::to_string(l) + ".";
            Mat qkv = b.wq, bias = b.bq;
            qkv.insert(qkv.end(), b.wk.begin(), b.wk.end());
            qkv.insert(qkv.end(), b.wv.begin(), b.wv.end());
            bias.insert(bias.end(), b.bk.begin(), b.bk.end());
            bias.insert(bias.end(), b.bv.begin(), b.bv.end());
            // Conv1D keeps (in, out).
            tensors.emplace_back(p + "attn.c_attn.weight", std::vector<std::int64_t>{d, 3 * d}, transpose(qkv, std::size_t(3 * d), std::size_t(d)));
            tensors.emplace_back(p + "attn.c_attn.bias", std::vector<std::int64_t>{3 * d}, bias);
            tensors.emplace_back(p + "attn.c_proj.weight", std::vector<std::int64_t>{d, d}, transpose(b.wo, std::size_t(d), std::size_t(d)));
            tensors.emplace_back(p + "attn.c_proj.bias", std::vector<std::int64_t>{d}, b.bo);
            tensors.emplace_back(p + "ln_1.weight", std::vector<std::int64_t>{d}, b.n1);
            tensors.emplace_back(p + "ln_1.bias", std::vector<std::int64_t>{d}, b.n1b);
            tensors.emplace_back(p + "ln_2.weight", std::vector<std::int64_t>{d}, b.n2);
            tensors.emplace_back(p + "ln_2.bias", std::vector<std::int64_t>{d}, b.n2b);
            tensors.emplace_back(p + "mlp.c_fc.weight", std::vector<std::int64_t>{d, h}, transpose(b.wu, std::size_t(h), std::size_t(d)));
            tensors.emplace_back(p + "mlp.c_fc.bias", std::vector<std::int64_t>{h}, b.bu);
            tensors.emplace_back(p + "mlp.c_proj.weight", std::vector<std::int64_t>{h, d}, transpose(b.wd, std::size_t(d), std::size_t(h)));
            tensors.emplace_back(p + "mlp.c_proj.bias", std::vector<std::int64_t>{d}, b.bd);
        }
        writeText(dir + "/config.json", QString("{\"architectures\": [\"GPT2LMHeadModel\"], \"n_embd\": %1, \"n_layer\": %2, "
                                                "\"n_head\": %3, \"n_positions\": %4, \"n_inner\": %5, "
                                                "\"layer_norm_epsilon\": 1e-05, \"vocab_size\": %6}")
                                            .arg(t.dim).arg(t.layers).arg(t.heads).arg(t.context).arg(t.hidden).arg(t.vocab)
                                            .toUtf8());
        QByteArray vocab = "{";
        for (std::size_t i = 0; i < t.pieces.size(); ++i) {
            QString piece = QString::fromStdString(t.pieces[i]);
            piece.replace('\\', "\\\\").replace('"', "\\\"");
            vocab += QString("%1\"%2\": %3").arg(i ? ", " : "", piece).arg(i).toUtf8();
        }
        writeText(dir + "/vocab.json", vocab + "}");
        writeText(dir + "/merges.txt", "#version: 0.2\n");
    } else { // bert
        const std::string p0 = "bert.";
        tensors.emplace_back(p0 + "embeddings.word_embeddings.weight", std::vector<std::int64_t>{t.vocab, d}, t.embedding);
        tensors.emplace_back(p0 + "embeddings.position_embeddings.weight", std::vector<std::int64_t>{t.context, d}, t.positions);
        tensors.emplace_back(p0 + "embeddings.token_type_embeddings.weight", std::vector<std::int64_t>{t.types, d}, t.tokenTypes);
        tensors.emplace_back(p0 + "embeddings.LayerNorm.weight", std::vector<std::int64_t>{d}, t.embNorm);
        tensors.emplace_back(p0 + "embeddings.LayerNorm.bias", std::vector<std::int64_t>{d}, t.embNormBias);
        for (int l = 0; l < t.layers; ++l) {
            const Layer &b = t.blocks[std::size_t(l)];
            const std::string p = p0 + "encoder.layer." + std::to_string(l) + ".";
            for (const auto &[n, w, bias] : {std::tuple{"attention.self.query", &b.wq, &b.bq}, std::tuple{"attention.self.key", &b.wk, &b.bk},
                                             std::tuple{"attention.self.value", &b.wv, &b.bv}, std::tuple{"attention.output.dense", &b.wo, &b.bo}}) {
                tensors.emplace_back(p + n + ".weight", std::vector<std::int64_t>{d, d}, *w);
                tensors.emplace_back(p + n + ".bias", std::vector<std::int64_t>{d}, *bias);
            }
            tensors.emplace_back(p + "attention.output.LayerNorm.weight", std::vector<std::int64_t>{d}, b.n1);
            tensors.emplace_back(p + "attention.output.LayerNorm.bias", std::vector<std::int64_t>{d}, b.n1b);
            tensors.emplace_back(p + "intermediate.dense.weight", std::vector<std::int64_t>{h, d}, b.wu);
            tensors.emplace_back(p + "intermediate.dense.bias", std::vector<std::int64_t>{h}, b.bu);
            tensors.emplace_back(p + "output.dense.weight", std::vector<std::int64_t>{d, h}, b.wd);
            tensors.emplace_back(p + "output.dense.bias", std::vector<std::int64_t>{d}, b.bd);
            tensors.emplace_back(p + "output.LayerNorm.weight", std::vector<std::int64_t>{d}, b.n2);
            tensors.emplace_back(p + "output.LayerNorm.bias", std::vector<std::int64_t>{d}, b.n2b);
        }
        writeText(dir + "/config.json", QString("{\"architectures\": [\"BertModel\"], \"hidden_size\": %1, "
                                                "\"num_hidden_layers\": %2, \"num_attention_heads\": %3, "
                                                "\"intermediate_size\": %4, \"max_position_embeddings\": %5, "
                                                "\"type_vocab_size\": 2, \"layer_norm_eps\": 1e-12, \"vocab_size\": %6}")
                                            .arg(t.dim).arg(t.layers).arg(t.heads).arg(t.hidden).arg(t.context).arg(t.vocab)
                                            .toUtf8());
        QByteArray vocab; // Hugging Face spelling: words bare, continuations with ##
        const QString mark = QString::fromUtf8("\xE2\x96\x81");
        for (const std::string &piece : t.pieces) {
            QString p = QString::fromStdString(piece);
            if (p.startsWith(mark))
                p = p.mid(1);
            else if (!p.startsWith('['))
                p = "##" + p;
            vocab += p.toUtf8() + "\n";
        }
        writeText(dir + "/vocab.txt", vocab);
    }
    writeText(dir + "/model.safetensors", safetensors(tensors));
}

class TestGgufArchs : public QObject {
    Q_OBJECT
private slots:
    void matchesFloat64_data();
    void matchesFloat64();
    void huggingFaceFoldersMatchFloat64_data();
    void huggingFaceFoldersMatchFloat64();
};

void TestGgufArchs::matchesFloat64_data() {
    QTest::addColumn<QString>("arch");
    QTest::addColumn<QString>("text");
    QTest::newRow("qwen2") << "qwen2" << "Hello, world! It's 2024.";
    QTest::newRow("gpt2") << "gpt2" << "Hello, world! It's 2024.";
    QTest::newRow("bert") << "bert" << "The cat sat on a mat!";
}

void TestGgufArchs::matchesFloat64() {
    QFETCH(QString, arch);
    QFETCH(QString, text);
    const Tiny model = makeModel(arch.toStdString());
    QTemporaryDir dir;
    const std::string path = dir.filePath("tiny.gguf").toStdString();
    write(model, path);
    const auto engine = Engine::load(path);
    QVERIFY2(engine.ok(), engine.ok() ? "" : engine.error().message.c_str());
    const ModelConfig &c = engine.value()->info().config;
    QCOMPARE(QString::fromStdString(c.architecture), arch);
    QCOMPARE(c.causal, arch != "bert");
    const auto r = engine.value()->analyze(text.toStdString());
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    std::vector<int> ids;
    for (const Token &t : r->tokens)
        ids.push_back(t.id);
    if (arch == "bert") { // [CLS] the cat sat on a mat ! [SEP]
        QCOMPARE(ids, (std::vector<int>{2, 4, 5, 6, 7, 11, 8, 9, 3}));
        QVERIFY(!r->causal);
        QCOMPARE(r->logitRows, 0); // an encoder: no language-model head
    } else {
        QCOMPARE(int(ids.size()), int(text.toUtf8().size())); // no merges: one token per byte
    }
    const Reference ref = forward(model, ids);
    QCOMPARE(ref.attention.size(), r->dense().size());
    const std::vector<float> logits = testsupport::allLogits(*r);
    double maxAttention = 0, maxLogit = 0, upperMass = 0;
    const int T = int(ids.size());
    for (std::size_t i = 0; i < ref.attention.size(); ++i) {
        maxAttention = std::max(maxAttention, std::abs(ref.attention[i] - double(r->dense()[i])));
        const int query = int(i / std::size_t(T)) % T, key = int(i % std::size_t(T));
        if (key > query)
            upperMass += r->dense()[i];
    }
    for (std::size_t i = 0; i < ref.logits.size(); ++i)
        maxLogit = std::max(maxLogit, std::abs(ref.logits[i] - double(logits[i])));
    qInfo("%s: max |attention - float64| %.2e, max |logit - float64| %.2e", qPrintable(arch), maxAttention, maxLogit);
    QVERIFY(maxAttention <= 5e-5);
    QVERIFY(maxLogit <= 5e-4);
    if (arch == "bert")
        QVERIFY(upperMass > 1.0); // tokens attend to later tokens
    else
        QCOMPARE(upperMass, 0.0);
}

void TestGgufArchs::huggingFaceFoldersMatchFloat64_data() {
    QTest::addColumn<QString>("arch");
    QTest::addColumn<QString>("text");
    QTest::newRow("GPT2LMHeadModel") << "gpt2" << "Hello, world! It's 2024.";
    QTest::newRow("BertModel") << "bert" << "The cat sat on a mat!";
}

void TestGgufArchs::huggingFaceFoldersMatchFloat64() {
    QFETCH(QString, arch);
    QFETCH(QString, text);
    const Tiny model = makeModel(arch.toStdString());
    QTemporaryDir dir;
    writeHuggingFace(model, dir.path());
    const auto engine = Engine::load(dir.path().toStdString());
    QVERIFY2(engine.ok(), engine.ok() ? "" : engine.error().message.c_str());
    QCOMPARE(QString::fromStdString(engine.value()->info().config.architecture), arch);
    const auto r = engine.value()->analyze(text.toStdString());
    QVERIFY2(r.ok(), r.ok() ? "" : r.error().message.c_str());
    std::vector<int> ids;
    for (const Token &t : r->tokens)
        ids.push_back(t.id);
    if (arch == "bert")
        QCOMPARE(ids, (std::vector<int>{2, 4, 5, 6, 7, 11, 8, 9, 3})); // vocab.txt read in Hugging Face spelling
    else
        QCOMPARE(int(ids.size()), int(text.toUtf8().size()));
    const Reference ref = forward(model, ids);
    const std::vector<float> logits = testsupport::allLogits(*r);
    double maxAttention = 0, maxLogit = 0;
    for (std::size_t i = 0; i < ref.attention.size(); ++i)
        maxAttention = std::max(maxAttention, std::abs(ref.attention[i] - double(r->dense()[i])));
    for (std::size_t i = 0; i < ref.logits.size(); ++i)
        maxLogit = std::max(maxLogit, std::abs(ref.logits[i] - double(logits[i])));
    qInfo("%s folder: max |attention - float64| %.2e, max |logit - float64| %.2e", qPrintable(arch), maxAttention, maxLogit);
    QVERIFY(maxAttention <= 5e-5);
    QVERIFY(maxLogit <= 5e-4);
}

QTEST_GUILESS_MAIN(TestGgufArchs)
#include "tst_gguf_archs.moc"
