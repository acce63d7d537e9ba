// GGUF vocabularies to tokenizers. "llama" (sentencepiece) becomes a sentencepiece ModelProto, written in protobuf
// wire format by hand (field numbers from sentencepiece_model.proto: pieces 1, trainer_spec 2, normalizer_spec 3).
// "gpt2" is the pipeline's byte-level BPE with the pre-tokenizer regexes llama.cpp picks by tokenizer.ggml.pre, and
// "bert" its WordPiece behind llama.cpp's own BERT preprocessing.
#include "attnscope/gguf_tokenizer.h"
#include "tokenizers/pipeline.h"

#include <cstring>

namespace attnscope {

namespace {

class ProtoWriter {
public:
    void varint(std::uint64_t v) {
        while (v >= 0x80) {
            m_out.push_back(static_cast<char>((v & 0x7f) | 0x80));
            v >>= 7;
        }
        m_out.push_back(static_cast<char>(v));
    }
    void tag(int field, int wireType) { varint(static_cast<std::uint64_t>(field) << 3 | static_cast<unsigned>(wireType)); }
    void intField(int field, std::int64_t v) { // int32 fields: negatives as 10-byte two's complement, as protobuf does
        tag(field, 0);
        varint(static_cast<std::uint64_t>(v));
    }
    void floatField(int field, float v) {
        tag(field, 5);
        char b[4];
        std::memcpy(b, &v, 4);
        m_out.append(b, 4);
    }
    void bytesField(int field, std::string_view v) {
        tag(field, 2);
        varint(v.size());
        m_out.append(v.data(), v.size());
    }
    const std::string &bytes() const { return m_out; }

private:
    std::string m_out;
};

// GGUF token types match sentencepiece's piece types: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
constexpr std::int64_t kNormal = 1, kUnknown = 2, kControl = 3, kByte = 6;

} // namespace

Result<std::string> sentencePieceProtoFromGguf(const gguf::File &f) {
    const std::string name = f.name();
    const gguf::Array *tokens = f.getArray("tokenizer.ggml.tokens");
    if (!tokens || tokens->elementType != gguf::ValueType::String || tokens->count == 0)
        return makeError(name + ": no vocabulary (tokenizer.ggml.tokens is missing or not a list of strings)");
    const gguf::Array *scores = f.getArray("tokenizer.ggml.scores");
    const gguf::Array *types = f.getArray("tokenizer.ggml.token_type");
    const std::uint64_t n = tokens->count;
    if ((scores && scores->count != n) || (types && types->count != n))
        return makeError(name + ": tokenizer.ggml.scores / token_type do not have one entry per token");

    ProtoWriter model;
    int unknown = -1, bytePieces = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
        std::int64_t type = types ? types->integer(i) : kNormal;
        if (type < 1 || type > 6)
            type = kNormal;
        if (type == kUnknown && unknown < 0)
            unknown = static_cast<int>(i);
        else if (type == kUnknown)
            type = kControl; // sentencepiece allows one unknown piece
        if (type == kByte)
            ++bytePieces;
        if (tokens->strings[i].empty()) // sentencepiece would say only "piece must not be empty"
            return makeError(name + ": tokenizer.ggml.tokens[" + std::to_string(i) +
                             "] is empty; a sentencepiece vocabulary has no empty pieces");
        ProtoWriter piece;
        piece.bytesField(1, tokens->strings[i]);
        piece.floatField(2, scores ? static_cast<float>(scores->number(i)) : 0.0f);
        piece.intField(3, type);
        model.bytesField(1, piece.bytes());
    }
    if (unknown < 0)
        unknown = f.tokenId({"tokenizer.ggml.unknown_token_id"});
    if (unknown < 0)
        return makeError(name + ": the vocabulary has no unknown token, which a sentencepiece model needs");

    ProtoWriter trainer;
    trainer.intField(3, 2); // model_type BPE
    trainer.intField(4, static_cast<std::int64_t>(n));
    trainer.intField(35, bytePieces == 256 ? 1 : 0); // byte_fallback
    trainer.intField(40, unknown);
    trainer.intField(41, f.tokenId({"tokenizer.ggml.bos_token_id"}));
    trainer.intField(42, f.tokenId({"tokenizer.ggml.eos_token_id"}));
    trainer.intField(43, f.tokenId({"tokenizer.ggml.padding_token_id"}));
    model.bytesField(2, trainer.bytes());

    ProtoWriter normalizer;
    normalizer.bytesField(1, "identity");
    normalizer.intField(3, f.getBool("tokenizer.ggml.add_space_prefix").value_or(true) ? 1 : 0); // add_dummy_prefix
    normalizer.intField(4, 0); // remove_extra_whitespaces: off, as in Llama's own tokenizer.model
    model.bytesField(3, normalizer.bytes());
    return model.bytes();
}

