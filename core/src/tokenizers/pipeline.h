// The tokenizer as Hugging Face `tokenizers` builds it: normalizer -> pre-tokenizer -> model -> post-processor,
// with added tokens cut out of the text first and a decoder for the way back. Each stage is an interface here;
// each component type is a small class in the stage's file, built from its tokenizer.json object (or assembled
// directly, for vocabularies read from GGUF files).
#pragma once

#include "attnscope/result.h"
#include "attnscope/tokenizer.h"
#include "io/json.h"
#include "tokenizers/regex.h"
#include "tokenizers/text.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace attnscope::tok {

using text::Normalized;

// A piece of the text on its way through the pipeline; an added token's piece is `done` and carries its token.
struct Split {
    Normalized text;
    bool done = false;
    int id = -1; // the added token, when done
};

// Where a JSON object sits in tokenizer.json, for messages: "tokenizer.json: pre_tokenizer.pretokenizers[1]".
struct Where {
    std::string file; // "tokenizer.json"
    std::string path; // "pre_tokenizer.pretokenizers[1]"
    Where operator/(const std::string &child) const { return {file, path.empty() ? child : path + "." + child}; }
    Where at(std::size_t i) const { return {file, path + "[" + std::to_string(i) + "]"}; }
    Error error(const std::string &what) const { return makeError(file + ": " + (path.empty() ? "" : path + ": ") + what); }
};

class Normalizer {
public:
    virtual ~Normalizer() = default;
    virtual Status normalize(Normalized &text) const = 0;
};

class PreTokenizer {
public:
    virtual ~PreTokenizer() = default;
    // Cuts every split that is not done into smaller ones (or rewrites it, as ByteLevel does).
    virtual Status split(std::vector<Split> &splits) const = 0;
};

// A model token: an id and the bytes [begin, end) of the word it covers.
struct Piece {
    int id;
    std::size_t begin, end;
};

class Model {
public:
    virtual ~Model() = default;
    virtual Status tokenize(std::string_view word, std::vector<Piece> &out) const = 0;
    virtual std::optional<int> id(std::string_view token) const = 0;
    virtual std::string piece(int id) const = 0; // empty when the model has no such id
    virtual int size() const = 0;               // one past the largest id
    virtual float score(int id) const { (void)id; return 0.0f; }
    virtual bool isByte(int id) const { (void)id; return false; } // a byte-fallback piece <0xXX>
    virtual std::optional<int> unknownId() const { return std::nullopt; }
    virtual std::string kind() const = 0; // "BPE", "WordPiece", "Unigram", "WordLevel"
};

class PostProcessor {
public:
    virtual ~PostProcessor() = default;
    // Adds the template's special tokens when addSpecial; may adjust offsets either way (ByteLevel's trim_offsets,
    // which looks at `values`: each token's text as Hugging Face holds it, the piece or, for an added token, the
    // text it matched with any stripped spaces).
    virtual void process(std::vector<Token> &tokens, const std::vector<std::string> &values, bool addSpecial,
                         int textBytes) const = 0;
    virtual int addedAtStart() const { return 0; } // how many tokens a single sequence gets before it
};

class Decoder {
public:
    virtual ~Decoder() = default;
    virtual void decode(std::vector<std::string> &tokens) const = 0; // Hugging Face's decode_chain
    // Pieces are GPT-2 byte-level strings ("Ġquick"): what people see is their bytes (byteLevelDisplay).
    virtual bool byteLevel() const { return false; }
};

// A byte-level piece as text for people: its bytes when they are whole UTF-8 characters, with a leading space
// shown as the word mark "▁" the views use for sentencepiece; otherwise the bytes as <0xE6><0x9D> (a token that
// holds part of a character).
std::string byteLevelDisplay(const std::string &piece);

// --- Components, for the readers that assemble pipelines without JSON (GGUF vocabularies) ----------------------

enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

std::unique_ptr<Normalizer> makeBertNormalizer(bool cleanText, bool chineseChars, bool stripAccents, bool lowercase);
std::unique_ptr<PreTokenizer> makeSplit(std::shared_ptr<const Regex> pattern, Behavior behavior, bool invert);
std::unique_ptr<PreTokenizer> makeByteLevel(bool addPrefixSpace, bool useRegex);
std::unique_ptr<PreTokenizer> makeSequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts);
std::unique_ptr<PreTokenizer> makeBertPreTokenizer(); // whitespace removed, then punctuation isolated
std::unique_ptr<PreTokenizer> makeLlamaCppWordPiecePreTokenizer(); // llama.cpp's BERT preprocessing

