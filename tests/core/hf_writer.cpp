// GGUF -> Hugging Face folder for the tests: what llama.cpp's convert_hf_to_gguf.py does to each family, undone.
//
// - Names: GGUF's blk.N.attn_q.weight etc. back to transformers' module paths.
// - llama: the converter permutes q/k rows (LlamaModel.permute) so llama.cpp's interleaved RoPE sees HF's rotate-half
//   pairs; here the inverse, per head: GGUF row 2i + j of a head is HF row j * head_dim/2 + i.
// - gemma, gemma2, gemma3: the converter stores every *norm.weight as 1 + w (HF applies x * (1 + w)); here w.
// - gptneox: the converter turns HF's per-head fused qkv (rows (heads, 3, head_size)) into [Q; K; V] blocks; inverse.
// - phi3: the LongRoPE factors it wrote as rope_factors_short/long tensors go back into config.json's rope_scaling.
// Everything else (fused phi3 qkv and gate_up, qwen3/gemma3 QK-norms, F16 embeddings) is stored as HF stores it.
#include "hf_writer.h"

#include <attnscope/gguf_tokenizer.h>
#include <attnscope/quant.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>

namespace hfwriter {

namespace gguf = attnscope::gguf;
using attnscope::makeError;
using attnscope::Result;

const char *dtypeName(Dtype dtype) {
    switch (dtype) {
    case Dtype::F16:
        return "F16";
    case Dtype::BF16:
        return "BF16";
    case Dtype::F32:
        break;
    }
    return "F32";
}

float roundToBf16(float value) {
    std::uint32_t bits;
    std::memcpy(&bits, &value, 4);
    if ((bits & 0x7fffffffu) > 0x7f800000u) // NaN stays NaN
        bits |= 0x00400000u;
    else
        bits += 0x7fffu + ((bits >> 16) & 1u);
    bits &= 0xffff0000u;
    float out;
    std::memcpy(&out, &bits, 4);
    return out;
}

float roundToF16(float value) {
    return attnscope::halfToFloat(attnscope::floatToHalf(value));
}

Tensors roundedToBf16(const Tensors &tensors, Dtype dtype) {
    Tensors out = tensors;
    for (auto &[name, t] : out) {
        for (float &v : t.values)
            v = roundToBf16(v);
        t.dtype = dtype;
        if (dtype == Dtype::F16) // BF16 values F16 cannot hold exactly (tiny or huge ones) are rounded once more
            for (float &v : t.values)
                v = roundToF16(v);
    }
    return out;
}

namespace {

// ---------------------------------------------------------------------------------------------------------------
// JSON text. The vocabulary and the safetensors header are written directly (50k sorted inserts into a QJsonObject
// would be slow); the rest is built as QJsonObjects and written by appendJson.

void appendJsonString(QByteArray &out, std::string_view s) {
    out += '"';
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", u);
            out += buf;
        } else {
            out += c;
        }
    }
    out += '"';
}

// The double whose shortest decimal spells this float (GGUF stores 1e-6 as 9.99999997e-07; config.json says 1e-06).
double shortest(double value) {
    const float f = static_cast<float>(value);
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf - 1, f);
    *r.ptr = '\0';
    return std::strtod(buf, nullptr);
}

// JSON as Python's json.dump(indent=2, sort_keys=True) writes transformers' files. The fields transformers types as
// float keep their ".0" (rope_theta 10000.0, factor 4.0): Qt 6 stores an integral double as an integer, and
// QJsonDocument would write 10000 and 4.
bool isFloatField(const QString &key) {
    static const QStringList keys = {"rope_theta",
                                     "rms_norm_eps",
                                     "layer_norm_eps",
                                     "rotary_pct",
                                     "rotary_emb_base",
                                     "factor",
                                     "short_factor",
                                     "long_factor",
                                     "attn_logit_softcapping",
                                     "final_logit_softcapping",
                                     "rope_local_base_freq",
                                     "partial_rotary_factor"};
    return keys.contains(key);
}

void appendJson(QByteArray &out, const QJsonValue &v, int depth, bool asFloat) {
    const QByteArray pad(2 * (depth + 1), ' '), close(2 * depth, ' ');
    if (v.isObject() || v.isArray()) {
        const bool object = v.isObject();
        const QJsonObject o = v.toObject();
        const QJsonArray a = v.toArray();
        const qsizetype n = object ? o.size() : a.size();
        if (n == 0) {
            out += object ? "{}" : "[]";
            return;
        }
        out += object ? "{\n" : "[\n";
        auto it = o.begin();
        for (qsizetype i = 0; i < n; ++i) {
            out += pad;
            if (object) {
                appendJsonString(out, it.key().toStdString());
                out += ": ";
                appendJson(out, it.value(), depth + 1, isFloatField(it.key()));
                ++it;
            } else {
                appendJson(out, a[i], depth + 1, asFloat);
            }
            out += i + 1 < n ? ",\n" : "\n";
        }
        out += close + (object ? "}" : "]");
    } else if (v.isString()) {
        appendJsonString(out, v.toString().toStdString());
    } else if (v.isBool()) {
        out += v.toBool() ? "true" : "false";
    } else if (v.isDouble()) {
        const double d = v.toDouble();
        if (asFloat && d == std::floor(d) && std::abs(d) < 1e16) // Python's repr: 1000000.0, not 1e+06
            out += QByteArray::number(qint64(d)) + ".0";
        else
            out += QByteArray::number(d, 'g', QLocale::FloatingPointShortest);
    } else {
        out += "null";
    }
}

