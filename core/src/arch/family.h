// What a model family is: its name in GGUF and in Hugging Face configs, how it reads its settings (Settings: GGUF
// metadata or config.json), how it finds its tensors (WeightReader: llama.cpp's names or Hugging Face's), and its
// layer as a composition of the shared blocks in runtime/blocks.h. One file per family in this folder defines one
// Family; registry.cpp lists them. Nothing outside a family's file asks which family a model is.
#pragma once

#include "attnscope/model.h"
#include "attnscope/result.h"
#include "io/json.h"

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope {

namespace gguf {
class File;
}

namespace arch {

class LayerPass;

// A setting's name in both forms: the GGUF key without the "<architecture>." prefix ("attention.sliding_window"),
// and the config.json member, dotted for nested objects ("rope_scaling.factor"). Null: that form has none.
struct Key {
    const char *gguf = nullptr;
    const char *hf = nullptr;
};

// The hyper-parameters of a model as one form stores them. Absent values are nullopt; a value of the wrong type
// (or an absurd one a family rejects) becomes the first problem, which the loader reports.
class Settings {
public:
    Settings(const gguf::File &file, std::string architecture); // GGUF metadata, keys "<architecture>.<key>"
    Settings(json::Element config, std::string fileName);       // config.json (or its text_config)

    bool gguf() const { return m_gguf != nullptr; }
    // transformers' defaults of the family's config class, for config.json members a checkpoint leaves out (the
    // text_config of Gemma3ForConditionalGeneration names only what differs from Gemma3TextConfig).
    void setHfDefaults(std::vector<std::pair<std::string, double>> defaults) const { m_defaults = std::move(defaults); }
    std::optional<std::int64_t> integer(Key key) const;
    std::optional<double> number(Key key) const; // also reads integers; JSON null counts as absent
    std::optional<bool> boolean(Key key) const;
    std::optional<std::string> string(Key key) const;
    std::optional<std::vector<double>> numbers(Key key) const; // an array of numbers
    std::optional<std::vector<std::string>> strings(Key key) const;
    bool has(Key key) const;

    // A number that must be > 0 when present (a softcap, a scale); nullopt when absent.
    std::optional<double> positive(Key key) const;
    // An integer in [lo, hi] when present (a window, a context length); outside it, a message and nullopt.
    std::optional<int> count(Key key, std::int64_t lo, std::int64_t hi) const;
    // A required positive integer at most `limit`.
    int size(Key key, std::int64_t limit) const;
    // Where a key is, for messages: "gemma2.attn_logit_softcapping" or "config.json attn_logit_softcapping".
    std::string where(Key key) const;

    void fail(const std::string &problem) const;
    const std::string &problem() const { return m_problem; }

private:
    const char *name(Key key) const { return gguf() ? key.gguf : key.hf; }
    std::optional<json::Element> find(const char *dotted) const;   // the member, null included; nullopt when absent
    std::optional<json::Element> member(const char *dotted) const; // nullopt when absent or null
    bool absent(const char *dotted) const; // not in config.json at all (null is present: "none")
    const gguf::File *m_gguf = nullptr;
    std::string m_architecture;
    json::Element m_config;
    std::string m_fileName;
    std::optional<double> hfDefault(const char *name) const;
    // One value in either form: nullopt when absent; converted, or a message that it is not `what` ("a bool").
    template <typename T, typename FromGguf, typename FromJson>
    std::optional<T> read(Key key, const char *what, FromGguf fromGguf, FromJson fromJson) const;
    mutable std::string m_problem;
    mutable std::vector<std::pair<std::string, double>> m_defaults;
};

// A tensor's name in both forms with "{}" for the layer number: {"blk.{}.attn_q.weight",
// "model.layers.{}.self_attn.q_proj.weight"}. Null: that form has no such tensor.
struct Name {
    const char *gguf = nullptr;
    const char *hf = nullptr;
};

// One stored tensor, shape in (rows, cols) = (out, in) order whatever the file's own order.
struct StoredTensor {
    GgmlType type = GgmlType::F32;
    const void *data = nullptr;
    std::vector<std::int64_t> shape; // (rows, cols) or (n)
    std::string typeName;            // "Q8_0", "BF16"
    bool supported = true;           // false: a dtype AttnScope cannot read (then typeName says which)
    std::int64_t elements() const;
};

// Finds tensors by name and checks their shapes; remembers the first problem so one message names what is wrong.
// Converted copies (F16 norms as float32, re-ordered rows) are owned by the reader and move into the Model.
class WeightReader {
public:
    virtual ~WeightReader() = default;
    virtual bool gguf() const = 0;
    virtual std::string fileName() const = 0;

    Tensor matrix(Name name, int layer, std::int64_t rows, std::int64_t cols);
    Tensor optionalMatrix(Name name, int layer, std::int64_t rows, std::int64_t cols);
    // A matrix with `cols` columns and any number of rows (the vocabulary of an embedding).
    Tensor rowsOf(Name name, int layer, std::int64_t cols);
    // A (n) vector as float32. hfOffset is added in Hugging Face form: Gemma stores norm weights as w for x * (1 + w),
    // llama.cpp's converter stores 1 + w.
    const float *vector(Name name, int layer, std::int64_t n, float hfOffset = 0);
    const float *optionalVector(Name name, int layer, std::int64_t n, float hfOffset = 0);
    Norm norm(Name weight, Name bias, int layer, std::int64_t n, float hfOffset = 0);
    // Any number of float values (rope factors); empty when absent.
    std::vector<float> values(Name name, int layer);
    // GPT-2's Conv1D stores (in, out): read that and transpose once into float32 (out, in).
    Tensor transposed(Name name, int layer, std::int64_t in, std::int64_t out);
    bool has(Name name, int layer) const;

    // Rows [first, first + count): one part of a fused projection, still in the file.
    static Tensor rows(const Tensor &t, std::int64_t first, std::int64_t count);
    // A copy of the rows listed, in the stored type: a fused projection laid out per head.
    Tensor gather(const Tensor &t, const std::vector<std::int64_t> &rowIndex);
    const float *gather(const float *v, const std::vector<std::int64_t> &index);

    void fail(const std::string &problem);
    const std::string &problem() const { return m_problem; }
    std::string types() const; // stored types of the matrices read, e.g. "F32, Q8_0"

    std::vector<std::vector<float>> floats;        // owned float32 copies
    std::vector<std::vector<unsigned char>> bytes; // owned copies in a stored type

    // Before each copy: false (and the reader fails with the number) when the copies so far plus `kept` bytes, and
    // `briefly` more freed right after, would exceed the memory this process may use (measured at the first copy).
    bool roomFor(double kept, const std::string &tensor, double briefly = 0);

protected:
    // The tensor stored under this exact name, or null.
    virtual const StoredTensor *find(const std::string &name) const = 0;
    // The stored name for a family's name: Hugging Face checkpoints differ in their wrapper's prefix.
    virtual std::string resolve(const std::string &name) const { return name; }

private:
    const StoredTensor *lookup(Name name, int layer, std::string &resolved);
    std::string m_problem;
    std::vector<std::string> m_types;
    double m_copied = 0, m_budget = -1;
};

// A model family: one file in core/src/arch.
struct Family {
    const char *architecture;                  // GGUF general.architecture, e.g. "gemma3"
    const char *title;                         // for people: "Gemma 3"
    std::vector<std::string_view> hfClasses;   // config.json "architectures" it reads, e.g. "Gemma3ForCausalLM"
    // The settings, from GGUF metadata or config.json (Settings::gguf() tells which), into c. vocabSize is set
    // from the embedding by weights().
    void (*settings)(const Settings &s, ModelConfig &c);
    // The tensors by both forms of their names; may complete c from tensors (rope factors, vocabulary size).
    void (*weights)(WeightReader &r, ModelConfig &c, ModelWeights &w);
    // One layer of the forward pass, composed of the shared blocks.
    void (*layer)(LayerPass &pass, const LayerWeights &w);
};

// The registry (registry.cpp): every family, and look-ups by GGUF architecture and Hugging Face class.
const std::vector<const Family *> &families();
const Family *familyForGguf(std::string_view architecture);
const Family *familyForHf(std::string_view hfClass);
std::string supportedGgufList(); // "llama, qwen2, ..." for messages
std::string supportedHfList();

// Settings most families share, read under their usual names: sizes, head counts, norm epsilon, RoPE base,
// linear rope scaling. A family then reads what is its own.
// ownRopeTypes: the rope scaling types the family applies itself (Llama: llama3; Phi-3: longrope); linear is
// everyone's, anything else is refused by name.
void readCommonSettings(const Settings &s, ModelConfig &c, std::initializer_list<std::string_view> ownRopeTypes = {});
// Where config.json keeps a rope setting: rope_scaling.<field> (rope_theta at the top), or transformers 5's
// rope_parameters.<field>, per layer type (full_attention / sliding_attention; `local` picks the latter) for models
// with two RoPEs.
std::string hfRopeKey(const Settings &s, std::string_view field, bool local = false);
// The rope scaling type: GGUF rope.scaling.type, config.json rope_type (or the older type); "" when none.
std::string ropeType(const Settings &s, bool local = false);
// Checks what every family needs to run: sizes that fit, heads that divide, a window inside the context, positive
// softcaps, rope factors of the right length. Empty when c is sound.
std::string checkConfig(const ModelConfig &c);
// A family's model from one form: its settings, checked, then its tensors, checked again with what the tensors
// added (vocabulary, rope factors). `where` begins the messages about settings ("model.gguf: ").
Status readModel(const Family &family, const Settings &s, WeightReader &r, ModelConfig &c, ModelWeights &w,
                 const std::string &where);
// Embedding, final norm and language-model head of a decoder (the head tied to the embedding when the file has
// none or tie_word_embeddings says so).
void readDecoderEnds(WeightReader &r, ModelConfig &c, ModelWeights &w, Name embedding, Name finalNorm, Name output,
                     bool tied, float hfNormOffset = 0);

} // namespace arch
} // namespace attnscope