struct BpeOptions {
    std::optional<std::string> unknown;
    std::string continuingSubwordPrefix, endOfWordSuffix;
    bool fuseUnknown = false, byteFallback = false, ignoreMerges = false;
    bool skipBrokenMerges = false; // GGUF: a merge naming unknown tokens is dropped instead of refused
};
Result<std::unique_ptr<Model>> makeBpe(std::vector<std::string> vocab,
                                       const std::vector<std::pair<std::string_view, std::string_view>> &merges,
                                       const BpeOptions &options, const Where &where);
Result<std::unique_ptr<Model>> makeWordPiece(std::vector<std::string> vocab, std::string unknown, std::string prefix,
                                             std::size_t maxChars, const Where &where);
std::unique_ptr<PostProcessor> makeTemplate(std::vector<std::pair<std::string, int>> before,
                                            std::vector<std::pair<std::string, int>> after);
std::unique_ptr<Decoder> makeByteLevelDecoder();

// The byte -> printable character table of GPT-2's byte-level BPE.
const std::string &byteLevelChar(unsigned char b);
// The byte a byte-level character stands for, or -1.
int byteLevelByte(char32_t c);

// --- JSON readers -------------------------------------------------------------------------------------------

Result<std::unique_ptr<Normalizer>> normalizerFromJson(json::Element e, const Where &where);
Result<std::unique_ptr<PreTokenizer>> preTokenizerFromJson(json::Element e, const Where &where);
Result<std::unique_ptr<Model>> modelFromJson(json::Element e, const Where &where);
Result<std::unique_ptr<PostProcessor>> postProcessorFromJson(json::Element e, const Model &model, const Where &where);
Result<std::unique_ptr<Decoder>> decoderFromJson(json::Element e, const Where &where);
// The components of a Sequence: e[key] parsed one by one with `parse`, each told where it sits.
template <typename T, typename Parse>
Result<std::vector<std::unique_ptr<T>>> sequenceFromJson(json::Element e, const char *key, const Where &where, Parse parse) {
    const auto list = json::member(e, key);
    if (!list || !json::isArray(*list))
        return where.error(std::string("Sequence needs a \"") + key + "\" list");
    std::vector<std::unique_ptr<T>> parts;
    std::size_t i = 0;
    for (const json::Element child : json::items(*list)) {
        auto part = parse(child, (where / key).at(i++));
        if (!part)
            return part.error();
        parts.push_back(std::move(part.value()));
    }
    return parts;
}
// {"String": "..."} or {"Regex": "..."}
Result<std::shared_ptr<const Regex>> patternFromJson(json::Element e, const Where &where);

// --- Added tokens -------------------------------------------------------------------------------------------

struct AddedToken {
    int id = -1;
    std::string content;
    bool special = false, lstrip = false, rstrip = false, normalized = false, singleWord = false;
};

// Finds added tokens in the text, leftmost-longest, before the model sees it: those with normalized = false in the
// original text, the others in the normalized text (their content normalized the same way).
class AddedVocabulary {
public:
    void add(AddedToken token);
    Status build(const Normalizer *normalizer);
    Status extract(std::vector<Split> &splits, bool normalizedPass) const;
    const AddedToken *byId(int id) const;
    std::optional<int> byContent(std::string_view content) const;
    int maxId() const { return m_maxId; }
    bool empty() const { return m_tokens.empty(); }

private:
    struct Trie {
        struct Node {
            std::vector<std::pair<unsigned char, int>> children; // sorted by byte
            int token = -1;                                      // index into m_tokens
        };
        std::vector<Node> nodes{Node{}};
        void insert(std::string_view s, int token);
        // Longest token starting at s[pos]: its index and length, or {-1, 0}.
        std::pair<int, std::size_t> longest(std::string_view s, std::size_t pos) const;
    };
    std::vector<AddedToken> m_tokens;
    std::unordered_map<int, std::size_t> m_byId;
    std::unordered_map<std::string, int> m_byContent;
    Trie m_raw, m_normalized;
    int m_maxId = -1;
};

// --- The pipeline -------------------------------------------------------------------------------------------

struct Parts {
    std::unique_ptr<Normalizer> normalizer;
    std::unique_ptr<PreTokenizer> preTokenizer;
    std::unique_ptr<Model> model;
    std::unique_ptr<PostProcessor> postProcessor;
    std::unique_ptr<Decoder> decoder;
    AddedVocabulary added;
    std::string kind; // shown in Help > About and `info`
    int bos = -1;
    std::vector<int> eos; // what generation stops at
};

Result<std::shared_ptr<const Tokenizer>> makePipeline(const std::string &name, Parts parts);

} // namespace attnscope::tok