namespace {

const char *const kGpt2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";

bool isOneOf(const std::string &s, std::initializer_list<const char *> names) {
    for (const char *n : names)
        if (s == n)
            return true;
    return false;
}

// llama.cpp's LLAMA3 pre-tokenizer type, which also ignores merges for a word that is a token as a whole.
bool isLlama3(const std::string &pre) {
    return isOneOf(pre, {"llama3", "llama-bpe", "llama-v3", "dbrx", "smaug-bpe", "falcon3", "pixtral", "tekken"});
}

// The regexes llama.cpp applies in turn for each tokenizer.ggml.pre (llama-vocab.cpp, llm_tokenizer_bpe).
std::vector<std::string> preTokenizerRegexes(const std::string &pre) {
    if (isLlama3(pre))
        return {"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
                "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"};
    if (isOneOf(pre, {"qwen2", "stablelm2", "deepseek-r1-qwen", "qwen35"}))
        return {"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
                "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"};
    if (pre == "deepseek-llm")
        return {"[\r\n]",
                "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-"
                "ὗὙὛὝὟ-\\x{1F7D}ᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-\\x{1FD3}ῖ-\\x{1FDB}ῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-"
                "ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
                "\\s?[!-/:-~！-／：-～‘-‟　-。]+", "\\s+$", "[一-龥ࠀ-一가-퟿]+", "\\p{N}+"};
    if (pre == "deepseek-coder")
        return {"[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[一-龥ࠀ-一가-퟿]+", "\\p{N}"};
    if (pre == "falcon")
        return {"[\\p{P}\\$\\+<=>\\^~\\|]+", kGpt2, "[0-9][0-9][0-9]"};
    if (isOneOf(pre, {"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b"}))
        return {"\\p{N}", kGpt2};
    if (isOneOf(pre, {"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "mpt", "olmo", "jais",
                      "trillion", "granite-docling"}))
        return {kGpt2};
    // llama.cpp's "default" type: no tokenizer.ggml.pre (older files) or one it does not know.
    return {"[\\p{P}\\$\\+<=>\\^~\\|]+", kGpt2, "\\p{N}+", "[0-9][0-9][0-9]"};
}

struct Vocabulary {
    std::vector<std::string> pieces;
    std::vector<int> types;
};

Result<Vocabulary> vocabularyOf(const gguf::File &f) {
    const gguf::Array *tokens = f.getArray("tokenizer.ggml.tokens");
    if (!tokens || tokens->elementType != gguf::ValueType::String || tokens->count == 0)
        return makeError(f.name() + ": no vocabulary (tokenizer.ggml.tokens is missing or not a list of strings)");
    const gguf::Array *types = f.getArray("tokenizer.ggml.token_type");
    Vocabulary v;
    const std::size_t n = tokens->strings.size();
    v.pieces.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        v.pieces.emplace_back(tokens->strings[i]);
        v.types.push_back(types && types->count == n ? static_cast<int>(types->integer(i)) : kNormal);
    }
    return v;
}