QByteArray indented(const QJsonObject &o) {
    QByteArray out;
    appendJson(out, o, 0, false);
    return out + "\n";
}

// ---------------------------------------------------------------------------------------------------------------
// Tensors.

Result<Tensor> readTensor(const gguf::TensorInfo &t) {
    const auto info = attnscope::typeInfo(t.type);
    if (!info)
        return makeError(t.name + ": GGUF type " + attnscope::ggmlTypeName(t.type) + " cannot be read");
    Tensor out;
    out.shape.assign(t.dims.rbegin(), t.dims.rend()); // GGUF [cols, rows] -> HF (rows, cols)
    out.values.resize(static_cast<std::size_t>(t.elements()));
    attnscope::dequantizeRow(info->type, t.data, out.values.data(), t.elements());
    out.dtype = info->type == attnscope::GgmlType::F16    ? Dtype::F16
                : info->type == attnscope::GgmlType::BF16 ? Dtype::BF16
                                                          : Dtype::F32; // quantized types: stored dequantized
    return out;
}

// Output row r is input row source(r); a bias is a one-column matrix.
Tensor reorderRows(const Tensor &t, const std::function<std::int64_t(std::int64_t)> &source) {
    const std::int64_t rows = t.shape.front();
    const std::int64_t cols = static_cast<std::int64_t>(t.values.size()) / rows;
    Tensor out = t;
    for (std::int64_t r = 0; r < rows; ++r)
        std::copy_n(t.values.begin() + source(r) * cols, cols, out.values.begin() + r * cols);
    return out;
}

// convert_hf_to_gguf.py's LlamaModel.permute: reshape(heads, 2, hd/2, in).swapaxes(1, 2). HF row h*hd + j*hd/2 + i
// (j = which half for rotate_half) is GGUF row h*hd + 2i + j (llama.cpp's adjacent RoPE pair).
Tensor unpermuteRope(const Tensor &t, int heads) {
    const std::int64_t headDim = t.shape.front() / heads, half = headDim / 2;
    return reorderRows(t, [=](std::int64_t r) {
        const std::int64_t h = r / headDim, j = (r % headDim) / half, i = r % half;
        return h * headDim + 2 * i + j;
    });
}

// GPTNeoXModel.modify_tensors: HF's query_key_value rows are (heads, 3, head_size); GGUF's are (3, heads, head_size).
Tensor perHeadQkv(const Tensor &t, int heads) {
    const std::int64_t headSize = t.shape.front() / (3 * heads);
    return reorderRows(t, [=](std::int64_t r) {
        const std::int64_t h = r / (3 * headSize), s = (r / headSize) % 3, i = r % headSize;
        return s * heads * headSize + h * headSize + i;
    });
}

Tensor minusOne(const Tensor &t) {
    Tensor out = t;
    for (float &v : out.values)
        v -= 1.0f;
    out.dtype = Dtype::F32; // w need not be a value of the half type 1 + w was stored in
    return out;
}

enum class Transform { None, MinusOne, UnpermuteQ, UnpermuteK, PerHeadQkv };

struct Mapped {
    std::string name;
    Transform transform = Transform::None;
};

// "blk.3.attn_q.weight" -> (3, "attn_q", ".weight")
bool splitLayer(const std::string &name, int &layer, std::string &base, std::string &suffix) {
    if (name.rfind("blk.", 0) != 0)
        return false;
    const std::size_t dot = name.find('.', 4), last = name.rfind('.');
    if (dot == std::string::npos || last <= dot)
        return false;
    layer = std::atoi(name.substr(4, dot - 4).c_str());
    base = name.substr(dot + 1, last - dot - 1);
    suffix = name.substr(last);
    return true;
}

