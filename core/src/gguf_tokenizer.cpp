// GGUF vocabularies to tokenizers. The sentencepiece path writes protobuf wire format by hand: field numbers from
// sentencepiece_model.proto (ModelProto: pieces 1, trainer_spec 2, normalizer_spec 3).
#include "attnscope/gguf_tokenizer.h"
#include "tokenizer_bpe.h"
#include "tokenizer_wordpiece.h"

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
        return byteLevelBpeFromGguf(f);
    if (kind == "bert")
        return wordPieceFromGguf(f);
    if (kind.empty())
        return makeError(f.name() + ": no tokenizer in the file (tokenizer.ggml.model is missing)");
    return makeError(f.name() + ": tokenizer type \"" + kind + "\" is not supported yet (AttnScope reads \"llama\" "
                                "sentencepiece, \"gpt2\" byte-level BPE and \"bert\" WordPiece vocabularies from GGUF)");
}

} // namespace attnscope
