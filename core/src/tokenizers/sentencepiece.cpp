// Tokenizer backed by libsentencepiece. We read the file ourselves (bounded) and hand the bytes to
// LoadFromSerializedProto, because sentencepiece's own file reading throws on directories.
#include "attnscope/tokenizer.h"
#include "io/mapped_file.h"

#include <sentencepiece_processor.h>

#include <exception>

namespace attnscope {

namespace {
constexpr std::size_t kMaxTokenizerBytes = 64u << 20; // real sentencepiece models are < 10 MB
}

Tokenizer::~Tokenizer() = default;

std::string Tokenizer::decode(const std::vector<int> &ids) const {
    std::string out;
    for (const int id : ids)
        out += piece(id);
    return out;
}

namespace {

class SentencePieceTokenizer final : public Tokenizer {
public:
    SentencePieceTokenizer(std::unique_ptr<sentencepiece::SentencePieceProcessor> sp, std::string path, bool addBos = true)
        : Tokenizer(std::move(path)), m_sp(std::move(sp)), m_addBos(addBos) {}

    Result<std::vector<Token>> encode(std::string_view text, bool addSpecial) const override;
    std::string decode(const std::vector<int> &ids) const override {
        std::vector<int> valid;
        for (const int id : ids)
            if (id >= 0 && id < vocabSize())
                valid.push_back(id);
        try {
            return m_sp->DecodeIds(valid);
        } catch (const std::exception &) {
            return Tokenizer::decode(ids);
        }
    }
    int vocabSize() const override { return m_sp->GetPieceSize(); }
    int bosId() const override { return m_sp->bos_id(); }
    std::vector<int> eosIds() const override {
        return m_sp->eos_id() >= 0 ? std::vector<int>{m_sp->eos_id()} : std::vector<int>{};
    }
    std::string piece(int id) const override { return id >= 0 && id < vocabSize() ? m_sp->IdToPiece(id) : std::string(); }
    float score(int id) const override;
    int pieceType(int id) const override;
    bool addsSpacePrefix() const override;
    std::string kind() const override { return "sentencepiece"; }

private:
    std::unique_ptr<sentencepiece::SentencePieceProcessor> m_sp;
    bool m_addBos = true;
};

Result<std::unique_ptr<sentencepiece::SentencePieceProcessor>> loadProto(const char *data, std::size_t size,
                                                                          const std::string &name) {
    auto impl = std::make_unique<sentencepiece::SentencePieceProcessor>();
    try {
        const auto status = impl->LoadFromSerializedProto(absl::string_view(data, size));
        if (!status.ok())
            return makeError(name + ": not a sentencepiece model (" + status.ToString() + ")");
    } catch (const std::exception &e) {
        return makeError(name + ": not a sentencepiece model (" + e.what() + ")");
    }
    if (impl->GetPieceSize() <= 0)
        return makeError(name + ": sentencepiece model has no pieces");
    return impl;
}

} // namespace

Result<std::shared_ptr<const Tokenizer>> Tokenizer::loadSentencePiece(const std::string &path) {
    const std::string name = fileName(path);
    auto mapped = MappedFile::open(path);
    if (!mapped)
        return mapped.error();
    const auto &file = *mapped.value();
    if (file.size() == 0)
        return makeError(name + ": tokenizer file is empty (0 bytes); expected a sentencepiece .model");
    if (file.size() > kMaxTokenizerBytes)
        return makeError(name + ": too large for a sentencepiece model (" + std::to_string(file.size()) + " bytes)");
    auto impl = loadProto(reinterpret_cast<const char *>(file.data()), file.size(), name);
    if (!impl)
        return impl.error();
    return std::shared_ptr<const Tokenizer>(std::make_shared<SentencePieceTokenizer>(std::move(impl.value()), path));
}

Result<std::shared_ptr<const Tokenizer>> Tokenizer::fromSentencePieceProto(const std::string &serialized,
                                                                           const std::string &name, bool addBos) {
    auto impl = loadProto(serialized.data(), serialized.size(), name);
    if (!impl)
        return impl.error();
    return std::shared_ptr<const Tokenizer>(std::make_shared<SentencePieceTokenizer>(std::move(impl.value()), name, addBos));
}

float SentencePieceTokenizer::score(int id) const {
    return id >= 0 && id < vocabSize() ? m_sp->GetScore(id) : 0.0f;
}

int SentencePieceTokenizer::pieceType(int id) const {
    const auto &sp = *m_sp;
    if (id < 0 || id >= vocabSize())
        return 1;
    if (sp.IsUnknown(id))
        return 2;
    if (sp.IsControl(id))
        return 3;
    if (sp.IsUnused(id))
        return 5;
    if (sp.IsByte(id))
        return 6;
    return 1;
}

bool SentencePieceTokenizer::addsSpacePrefix() const {
    // The processor does not expose its normalizer spec; encoding a word shows whether a "▁" is prepended.
    const auto pieces = m_sp->EncodeAsPieces("a");
    return !pieces.empty() && pieces.front().rfind("\xE2\x96\x81", 0) == 0;
}

Result<std::vector<Token>> SentencePieceTokenizer::encode(std::string_view text, bool addBos) const {
    std::vector<Token> tokens;
    const auto &sp = *m_sp;
    if (addBos && m_addBos) {
        const int bos = sp.bos_id();
        if (bos < 0)
            return makeError(fileName(path()) + ": tokenizer has no BOS token");
        tokens.push_back(Token{bos, sp.IdToPiece(bos), 0, 0, true, false});
    }
    sentencepiece::ImmutableSentencePieceText spt;
    try {
        spt = sp.EncodeAsImmutableProto(absl::string_view(text.data(), text.size()));
    } catch (const std::exception &e) {
        return makeError(std::string("could not tokenize the text (") + e.what() + ")");
    }
    const std::size_t first = tokens.size();
    for (const auto &p : spt.pieces()) {
        Token t;
        t.id = static_cast<int>(p.id());
        t.piece = p.piece();
        t.byteBegin = static_cast<int>(p.begin());
        t.byteEnd = static_cast<int>(p.end());
        t.special = sp.IsControl(t.id);
        t.byte = sp.IsByte(t.id);
        tokens.push_back(std::move(t));
    }
    // sentencepiece gives a run of byte-fallback pieces one span: empty spans, then the whole character on
    // the last piece. Give each byte piece its own byte so every token maps to the text it came from.
    for (std::size_t i = first; i < tokens.size();) {
        if (!tokens[i].byte) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < tokens.size() && tokens[j].byte && tokens[j].byteBegin == tokens[j].byteEnd)
            ++j;
        if (j < tokens.size() && tokens[j].byte) {
            const int runLength = static_cast<int>(j - i + 1);
            const int begin = tokens[j].byteBegin;
            if (tokens[j].byteEnd - begin == runLength) {
                for (int k = 0; k < runLength; ++k) {
                    tokens[i + k].byteBegin = begin + k;
                    tokens[i + k].byteEnd = begin + k + 1;
                }
            }
        }
        i = j + 1;
    }
    return tokens;
}

} // namespace attnscope