// The Llama-shaped families: llama, gemma, gemma2, gemma3, qwen3, phi3.
std::optional<Mapped> llamaLikeName(const std::string &arch, const std::string &name) {
    const bool gemma = arch.rfind("gemma", 0) == 0;
    const bool sandwich = arch == "gemma2" || arch == "gemma3"; // norms before and after attention and FFN
    const Transform norm = gemma ? Transform::MinusOne : Transform::None;
    if (name == "token_embd.weight")
        return Mapped{"model.embed_tokens.weight"};
    if (name == "output_norm.weight")
        return Mapped{"model.norm.weight", norm};
    if (name == "output.weight")
        return Mapped{"lm_head.weight"};
    int layer = 0;
    std::string base, suffix;
    if (!splitLayer(name, layer, base, suffix))
        return std::nullopt;
    const std::string p = "model.layers." + std::to_string(layer) + ".";
    static const std::map<std::string, std::string> modules = {
        {"attn_norm", "input_layernorm"},
        {"attn_q", "self_attn.q_proj"},
        {"attn_k", "self_attn.k_proj"},
        {"attn_v", "self_attn.v_proj"},
        {"attn_output", "self_attn.o_proj"},
        {"attn_qkv", "self_attn.qkv_proj"},
        {"attn_q_norm", "self_attn.q_norm"},
        {"attn_k_norm", "self_attn.k_norm"},
        {"ffn_gate", "mlp.gate_proj"},
        {"ffn_up", "mlp.up_proj"},
        {"ffn_down", "mlp.down_proj"},
        {"ffn_norm", "post_attention_layernorm"},
        {"post_attention_norm", "post_attention_layernorm"},
        {"post_ffw_norm", "post_feedforward_layernorm"},
    };
    std::string module;
    if (sandwich && base == "ffn_norm")
        module = "pre_feedforward_layernorm"; // Gemma 2/3: post_attention_layernorm is the norm after attention
    else if (!sandwich && (base == "post_attention_norm" || base == "post_ffw_norm"))
        return std::nullopt;
    else if (arch == "phi3" && base == "ffn_up")
        module = "mlp.gate_up_proj"; // (2 * ff, dim): gate rows, then up rows, in both conventions
    else if (const auto it = modules.find(base); it != modules.end())
        module = it->second;
    else
        return std::nullopt;
    Transform transform = Transform::None;
    if (base.size() > 5 && base.compare(base.size() - 4, 4, "norm") == 0)
        transform = norm;
    if (arch == "llama" && base == "attn_q")
        transform = Transform::UnpermuteQ;
    if (arch == "llama" && base == "attn_k")
        transform = Transform::UnpermuteK;
    return Mapped{p + module + suffix, transform};
}

std::optional<Mapped> gptNeoXName(const std::string &name) {
    if (name == "token_embd.weight")
        return Mapped{"gpt_neox.embed_in.weight"};
    if (name == "output_norm.weight" || name == "output_norm.bias")
        return Mapped{"gpt_neox.final_layer_norm" + name.substr(name.rfind('.'))};
    if (name == "output.weight")
        return Mapped{"embed_out.weight"};
    int layer = 0;
    std::string base, suffix;
    if (!splitLayer(name, layer, base, suffix))
        return std::nullopt;
    static const std::map<std::string, std::string> modules = {
        {"attn_norm", "input_layernorm"},   {"attn_qkv", "attention.query_key_value"},
        {"attn_output", "attention.dense"}, {"ffn_norm", "post_attention_layernorm"},
        {"ffn_up", "mlp.dense_h_to_4h"},    {"ffn_down", "mlp.dense_4h_to_h"},
    };
    const auto it = modules.find(base);
    if (it == modules.end())
        return std::nullopt;
    return Mapped{"gpt_neox.layers." + std::to_string(layer) + "." + it->second + suffix,
                  base == "attn_qkv" ? Transform::PerHeadQkv : Transform::None};
}

// ---------------------------------------------------------------------------------------------------------------
// Hyperparameters and config.json.

struct Hparams {
    std::string arch;
    int dim = 0, layers = 0, heads = 0, kvHeads = 0, ff = 0, context = 0, headDim = 0, vocab = 0, ropeDims = 0;
    double eps = 1e-6, theta = 10000;
};

Result<Hparams> hparamsOf(const gguf::File &f) {
    Hparams h;
    h.arch = f.getString("general.architecture").value_or("");
    auto integer = [&](const char *key, std::int64_t fallback) {
        return static_cast<int>(f.getInt(h.arch + "." + key).value_or(fallback));
    };
    h.dim = integer("embedding_length", 0);
    h.layers = integer("block_count", 0);
    h.heads = integer("attention.head_count", 0);
    if (h.dim <= 0 || h.layers <= 0 || h.heads <= 0)
        return makeError(f.name() + ": no embedding_length / block_count / head_count for \"" + h.arch + "\"");
    h.kvHeads = integer("attention.head_count_kv", h.heads);
    h.ff = integer("feed_forward_length", 0);
    h.context = integer("context_length", 2048);
    h.headDim = integer("attention.key_length", h.dim / h.heads);
    h.ropeDims = integer("rope.dimension_count", h.headDim);
    h.eps = shortest(f.getFloat(h.arch + ".attention.layer_norm_rms_epsilon")
                         .value_or(f.getFloat(h.arch + ".attention.layer_norm_epsilon").value_or(1e-6)));
    h.theta = shortest(f.getFloat(h.arch + ".rope.freq_base").value_or(10000.0)); // llama.cpp's default too
    const gguf::TensorInfo *embedding = f.tensor("token_embd.weight");
    if (!embedding || embedding->dims.size() != 2)
        return makeError(f.name() + ": no token_embd.weight matrix");
    h.vocab = static_cast<int>(embedding->dims[1]);
    return h;
}

