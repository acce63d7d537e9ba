// WordPiece over code points with their byte spans, so every token maps back to the text it came from.
#include "tokenizer_wordpiece.h"
#include "unicode.h"

#include <algorithm>
#include <unordered_map>

namespace attnscope {

namespace {

bool isCjk(char32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

const std::string kWordStart = "\xE2\x96\x81"; // "▁"

class WordPiece final : public Tokenizer {
public:
    explicit WordPiece(std::string name) : Tokenizer(std::move(name)) {}

    Result<std::vector<Token>> encode(std::string_view text, bool addSpecial) const override;
    int vocabSize() const override { return static_cast<int>(m_pieces.size()); }
    int bosId() const override { return m_cls; }
    std::string piece(int id) const override {
        return id >= 0 && id < vocabSize() ? m_pieces[static_cast<std::size_t>(id)] : std::string();
    }
    int pieceType(int id) const override {
        return id >= 0 && id < vocabSize() ? m_types[static_cast<std::size_t>(id)] : 1;
    }
    std::string kind() const override { return "WordPiece"; }

    std::vector<std::string> m_pieces;
    std::vector<int> m_types;
    std::unordered_map<std::string, int> m_ids;
    std::size_t m_maxPiece = 0;
    int m_cls = -1, m_sep = -1, m_unknown = -1;

private:
    struct Word {
        std::string text;         // "▁" + normalised word
        std::vector<int> begin;   // per byte of text: byte span in the input it came from
        std::vector<int> end;
    };
    void encodeWord(const Word &w, std::vector<Token> &out) const;
};

void WordPiece::encodeWord(const Word &w, std::vector<Token> &out) const {
    const std::size_t before = out.size();
    const std::size_t n = w.text.size();
    for (std::size_t i = 0; i < n;) {
        bool matched = false;
        for (std::size_t j = std::min(n, i + m_maxPiece); j > i; --j) {
            const auto it = m_ids.find(w.text.substr(i, j - i));
            if (it == m_ids.end())
                continue;
            out.push_back(Token{it->second, m_pieces[static_cast<std::size_t>(it->second)], w.begin[i], w.end[j - 1],
                                false, false});
            i = j;
            matched = true;
            break;
        }
        if (!matched) { // a word that cannot be spelled with the vocabulary is one unknown token
            out.resize(before);
            break;
        }
    }
    if (out.size() == before && m_unknown >= 0)
        out.push_back(Token{m_unknown, piece(m_unknown), w.begin.front(), w.end.back(), false, false});
}

Result<std::vector<Token>> WordPiece::encode(std::string_view text, bool addSpecial) const {
    std::vector<Token> tokens;
    if (addSpecial && m_cls >= 0)
        tokens.push_back(Token{m_cls, piece(m_cls), 0, 0, true, false});
    Word word;
    auto finish = [&] {
        if (word.text.size() > kWordStart.size())
            encodeWord(word, tokens);
        word = Word{};
    };
    auto append = [&](char32_t c, int begin, int end) {
        if (word.text.empty()) { // the word-start mark belongs to the word's first character
            word.text = kWordStart;
            word.begin.assign(kWordStart.size(), begin);
            word.end.assign(kWordStart.size(), begin);
        }
        const std::string s = unicode::encodeUtf8(c);
        word.text += s;
        word.begin.insert(word.begin.end(), s.size(), begin);
        word.end.insert(word.end.end(), s.size(), end);
    };
    for (const unicode::Codepoint &c : unicode::decodeUtf8(text)) {
        const char32_t base = unicode::accentBase(c.cp);
        const std::uint8_t f = unicode::flags(base);
        if (f & unicode::Whitespace) {
            finish();
            continue;
        }
        if (base == 0 || base == 0xFFFD || (f & (unicode::Control | unicode::Mark)))
            continue;
        const char32_t lower = unicode::toLower(base);
        if ((f & unicode::Punctuation) || (base < 0x7F && (f & unicode::Symbol)) || isCjk(base)) {
            finish();
            append(lower, c.begin, c.end);
            finish();
            continue;
        }
        append(lower, c.begin, c.end);
    }
    finish();
    if (addSpecial && m_sep >= 0) {
        const int at = static_cast<int>(text.size());
        tokens.push_back(Token{m_sep, piece(m_sep), at, at, true, false});
    }
    return tokens;
}

} // namespace

Result<std::shared_ptr<const Tokenizer>> makeWordPiece(const std::string &name, WordPieceVocabulary v) {
    if (v.pieces.empty())
        return makeError(name + ": the WordPiece vocabulary is empty");
    auto wp = std::make_shared<WordPiece>(name);
    const std::size_t n = v.pieces.size();
    wp->m_pieces = std::move(v.pieces);
    wp->m_types = v.types.size() == n ? std::move(v.types) : std::vector<int>(n, 1);
    for (std::size_t i = 0; i < n; ++i) {
        wp->m_ids.emplace(wp->m_pieces[i], static_cast<int>(i));
        wp->m_maxPiece = std::max(wp->m_maxPiece, wp->m_pieces[i].size());
    }
    const auto valid = [n](int id) { return id >= 0 && static_cast<std::size_t>(id) < n ? id : -1; };
    wp->m_cls = valid(v.cls);
    wp->m_sep = valid(v.sep);
    wp->m_unknown = valid(v.unknown);
    return std::shared_ptr<const Tokenizer>(std::move(wp));
}

WordPieceVocabulary wordPieceFromHuggingFace(const std::vector<std::string> &vocab) {
    WordPieceVocabulary v;
    for (std::size_t i = 0; i < vocab.size(); ++i) {
        const std::string &t = vocab[i];
        const bool bracketed = t.size() > 2 && t.front() == '[' && t.back() == ']';
        if (bracketed) {
            v.pieces.push_back(t);
            v.types.push_back(t == "[UNK]" ? 2 : 3);
            if (t == "[CLS]")
                v.cls = static_cast<int>(i);
            else if (t == "[SEP]")
                v.sep = static_cast<int>(i);
            else if (t == "[UNK]")
                v.unknown = static_cast<int>(i);
            continue;
        }
        v.pieces.push_back(t.rfind("##", 0) == 0 ? t.substr(2) : kWordStart + t);
        v.types.push_back(1);
    }
    return v;
}

Result<std::shared_ptr<const Tokenizer>> wordPieceFromGguf(const gguf::File &f) {
    const std::string name = f.name();
    const gguf::Array *tokens = f.getArray("tokenizer.ggml.tokens");
    if (!tokens || tokens->elementType != gguf::ValueType::String || tokens->count == 0)
        return makeError(name + ": no vocabulary (tokenizer.ggml.tokens is missing or not a list of strings)");
    const gguf::Array *types = f.getArray("tokenizer.ggml.token_type");
    WordPieceVocabulary v;
    const std::size_t n = tokens->strings.size();
    for (std::size_t i = 0; i < n; ++i) {
        v.pieces.emplace_back(tokens->strings[i]);
        v.types.push_back(types && types->count == n ? static_cast<int>(types->integer(i)) : 1);
    }
    v.cls = f.tokenId({"tokenizer.ggml.cls_token_id", "tokenizer.ggml.bos_token_id"});
    v.sep = f.tokenId({"tokenizer.ggml.seperator_token_id", "tokenizer.ggml.separator_token_id", "tokenizer.ggml.eos_token_id"});
    v.unknown = f.tokenId({"tokenizer.ggml.unknown_token_id"});
    return makeWordPiece(name, std::move(v));
}

} // namespace attnscope
