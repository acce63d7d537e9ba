// Settings: a family's hyper-parameters from GGUF metadata or from config.json, with one message for a missing,
// wrong-typed or absurd value. Also the settings most families share and the checks every model must pass.
#include "arch/family.h"

#include "attnscope/gguf.h"

#include <algorithm>
#include <cmath>

namespace attnscope::arch {

namespace {

// A config.json array converted item by item; `what` names the items for the message ("number", "string").
template <typename T, typename Convert>
std::optional<std::vector<T>> jsonArray(const Settings &s, Key key, const std::optional<json::Element> &e,
                                        const std::string &what, Convert convert) {
    if (!e)
        return std::nullopt;
    if (!json::isArray(*e)) {
        s.fail(s.where(key) + " is not an array of " + what + "s");
        return std::nullopt;
    }
    std::vector<T> out;
    for (const json::Element &item : json::items(*e)) {
        const auto x = convert(item);
        if (!x) {
            s.fail(s.where(key) + " holds something that is not a " + what);
            return std::nullopt;
        }
        out.emplace_back(*x);
    }
    return out;
}

} // namespace

Settings::Settings(const gguf::File &file, std::string architecture)
    : m_gguf(&file), m_architecture(std::move(architecture)), m_fileName(file.name()) {}

Settings::Settings(json::Element config, std::string fileName) : m_config(config), m_fileName(std::move(fileName)) {}

std::string Settings::where(Key key) const {
    const char *n = name(key);
    if (!n)
        return m_fileName;
    return gguf() ? m_fileName + ": metadata " + m_architecture + "." + n : m_fileName + ": config.json " + n;
}

void Settings::fail(const std::string &problem) const {
    if (m_problem.empty())
        m_problem = problem;
}

std::optional<json::Element> Settings::find(const char *dotted) const {
    json::Element at = m_config;
    std::string_view path(dotted);
    while (true) {
        const std::size_t dot = path.find('.');
        const auto next = json::member(at, path.substr(0, dot));
        if (!next)
            return std::nullopt;
        at = *next;
        if (dot == std::string_view::npos)
            return at;
        path.remove_prefix(dot + 1);
    }
}

bool Settings::absent(const char *dotted) const {
    return !find(dotted);
}

std::optional<json::Element> Settings::member(const char *dotted) const {
    const auto at = find(dotted);
    if (!at || json::isNull(*at))
        return std::nullopt;
    return at;
}

std::optional<double> Settings::hfDefault(const char *n) const {
    for (const auto &[key, value] : m_defaults)
        if (key == n)
            return value;
    return std::nullopt;
}

bool Settings::has(Key key) const {
    const char *n = name(key);
    if (!n)
        return false;
    return gguf() ? m_gguf->find(m_architecture + "." + n) != nullptr : member(n).has_value() || (absent(n) && hfDefault(n));
}

template <typename T, typename FromGguf, typename FromJson>
std::optional<T> Settings::read(Key key, const char *what, FromGguf fromGguf, FromJson fromJson) const {
    const char *n = name(key);
    if (!n)
        return std::nullopt;
    if (gguf()) {
        const gguf::Value *v = m_gguf->find(m_architecture + "." + n);
        if (!v)
            return std::nullopt;
        std::optional<T> x = fromGguf(*v);
        if (!x)
            fail(where(key) + " is a " + gguf::valueTypeName(v->type) + ", not " + what);
        return x;
    }
    const auto e = member(n);
    if (!e)
        return std::nullopt;
    std::optional<T> x = fromJson(*e);
    if (!x)
        fail(where(key) + " is not " + what);
    return x;
}

std::optional<std::int64_t> Settings::integer(Key key) const {
    if (!gguf() && key.hf && absent(key.hf)) {
        const auto d = hfDefault(key.hf);
        return d ? std::optional<std::int64_t>(static_cast<std::int64_t>(*d)) : std::nullopt;
    }
    return read<std::int64_t>(
        key, "a whole number",
        [](const gguf::Value &v) { return v.isInteger() ? v.asInt() : std::nullopt; },
        [](json::Element e) { return json::integer(e); });
}

std::optional<double> Settings::number(Key key) const {
    if (!gguf() && key.hf && absent(key.hf))
        return hfDefault(key.hf);
    const auto v = read<double>(
        key, "a number", [](const gguf::Value &v) { return v.asFloat(); }, [](json::Element e) { return json::number(e); });
    if (v && !std::isfinite(*v)) {
        fail(where(key) + " is not a finite number");
        return std::nullopt;
    }
    return v;
}

std::optional<bool> Settings::boolean(Key key) const {
    return read<bool>(
        key, "true or false",
        [](const gguf::Value &v) { return v.type == gguf::ValueType::Bool ? std::optional<bool>(v.u != 0) : std::nullopt; },
        [](json::Element e) { return json::boolean(e); });
}

std::optional<std::string> Settings::string(Key key) const {
    return read<std::string>(
        key, "a string",
        [](const gguf::Value &v) {
            return v.type == gguf::ValueType::String ? std::optional<std::string>(std::string(v.str)) : std::nullopt;
        },
        [](json::Element e) {
            const auto s = json::string(e);
            return s ? std::optional<std::string>(std::string(*s)) : std::nullopt;
        });
}

std::optional<std::vector<double>> Settings::numbers(Key key) const {
    const char *n = name(key);
    if (!n)
        return std::nullopt;
    std::vector<double> out;
    if (gguf()) {
        const gguf::Value *v = m_gguf->find(m_architecture + "." + n);
        if (!v)
            return std::nullopt;
        if (v->type != gguf::ValueType::Array || !v->array || v->array->elementType == gguf::ValueType::String ||
            v->array->elementType == gguf::ValueType::Array) {
            fail(where(key) + " is not an array of numbers");
            return std::nullopt;
        }
        if (v->array->count > (1u << 20)) {
            fail(where(key) + " has " + std::to_string(v->array->count) + " values, implausibly many");
            return std::nullopt;
        }
        for (std::uint64_t i = 0; i < v->array->count; ++i)
            out.push_back(v->array->number(i));
    } else {
        auto items = jsonArray<double>(*this, key, member(n), "number", [](json::Element e) { return json::number(e); });
        if (!items)
            return std::nullopt;
        out = std::move(*items);
    }
    for (double x : out)
        if (!std::isfinite(x)) {
            fail(where(key) + " holds a value that is not a finite number");
            return std::nullopt;
        }
    return out;
}

std::optional<std::vector<std::string>> Settings::strings(Key key) const {
    const char *n = name(key);
    if (!n)
        return std::nullopt;
    std::vector<std::string> out;
    if (gguf()) {
        const gguf::Value *v = m_gguf->find(m_architecture + "." + n);
        if (!v)
            return std::nullopt;
        if (v->type != gguf::ValueType::Array || !v->array || v->array->elementType != gguf::ValueType::String) {
            fail(where(key) + " is not an array of strings");
            return std::nullopt;
        }
        for (std::string_view s : v->array->strings)
            out.emplace_back(s);
        return out;
    }
    return jsonArray<std::string>(*this, key, member(n), "string", [](json::Element e) { return json::string(e); });
}

std::optional<double> Settings::positive(Key key) const {
    const auto v = number(key);
    if (v && !(*v > 0)) {
        fail(where(key) + " = " + std::to_string(*v) + " must be positive");
        return std::nullopt;
    }
    return v;
}

std::optional<int> Settings::count(Key key, std::int64_t lo, std::int64_t hi) const {
    const auto v = integer(key);
    if (!v)
        return std::nullopt;
    if (*v < lo || *v > hi) {
        fail(where(key) + " = " + std::to_string(*v) + " is implausible (expected " + std::to_string(lo) + " to " +
             std::to_string(hi) + ")");
        return std::nullopt;
    }
    return static_cast<int>(*v);
}

int Settings::size(Key key, std::int64_t limit) const {
    const auto v = integer(key);
    if (!v) {
        if (!has(key))
            fail(where(key) + " is missing");
        return 0;
    }
    if (*v < 1 || *v > limit) {
        fail(where(key) + " = " + std::to_string(*v) + " is implausible (expected 1 to " + std::to_string(limit) + ")");
        return 0;
    }
    return static_cast<int>(*v);
}

std::string hfRopeKey(const Settings &s, std::string_view field, bool local) {
    // transformers 5 keeps the rope settings in rope_parameters, per layer type for models with two RoPEs.
    if (s.has({nullptr, "rope_parameters.full_attention"}) || s.has({nullptr, "rope_parameters.sliding_attention"}))
        return std::string("rope_parameters.") + (local ? "sliding_attention." : "full_attention.") + std::string(field);
    if (s.has({nullptr, "rope_parameters"}))
        return "rope_parameters." + std::string(field);
    if (field == "rope_theta" || field == "partial_rotary_factor")
        return std::string(field);
    return "rope_scaling." + std::string(field);
}

std::string ropeType(const Settings &s, bool local) {
    if (s.gguf())
        return s.string({"rope.scaling.type", nullptr}).value_or("");
    const std::string byType = hfRopeKey(s, "rope_type", local), older = hfRopeKey(s, "type", local);
    return s.string({nullptr, s.has({nullptr, byType.c_str()}) ? byType.c_str() : older.c_str()}).value_or("");
}

void readCommonSettings(const Settings &s, ModelConfig &c, std::initializer_list<std::string_view> ownRopeTypes) {
    c.dim = s.size({"embedding_length", "hidden_size"}, std::int64_t(1) << 16);
    c.hiddenDim = s.size({"feed_forward_length", "intermediate_size"}, std::int64_t(1) << 19);
    c.layers = s.size({"block_count", "num_hidden_layers"}, 1024);
    c.heads = s.size({"attention.head_count", "num_attention_heads"}, 4096);
    c.kvHeads = c.heads;
    if (s.has({"attention.head_count_kv", "num_key_value_heads"}))
        c.kvHeads = s.size({"attention.head_count_kv", "num_key_value_heads"}, 4096);
    c.contextLength = s.gguf() ? s.size({"context_length", nullptr}, std::int64_t(1) << 24)
                               : s.count({nullptr, "max_position_embeddings"}, 1, std::int64_t(1) << 24).value_or(2048);
    if (s.has({"attention.key_length", "head_dim"}))
        c.headDim = s.size({"attention.key_length", "head_dim"}, 4096);
    if (s.gguf() && s.has({"attention.value_length", nullptr}) &&
        s.integer({"attention.value_length", nullptr}).value_or(0) != c.headSize())
        s.fail(s.where({"attention.value_length", nullptr}) + " differs from the key length; AttnScope needs them equal");
    c.rmsEps = static_cast<float>(s.number({"attention.layer_norm_rms_epsilon", "rms_norm_eps"}).value_or(1e-6));
    const std::string theta = hfRopeKey(s, "rope_theta");
    c.ropeTheta = static_cast<float>(s.number({"rope.freq_base", theta.c_str()}).value_or(10000.0));
    if (s.has({"rope.dimension_count", nullptr}))
        c.ropeDim = s.size({"rope.dimension_count", nullptr}, 4096);
    // Linear position scaling: GGUF rope.scaling.type "linear" with rope.scaling.factor; config.json
    // {"rope_type" or "type": "linear", "factor"} in rope_scaling (or rope_parameters).
    const std::string type = ropeType(s);
    const std::string factorKey = hfRopeKey(s, "factor");
    const Key factor{"rope.scaling.factor", factorKey.c_str()};
    if (type == "linear") {
        const double f = s.number(factor).value_or(1.0);
        if (!(f >= 1.0 / 1024 && f <= 1024))
            s.fail(s.where(factor) + " = " + std::to_string(f) + " is implausible");
        else
            c.ropeScale = static_cast<float>(1.0 / f);
        c.ropeScaling = "linear";
    } else if (!type.empty() && type != "none" && type != "default" &&
               std::find(ownRopeTypes.begin(), ownRopeTypes.end(), type) == ownRopeTypes.end()) {
        // YaRN, dynamic NTK, or a type only another family applies: positions would be rotated differently from
        // the model's own definition.
        s.fail(s.where({"rope.scaling.type", "rope_scaling"}) + " is \"" + type + "\"; AttnScope runs " + c.family +
               " with " + (ownRopeTypes.size() ? std::string(*ownRopeTypes.begin()) + " or " : std::string()) +
               "linear rope scaling, not this one");
    }
}

std::string checkConfig(const ModelConfig &c) {
    auto n = [](auto v) { return std::to_string(v); };
    if (c.dim <= 0 || c.hiddenDim <= 0 || c.layers <= 0 || c.heads <= 0 || c.kvHeads <= 0 || c.contextLength <= 0)
        return "sizes are missing or not positive (width " + n(c.dim) + ", feed-forward " + n(c.hiddenDim) + ", " +
               n(c.layers) + " layers, " + n(c.heads) + " heads, " + n(c.kvHeads) + " key/value heads, context " +
               n(c.contextLength) + ")";
    if (c.kvHeads > c.heads || c.heads % c.kvHeads != 0)
        return n(c.heads) + " query heads cannot share " + n(c.kvHeads) + " key/value heads evenly";
    if (c.headDim == 0 && c.dim % c.heads != 0)
        return "width " + n(c.dim) + " is not a multiple of the " + n(c.heads) + " heads, and no head size is given";
    if (c.headSize() <= 0 || static_cast<std::int64_t>(c.heads) * c.headSize() > (std::int64_t(1) << 18))
        return "head size " + n(c.headSize()) + " is implausible";
    if (c.vocabSize < 0 || c.vocabSize > (1 << 22)) // 0 until the embedding is read
        return "vocabulary size " + n(c.vocabSize) + " is implausible";
    if (c.contextLength > (1 << 24))
        return "context length " + n(c.contextLength) + " is implausible";
    if (!(c.rmsEps > 0 && c.rmsEps < 1))
        return "norm epsilon " + std::to_string(c.rmsEps) + " is not between 0 and 1";
    if (c.positions != Positions::Learned) {
        if (!(c.ropeTheta > 1 && std::isfinite(c.ropeTheta)) ||
            (c.ropeThetaLocal != 0 && !(c.ropeThetaLocal > 1 && std::isfinite(c.ropeThetaLocal))))
            return "rope base " + std::to_string(c.ropeTheta) + " is implausible";
        if (c.rotaryDim() <= 0 || c.rotaryDim() > c.headSize() || c.rotaryDim() % 2 != 0)
            return "rotary dimensions (" + n(c.rotaryDim()) + ") do not fit a head of " + n(c.headSize());
        if (!(c.ropeScale > 0) || !(c.ropeScaleLocal > 0) || !(c.ropeAttnFactor > 0 && c.ropeAttnFactor < 100))
            return "rope scaling factors must be positive";
        const std::size_t pairs = static_cast<std::size_t>(c.rotaryDim() / 2);
        for (const std::vector<float> *f : {&c.ropeFactors, &c.ropeFactorsLong}) {
            if (!f->empty() && f->size() != pairs)
                return "rope factors have " + n(f->size()) + " values, expected " + n(pairs) +
                       " (half the rotary dimensions)";
            for (float x : *f)
                if (!(x > 0 && std::isfinite(x)))
                    return "rope factors must be positive numbers";
        }
    }
    if (c.slidingWindow < 0 || c.slidingWindow > c.contextLength)
        return "sliding window " + n(c.slidingWindow) + " is larger than the context of " + n(c.contextLength);
    if (!c.localLayers.empty() && c.localLayers.size() != static_cast<std::size_t>(c.layers))
        return "the sliding-window layer pattern names " + n(c.localLayers.size()) + " layers, the model has " +
               n(c.layers);
    if (c.attnSoftcap < 0 || c.finalSoftcap < 0 || !std::isfinite(c.attnSoftcap) || !std::isfinite(c.finalSoftcap))
        return "softcaps must be positive";
    if (!(c.queryScale >= 0 && std::isfinite(c.queryScale)) || !(c.embedScale > 0 && std::isfinite(c.embedScale)))
        return "query or embedding scale is not a positive number";
    return {};
}

} // namespace attnscope::arch