QJsonValue optionalNumber(const gguf::File &f, const std::string &key) {
    const auto v = f.getFloat(key);
    return v ? QJsonValue(shortest(*v)) : QJsonValue(QJsonValue::Null);
}

QJsonArray floats(const std::vector<float> &values) {
    QJsonArray out;
    for (const float v : values)
        out.append(shortest(v));
    return out;
}

// Gemma 2/3: llama.cpp's swa pattern n makes layer il local when il % n < n - 1; transformers spells the same list.
QJsonArray layerTypes(int layers, int pattern) {
    QJsonArray out;
    for (int il = 0; il < layers; ++il)
        out.append(il % pattern < pattern - 1 ? "sliding_attention" : "full_attention");
    return out;
}

void addTokenIds(QJsonObject &c, const gguf::File &f) {
    const int bos = f.tokenId({"tokenizer.ggml.bos_token_id"}), eos = f.tokenId({"tokenizer.ggml.eos_token_id"});
    const int pad = f.tokenId({"tokenizer.ggml.padding_token_id"});
    if (bos >= 0)
        c["bos_token_id"] = bos;
    if (eos >= 0)
        c["eos_token_id"] = eos;
    if (pad >= 0)
        c["pad_token_id"] = pad;
}

Result<QJsonObject> configOf(const gguf::File &f, const Hparams &h, bool tied,
                             const std::map<std::string, std::vector<float>> &ropeFactors) {
    const std::string &a = h.arch;
    QJsonObject c;
    c["hidden_size"] = h.dim;
    c["intermediate_size"] = h.ff;
    c["num_hidden_layers"] = h.layers;
    c["num_attention_heads"] = h.heads;
    c["max_position_embeddings"] = h.context;
    c["vocab_size"] = h.vocab;
    c["tie_word_embeddings"] = tied;
    c["torch_dtype"] = "float32";
    addTokenIds(c, f);
    if (a == "gptneox") {
        c["architectures"] = QJsonArray{"GPTNeoXForCausalLM"};
        c["model_type"] = "gpt_neox";
        c["rotary_pct"] = shortest(double(h.ropeDims) / double(h.headDim));
        c["rotary_emb_base"] = h.theta; // older transformers' name
        c["rope_theta"] = h.theta;
        c["layer_norm_eps"] = h.eps;
        c["use_parallel_residual"] = f.getBool("gptneox.use_parallel_residual").value_or(true);
        c["attention_bias"] = true;
        // What Pythia's own configs say. AttnScope runs GPT-NeoX with the tanh GELU in both forms, as llama.cpp
        // (and so the reference) does.
        c["hidden_act"] = "gelu";
        return c;
    }
    c["num_key_value_heads"] = h.kvHeads;
    c["rms_norm_eps"] = h.eps;
    c["rope_theta"] = h.theta;
    c["attention_bias"] = false;
    if (a == "llama" || a == "qwen3" || a == "phi3")
        c["hidden_act"] = "silu";
    if (a != "phi3") // Phi-3's head size is always hidden / heads
        c["head_dim"] = h.headDim;
    if (a == "llama") {
        c["architectures"] = QJsonArray{"LlamaForCausalLM"};
        c["model_type"] = "llama";
    } else if (a == "qwen3") {
        c["architectures"] = QJsonArray{"Qwen3ForCausalLM"};
        c["model_type"] = "qwen3";
    } else if (a == "phi3") {
        c["architectures"] = QJsonArray{"Phi3ForCausalLM"};
        c["model_type"] = "phi3";
        c["original_max_position_embeddings"] =
            static_cast<int>(f.getInt("phi3.rope.scaling.original_context_length").value_or(h.context));
        // Llama.cpp applies no sliding window to phi3 (and the reference declares none).
        c["sliding_window"] = QJsonValue::Null;
        if (h.ropeDims != h.headDim)
            c["partial_rotary_factor"] = shortest(double(h.ropeDims) / double(h.headDim));
        const auto shortF = ropeFactors.find("rope_factors_short.weight"),
                   longF = ropeFactors.find("rope_factors_long.weight");
        if (shortF != ropeFactors.end() && longF != ropeFactors.end()) {
            // transformers' Phi3Config wants exactly these three keys and derives the attention factor from the
            // context lengths, as llama.cpp's converter did when it wrote phi3.rope.scaling.attn_factor.
            const double scale = double(h.context) / c["original_max_position_embeddings"].toDouble();
            const double derived =
                scale <= 1
                    ? 1.0
                    : std::sqrt(1 + std::log(scale) / std::log(c["original_max_position_embeddings"].toDouble()));
            const double stored = f.getFloat("phi3.rope.scaling.attn_factor").value_or(derived);
            if (std::abs(stored - derived) > 1e-6)
                return makeError(f.name() + ": phi3.rope.scaling.attn_factor " + std::to_string(stored) +
                                 " is not the " + std::to_string(derived) +
                                 " transformers derives from the context lengths");
            QJsonObject scaling;
            scaling["type"] = "longrope";
            scaling["short_factor"] = floats(shortF->second);
            scaling["long_factor"] = floats(longF->second);
            c["rope_scaling"] = scaling;
        } else {
            c["rope_scaling"] = QJsonValue::Null;
        }
    } else if (a == "gemma" || a == "gemma2" || a == "gemma3") {
        c["hidden_activation"] = "gelu_pytorch_tanh";
        if (a == "gemma") {
            c["architectures"] = QJsonArray{"GemmaForCausalLM"};
            c["model_type"] = "gemma";
            return c;
        }
        c["hidden_act"] = "gelu_pytorch_tanh";
        // Llama.cpp scales queries by 1/sqrt(head_dim) (by 1/sqrt(hidden / heads) only for the 27B models).
        c["query_pre_attn_scalar"] = h.headDim;
        c["attn_logit_softcapping"] = optionalNumber(f, a + ".attn_logit_softcapping");
        c["final_logit_softcapping"] = optionalNumber(f, a + ".final_logit_softcapping");
        const auto window = f.getInt(a + ".attention.sliding_window");
        if (!window)
            return makeError(f.name() + ": no " + a + ".attention.sliding_window");
        c["sliding_window"] = static_cast<int>(*window);
        if (a == "gemma2") {
            c["architectures"] = QJsonArray{"Gemma2ForCausalLM"};
            c["model_type"] = "gemma2";
            c["layer_types"] = layerTypes(h.layers, 2); // llama.cpp: pattern 2 for every Gemma 2
            return c;
        }
        c["architectures"] = QJsonArray{"Gemma3ForCausalLM"};
        c["model_type"] = "gemma3_text";
        const int pattern = static_cast<int>(f.getInt("gemma3.attention.sliding_window_pattern").value_or(6));
        c["sliding_window_pattern"] = pattern;
        c["layer_types"] = layerTypes(h.layers, pattern);
        // rope_theta is the global layers' base; local layers use rope_local_base_freq, unscaled.
        c["rope_local_base_freq"] = shortest(f.getFloat("gemma3.rope.freq_base_swa").value_or(10000.0));
        const auto type = f.getString("gemma3.rope.scaling.type");
        const auto factor = f.getFloat("gemma3.rope.scaling.factor");
        if (type && factor && *type != "none") {
            QJsonObject scaling;
            scaling["rope_type"] = QString::fromStdString(*type);
            scaling["factor"] = shortest(*factor);
            c["rope_scaling"] = scaling;
        } else {
            c["rope_scaling"] = QJsonValue::Null;
        }
    } else {
        return makeError(f.name() + ": architecture \"" + a + "\" has no Hugging Face writer here");
    }
    return c;
}