Result<std::shared_ptr<const Tokenizer>> byteLevelBpe(const gguf::File &f) {
    auto v = vocabularyOf(f);
    if (!v)
        return v.error();
    const gguf::Array *mergeList = f.getArray("tokenizer.ggml.merges");
    if (!mergeList || mergeList->elementType != gguf::ValueType::String)
        return makeError(f.name() + ": a BPE vocabulary needs tokenizer.ggml.merges, which is missing");
    std::vector<std::pair<std::string_view, std::string_view>> merges; // views into the mapped file
    merges.reserve(mergeList->strings.size());
    for (const std::string_view m : mergeList->strings) {
        const std::size_t space = m.find(' ', 1);
        if (space != std::string_view::npos)
            merges.emplace_back(m.substr(0, space), m.substr(space + 1));
    }
    const std::string pre = f.getString("tokenizer.ggml.pre").value_or("");
    tok::Parts parts;
    // User-defined tokens are cut out of the text first (llama.cpp does this even when not parsing special tokens).
    for (std::size_t i = 0; i < v->pieces.size(); ++i)
        if (v->types[i] == 4)
            parts.added.add(tok::AddedToken{static_cast<int>(i), v->pieces[i], false, false, false, false, false});
    std::vector<std::unique_ptr<tok::PreTokenizer>> steps;
    for (const std::string &pattern : preTokenizerRegexes(pre)) {
        auto re = Regex::compile(pattern);
        if (!re)
            return makeError(f.name() + ": internal error in the \"" + pre + "\" pre-tokenizer (" + re.error().message + ")");
        steps.push_back(tok::makeSplit(re.value(), tok::Behavior::Isolated, false));
    }
    steps.push_back(tok::makeByteLevel(false, false));
    parts.preTokenizer = tok::makeSequencePreTokenizer(std::move(steps));
    tok::BpeOptions options;
    options.skipBrokenMerges = true;
    options.ignoreMerges = isLlama3(pre);
    const int unknown = f.tokenId({"tokenizer.ggml.unknown_token_id"});
    if (unknown >= 0 && static_cast<std::size_t>(unknown) < v->pieces.size())
        options.unknown = v->pieces[static_cast<std::size_t>(unknown)];
    auto model = tok::makeBpe(v->pieces, merges, options, tok::Where{f.name(), "tokenizer.ggml.merges"});
    if (!model)
        return model.error();
    parts.model = std::move(model.value());
    parts.decoder = tok::makeByteLevelDecoder();
    const int bos = f.tokenId({"tokenizer.ggml.bos_token_id"});
    parts.bos = bos >= 0 && static_cast<std::size_t>(bos) < v->pieces.size() ? bos : -1;
    for (const char *key : {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id"})
        if (const int id = f.tokenId({key}); id >= 0 && static_cast<std::size_t>(id) < v->pieces.size())
            parts.eos.push_back(id);
    if (parts.bos >= 0 && f.getBool("tokenizer.ggml.add_bos_token").value_or(false))
        parts.postProcessor = tok::makeTemplate({{v->pieces[static_cast<std::size_t>(parts.bos)], parts.bos}}, {});
    parts.kind = "byte-level BPE (" + (pre.empty() ? std::string("default") : pre) + ")";
    return tok::makePipeline(f.name(), std::move(parts));
}

Result<std::shared_ptr<const Tokenizer>> wordPiece(const gguf::File &f) {
    auto v = vocabularyOf(f);
    if (!v)
        return v.error();
    const std::size_t n = v->pieces.size();
    auto valid = [n](int id) { return id >= 0 && static_cast<std::size_t>(id) < n ? id : -1; };
    const int cls = valid(f.tokenId({"tokenizer.ggml.cls_token_id", "tokenizer.ggml.bos_token_id"}));
    const int sep = valid(f.tokenId({"tokenizer.ggml.seperator_token_id", "tokenizer.ggml.separator_token_id",
                                     "tokenizer.ggml.eos_token_id"}));
    const int unknown = valid(f.tokenId({"tokenizer.ggml.unknown_token_id"}));
    tok::Parts parts;
    parts.preTokenizer = tok::makeLlamaCppWordPiecePreTokenizer();
    // GGUF spells a word start "▁word" and a continuation without "##": WordPiece with an empty prefix.
    auto model = tok::makeWordPiece(v->pieces, unknown >= 0 ? v->pieces[static_cast<std::size_t>(unknown)] : std::string("[UNK]"),
                                    "", std::size_t(1) << 30, tok::Where{f.name(), ""});
    if (!model)
        return model.error();
    parts.model = std::move(model.value());
    // Control tokens ([CLS], [MASK], ...) are not looked for in the text, as llama.cpp does without parse_special.
    std::vector<std::pair<std::string, int>> before, after;
    if (cls >= 0)
        before.emplace_back(v->pieces[static_cast<std::size_t>(cls)], cls);
    if (sep >= 0)
        after.emplace_back(v->pieces[static_cast<std::size_t>(sep)], sep);
    parts.postProcessor = tok::makeTemplate(std::move(before), std::move(after));
    parts.bos = cls;
    if (sep >= 0)
        parts.eos = {sep}; // an encoder does not generate; [SEP] ends its input
    parts.kind = "WordPiece";
    return tok::makePipeline(f.name(), std::move(parts));
}

} // namespace

Result<std::shared_ptr<const Tokenizer>> tokenizerFromGguf(const gguf::File &f) {
    const std::string kind = f.getString("tokenizer.ggml.model").value_or("");
    if (kind == "llama") {
        auto proto = sentencePieceProtoFromGguf(f);
        if (!proto)
            return proto.error();
        return Tokenizer::fromSentencePieceProto(proto.value(), f.name(),
                                                 f.getBool("tokenizer.ggml.add_bos_token").value_or(true));
    }
    if (kind == "gpt2")
        return byteLevelBpe(f);
    if (kind == "bert")
        return wordPiece(f);
    if (kind.empty())
        return makeError(f.name() + ": no tokenizer in the file (tokenizer.ggml.model is missing)");
    return makeError(f.name() + ": tokenizer type \"" + kind + "\" is not supported yet (AttnScope reads \"llama\" "
                                "sentencepiece, \"gpt2\" byte-level BPE and \"bert\" WordPiece vocabularies from GGUF)");
}

} // namespace attnscope
