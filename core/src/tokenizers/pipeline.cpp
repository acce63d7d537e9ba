// The pipeline tokenizer: added tokens, normalizer, pre-tokenizer, model and post-processor in Hugging Face's
// order; every token keeps the byte span of the original text it came from.
#include "tokenizers/pipeline.h"
#include "io/mapped_file.h"

namespace attnscope::tok {

namespace {

class Pipeline final : public Tokenizer {
public:
    Pipeline(std::string name, Parts parts) : Tokenizer(std::move(name)), m(std::move(parts)) {
        m_size = std::max(m.model->size(), m.added.maxId() + 1);
    }

    Result<std::vector<Token>> encode(std::string_view input, bool addSpecial) const override {
        auto tokens = encodeText(input, addSpecial);
        if (!tokens && tokens.error().message.rfind(fileName(path()), 0) != 0)
            return makeError(fileName(path()) + ": " + tokens.error().message);
        return tokens;
    }

    Result<std::vector<Token>> encodeText(std::string_view input, bool addSpecial) const {
        std::vector<Split> splits;
        splits.push_back(Split{Normalized::fromOriginal(input), false, -1});
        if (auto s = m.added.extract(splits, false); !s)
            return s.error();
        if (m.normalizer)
            for (Split &sp : splits)
                if (!sp.done)
                    if (auto s = m.normalizer->normalize(sp.text); !s)
                        return s.error();
        if (auto s = m.added.extract(splits, true); !s)
            return s.error();
        if (m.preTokenizer)
            if (auto s = m.preTokenizer->split(splits); !s)
                return s.error();
        std::vector<Token> tokens;
        std::vector<std::string> values; // Hugging Face's token values, for offset trimming
        std::vector<Piece> pieces;
        for (const Split &sp : splits) {
            if (sp.done) {
                const auto [b, e] = sp.text.originalSpan();
                const AddedToken *t = m.added.byId(sp.id);
                tokens.push_back(Token{sp.id, t ? t->content : piece(sp.id), b, e, t && t->special, false});
                values.push_back(sp.text.str());
                continue;
            }
            if (sp.text.empty())
                continue;
            pieces.clear();
            if (auto s = m.model->tokenize(sp.text.str(), pieces); !s)
                return s.error();
            for (const Piece &p : pieces) {
                const auto [b, e] = sp.text.original(p.begin, p.end);
                tokens.push_back(Token{p.id, piece(p.id), b, e, false, m.model->isByte(p.id)});
                values.push_back(tokens.back().piece);
            }
        }
        if (m.postProcessor)
            m.postProcessor->process(tokens, values, addSpecial, static_cast<int>(input.size()));
        if (m.decoder && m.decoder->byteLevel())
            for (Token &t : tokens)
                if (!t.special)
                    t.display = byteLevelDisplay(t.piece);
        return tokens;
    }

    std::string decode(const std::vector<int> &ids) const override {
        std::vector<std::string> pieces;
        for (const int id : ids)
            pieces.push_back(piece(id));
        if (!m.decoder) { // Hugging Face joins the pieces with spaces when there is no decoder
            std::string all;
            for (std::size_t i = 0; i < pieces.size(); ++i)
                all += (i ? " " : "") + pieces[i];
            return all;
        }
        m.decoder->decode(pieces);
        std::string all;
        for (const std::string &p : pieces)
            all += p;
        return all;
    }

    int vocabSize() const override { return m_size; }
    int bosId() const override { return m.bos; }
    std::vector<int> eosIds() const override { return m.eos; }
    std::string piece(int id) const override {
        if (const AddedToken *t = m.added.byId(id))
            return t->content;
        return m.model->piece(id);
    }
    float score(int id) const override { return m.model->score(id); }
    int pieceType(int id) const override {
        if (const AddedToken *t = m.added.byId(id))
            return t->special ? 3 : 4;
        if (m.model->unknownId() && *m.model->unknownId() == id)
            return 2;
        if (m.model->isByte(id))
            return 6;
        return 1;
    }
    std::string kind() const override { return m.kind; }

private:
    Parts m;
    int m_size = 0;
};

} // namespace

Result<std::shared_ptr<const Tokenizer>> makePipeline(const std::string &name, Parts parts) {
    if (!parts.model)
        return makeError(name + ": the tokenizer has no model");
    if (auto s = parts.added.build(parts.normalizer.get()); !s)
        return s.error();
    return std::shared_ptr<const Tokenizer>(std::make_shared<Pipeline>(name, std::move(parts)));
}

} // namespace attnscope::tok