// ---------------------------------------------------------------------------------------------------------------
// Tokenizer files.

std::string pieceOf(const gguf::File &f, int id) {
    const gguf::Array *tokens = f.getArray("tokenizer.ggml.tokens");
    return tokens && id >= 0 && static_cast<std::size_t>(id) < tokens->strings.size()
               ? std::string(tokens->strings[static_cast<std::size_t>(id)])
               : std::string();
}

QJsonValue tokenName(const gguf::File &f, const char *key) {
    const int id = f.tokenId({key});
    return id >= 0 ? QJsonValue(QString::fromStdString(pieceOf(f, id))) : QJsonValue(QJsonValue::Null);
}

// llama.cpp's regexes for a tokenizer.ggml.pre, as the tokenizer.json pre-tokenizer that splits the same way:
// each regex in turn isolates its matches (unicode_regex_split), then the byte-level mapping without its own regex.
Result<QJsonObject> preTokenizerFor(const std::string &pre) {
    auto byteLevel = [](bool useRegex) {
        return QJsonObject{
            {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", useRegex}};
    };
    if (pre == "gpt-2") // GPT-2's regex is ByteLevel's own
        return byteLevel(true);
    if (!pre.empty() && pre != "default")
        return makeError("tokenizer.ggml.pre \"" + pre + "\" has no tokenizer.json pre-tokenizer in this writer");
    // llama.cpp's "default" (no tokenizer.ggml.pre, as in older GPT-NeoX files): four regexes, not GPT-2's one.
    const char *const regexes[] = {
        "[\\p{P}\\$\\+<=>\\^~\\|]+",
        "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)",
        "\\p{N}+",
        "[0-9][0-9][0-9]",
    };
    QJsonArray steps;
    for (const char *re : regexes)
        steps.append(QJsonObject{
            {"type", "Split"}, {"pattern", QJsonObject{{"Regex", re}}}, {"behavior", "Isolated"}, {"invert", false}});
    steps.append(byteLevel(false));
    return QJsonObject{{"type", "Sequence"}, {"pretokenizers", steps}};
}

// tokenizer.json for a "gpt2" (byte-level BPE) vocabulary, in the shape transformers' GPT-2 / GPT-NeoX files have.
Result<QByteArray> tokenizerJson(const gguf::File &f) {
    const gguf::Array *tokens = f.getArray("tokenizer.ggml.tokens");
    const gguf::Array *types = f.getArray("tokenizer.ggml.token_type");
    const gguf::Array *merges = f.getArray("tokenizer.ggml.merges");
    if (!tokens || !merges || tokens->strings.empty())
        return makeError(f.name() + ": a gpt2 vocabulary needs tokenizer.ggml.tokens and tokenizer.ggml.merges");
    auto pre = preTokenizerFor(f.getString("tokenizer.ggml.pre").value_or(""));
    if (!pre)
        return pre.error();

    QJsonArray added;
    std::map<std::string_view, int> ids;
    for (std::size_t i = 0; i < tokens->strings.size(); ++i) {
        ids.emplace(tokens->strings[i], static_cast<int>(i));
        const std::int64_t type = types ? types->integer(i) : 1;
        if (type != 3 && type != 4) // control tokens are special; user-defined ones are matched in the text too
            continue;
        added.append(
            QJsonObject{{"id", static_cast<int>(i)},
                        {"content", QString::fromUtf8(tokens->strings[i].data(), qsizetype(tokens->strings[i].size()))},
                        {"single_word", false},
                        {"lstrip", false},
                        {"rstrip", false},
                        {"normalized", false},
                        {"special", type == 3}});
    }
    const bool addBos = f.getBool("tokenizer.ggml.add_bos_token").value_or(false); // llama.cpp's default for BPE
    const int bos = f.tokenId({"tokenizer.ggml.bos_token_id"});
    QJsonObject post;
    if (addBos && bos >= 0) {
        const QString b = QString::fromStdString(pieceOf(f, bos));
        const QJsonObject special{{"SpecialToken", QJsonObject{{"id", b}, {"type_id", 0}}}};
        auto seq = [](const char *id) { return QJsonObject{{"Sequence", QJsonObject{{"id", id}, {"type_id", 0}}}}; };
        post = QJsonObject{
            {"type", "TemplateProcessing"},
            {"single", QJsonArray{special, seq("A")}},
            {"pair", QJsonArray{special, seq("A"), special, seq("B")}},
            {"special_tokens",
             QJsonObject{{b, QJsonObject{{"id", b}, {"ids", QJsonArray{bos}}, {"tokens", QJsonArray{b}}}}}}};
    } else {
        post = QJsonObject{
            {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", true}};
    }
    const QJsonObject decoder{
        {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
    auto compact = [](const QJsonValue &v) {
        return v.isObject() ? QJsonDocument(v.toObject()).toJson(QJsonDocument::Compact)
                            : QJsonDocument(v.toArray()).toJson(QJsonDocument::Compact);
    };

    QByteArray out;
    out.reserve(qsizetype(tokens->strings.size()) * 24 + qsizetype(merges->strings.size()) * 16);
    out +=
        "{\n \"version\": \"1.0\",\n \"truncation\": null,\n \"padding\": null,\n \"added_tokens\": " + compact(added) +
        ",\n \"normalizer\": null,\n \"pre_tokenizer\": " + compact(pre.value()) +
        ",\n \"post_processor\": " + compact(post) + ",\n \"decoder\": " + compact(decoder) +
        ",\n \"model\": {\"type\": \"BPE\", \"dropout\": null, \"unk_token\": null, \"continuing_subword_prefix\": "
        "\"\", "
        "\"end_of_word_suffix\": \"\", \"fuse_unk\": false, \"byte_fallback\": false, \"ignore_merges\": false,\n"
        "  \"vocab\": {";
    for (std::size_t i = 0; i < tokens->strings.size(); ++i) {
        out += i ? ", " : "";
        appendJsonString(out, tokens->strings[i]);
        out += ": " + QByteArray::number(qulonglong(i));
    }
    out += "},\n  \"merges\": [";
    bool first = true;
    for (const std::string_view m : merges->strings) {
        // transformers refuses a merge whose parts or result are not tokens; llama.cpp skips them.
        const std::size_t space = m.find(' ', 1);
        if (space == std::string_view::npos || !ids.count(m.substr(0, space)) || !ids.count(m.substr(space + 1)) ||
            !ids.count(std::string(m.substr(0, space)) + std::string(m.substr(space + 1))))
            continue;
        out += first ? "" : ", ";
        first = false;
        appendJsonString(out, m);
    }
    out += "]}\n}\n";
    return out;
}

Result<std::map<QString, QByteArray>> tokenizerFiles(const gguf::File &f, const Hparams &h) {
    const std::string kind = f.getString("tokenizer.ggml.model").value_or("");
    std::map<QString, QByteArray> files;
    QJsonObject config;
    config["model_max_length"] = h.context;
    // Qwen's own tokenizer_config.json names no BOS (config.json still has bos_token_id).
    config["bos_token"] =
        h.arch == "qwen3" ? QJsonValue(QJsonValue::Null) : tokenName(f, "tokenizer.ggml.bos_token_id");
    config["eos_token"] = tokenName(f, "tokenizer.ggml.eos_token_id");
    if (kind == "llama") {
        auto proto = attnscope::sentencePieceProtoFromGguf(f);
        if (!proto)
            return proto.error();
        files["tokenizer.model"] = QByteArray(proto->data(), qsizetype(proto->size()));
        config["add_bos_token"] = f.getBool("tokenizer.ggml.add_bos_token").value_or(true);
        config["add_eos_token"] = f.getBool("tokenizer.ggml.add_eos_token").value_or(false);
        config["unk_token"] = tokenName(f, "tokenizer.ggml.unknown_token_id");
        if (f.tokenId({"tokenizer.ggml.padding_token_id"}) >= 0)
            config["pad_token"] = tokenName(f, "tokenizer.ggml.padding_token_id");
        config["tokenizer_class"] = "LlamaTokenizer"; // every "llama" GGUF vocabulary here is Llama's sentencepiece
    } else if (kind == "gpt2") {
        auto json = tokenizerJson(f);
        if (!json)
            return json.error();
        files["tokenizer.json"] = json.value();
        config["add_bos_token"] = f.getBool("tokenizer.ggml.add_bos_token").value_or(false);
        config["add_eos_token"] = false;
        config["tokenizer_class"] = h.arch == "gptneox" ? "GPTNeoXTokenizer" : "GPT2Tokenizer";
    } else {
        return makeError(f.name() + ": tokenizer.ggml.model \"" + kind + "\" has no Hugging Face writer here");
    }
    files["tokenizer_config.json"] = indented(config);
    return files;
}

// ---------------------------------------------------------------------------------------------------------------
// Writing.

std::size_t bytesPerValue(Dtype d) {
    return d == Dtype::F32 ? 4 : 2;
}

QString writeFile(const QString &path, const QByteArray &bytes) {
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size())
        return path + ": " + file.errorString();
    return {};
}

} // namespace

Result<Folder> fromGguf(const gguf::File &file, Variant variant) {
    auto hp = hparamsOf(file);
    if (!hp)
        return hp.error();
    const Hparams &h = hp.value();
    if (variant == Variant::ConditionalGeneration && h.arch != "gemma3")
        return makeError(file.name() + ": only gemma3 has a ForConditionalGeneration variant here");
    Folder folder;
    std::map<std::string, std::vector<float>> ropeFactors;
    for (const gguf::TensorInfo &t : file.tensors()) {
        auto tensor = readTensor(t);
        if (!tensor)
            return tensor.error();
        if (t.name == "rope_factors_short.weight" || t.name == "rope_factors_long.weight") {
            ropeFactors[t.name] = tensor->values; // config.json's rope_scaling, not a weight in HF
            continue;
        }
        const auto mapped = h.arch == "gptneox" ? gptNeoXName(t.name) : llamaLikeName(h.arch, t.name);
        if (!mapped)
            return makeError(file.name() + ": no Hugging Face name for tensor " + t.name + " of " + h.arch);
        Tensor out;
        switch (mapped->transform) {
        case Transform::None:
            out = std::move(tensor.value());
            break;
        case Transform::MinusOne:
            out = minusOne(tensor.value());
            break;
        case Transform::UnpermuteQ:
            out = unpermuteRope(tensor.value(), h.heads);
            break;
        case Transform::UnpermuteK:
            out = unpermuteRope(tensor.value(), h.kvHeads);
            break;
        case Transform::PerHeadQkv:
            out = perHeadQkv(tensor.value(), h.heads);
            break;
        }
        std::string name = mapped->name;
        if (variant == Variant::ConditionalGeneration) // transformers' Gemma 3 multimodal checkpoint names
            name = "language_model." + name;
        folder.tensors[name] = std::move(out);
    }
    const bool tied = !file.tensor("output.weight");
    auto config = configOf(file, h, tied, ropeFactors);
    if (!config)
        return config.error();
    folder.config = config.value();
    if (variant == Variant::ConditionalGeneration) {
        QJsonObject text = folder.config;
        text.remove("architectures");
        text.remove("torch_dtype");
        folder.config = QJsonObject{{"architectures", QJsonArray{"Gemma3ForConditionalGeneration"}},
                                    {"model_type", "gemma3"},
                                    {"torch_dtype", "float32"},
                                    {"text_config", text}};
    }
    auto files = tokenizerFiles(file, h);
    if (!files)
        return files.error();
    folder.files = std::move(files.value());
    return folder;
}

QByteArray safetensors(const Tensors &tensors, const std::vector<std::string> &names) {
    QByteArray header = "{\"__metadata__\":{\"format\":\"pt\"}", data;
    for (const std::string &name : names) {
        const Tensor &t = tensors.at(name);
        const qsizetype begin = data.size();
        for (const float v : t.values) {
            if (t.dtype == Dtype::F32) {
                data.append(reinterpret_cast<const char *>(&v), 4);
                continue;
            }
            std::uint16_t half = 0;
            if (t.dtype == Dtype::F16) {
                half = attnscope::floatToHalf(v);
            } else {
                std::uint32_t bits;
                const float rounded = roundToBf16(v);
                std::memcpy(&bits, &rounded, 4);
                half = static_cast<std::uint16_t>(bits >> 16);
            }
            data.append(reinterpret_cast<const char *>(&half), 2);
        }
        header += ",";
        appendJsonString(header, name);
        header += QByteArray(":{\"dtype\":\"") + dtypeName(t.dtype) + "\",\"shape\":[";
        for (std::size_t i = 0; i < t.shape.size(); ++i)
            header += (i ? "," : "") + QByteArray::number(qlonglong(t.shape[i]));
        header += "],\"data_offsets\":[" + QByteArray::number(qlonglong(begin)) + "," +
                  QByteArray::number(qlonglong(data.size())) + "]}";
    }
    header += "}";
    while (header.size() % 8) // as the safetensors library pads: the data starts 8-byte aligned
        header += ' ';
    QByteArray out(8, '\0');
    const std::uint64_t n = std::uint64_t(header.size());
    std::memcpy(out.data(), &n, 8);
    return out + header + data;
}

QString write(const Folder &folder, const QString &dir, const WriteOptions &options) {
    if (!QDir().mkpath(dir))
        return dir + ": cannot create the folder";
    Tensors stored = folder.tensors;
    QJsonObject config = folder.config;
    if (options.dtype) {
        for (auto &[name, t] : stored)
            t.dtype = *options.dtype;
        config["torch_dtype"] = *options.dtype == Dtype::F32   ? "float32"
                                : *options.dtype == Dtype::F16 ? "float16"
                                                               : "bfloat16";
    }
    if (QString e = writeFile(dir + "/config.json", indented(config)); !e.isEmpty())
        return e;
    for (const auto &[name, bytes] : folder.files)
        if (QString e = writeFile(dir + "/" + name, bytes); !e.isEmpty())
            return e;

    std::vector<std::string> names;
    std::size_t total = 0;
    for (const auto &[name, t] : stored) {
        names.push_back(name);
        total += t.values.size() * bytesPerValue(t.dtype);
    }
    const int shards = std::max(1, std::min(options.shards, static_cast<int>(names.size())));
    if (shards == 1)
        return writeFile(dir + "/model.safetensors", safetensors(stored, names));
    // Consecutive runs of names, as even in count as they come (every shard gets at least one tensor).
    QJsonObject weightMap;
    for (int k = 0; k < shards; ++k) {
        const QString file =
            QString("model-%1-of-%2.safetensors").arg(k + 1, 5, 10, QChar('0')).arg(shards, 5, 10, QChar('0'));
        const std::vector<std::string> part(
            names.begin() + std::ptrdiff_t(names.size() * std::size_t(k) / std::size_t(shards)),
            names.begin() + std::ptrdiff_t(names.size() * std::size_t(k + 1) / std::size_t(shards)));
        for (const std::string &name : part)
            weightMap[QString::fromStdString(name)] = file;
        if (QString e = writeFile(dir + "/" + file, safetensors(stored, part)); !e.isEmpty())
            return e;
    }
    const QJsonObject index{{"metadata", QJsonObject{{"total_size", qint64(total)}}}, {"weight_map", weightMap}};
    return writeFile(dir + "/model.safetensors.index.json", indented(index));
}

} // namespace hfwriter
