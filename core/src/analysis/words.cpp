// Words of a tokenized text, and a word-level result pooled from the token-level one on demand.
#include "attnscope/words.h"

#include "../tokenizers/text.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <unordered_map>

namespace attnscope {

namespace {

bool startsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

bool startsWord(const Token &t, bool continuationMarks) {
    if (continuationMarks)
        return !startsWith(t.piece, "##");
    return startsWith(t.piece, "\xE2\x96\x81") /* ▁ */ || startsWith(t.piece, "\xC4\xA0") /* Ġ */ ||
           startsWith(t.piece, " ");
}

// The word's text: the span of its tokens in the text without the spaces around it, or its pieces when the tokens
// have no span there (a special token, a text the tokenizer normalised).
void finish(Word &w, const std::vector<Token> &tokens, std::string_view text) {
    const Token &first = tokens[static_cast<std::size_t>(w.tokens.front())];
    const Token &last = tokens[static_cast<std::size_t>(w.tokens.back())];
    int begin = std::clamp(first.byteBegin, 0, static_cast<int>(text.size()));
    int end = std::clamp(last.byteEnd, begin, static_cast<int>(text.size()));
    if (w.special || end <= begin) {
        for (int p : w.tokens)
            w.text += tokens[static_cast<std::size_t>(p)].piece;
        w.byteBegin = w.byteEnd = begin;
        return;
    }
    while (begin < end && isSpace(text[static_cast<std::size_t>(begin)]))
        ++begin;
    while (end > begin && isSpace(text[static_cast<std::size_t>(end - 1)]))
        --end;
    w.byteBegin = begin;
    w.byteEnd = end;
    w.text = std::string(text.substr(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin)));
    if (w.text.empty()) // only spaces ("▁" alone, a newline token): say what it is rather than nothing
        for (int p : w.tokens)
            w.text += tokens[static_cast<std::size_t>(p)].display.empty() ? tokens[static_cast<std::size_t>(p)].piece
                                                                          : tokens[static_cast<std::size_t>(p)].display;
}

// Rows of word results, pooled from the token result's rows.
class WordSource final : public AttentionSource {
public:
    WordSource(std::shared_ptr<const AttentionResult> base, std::vector<Word> words)
        : m_base(std::move(base)), m_words(std::move(words)), m_wordOf(wordOfToken(m_words, m_base->seqLen())) {}

    int seqLen() const override { return static_cast<int>(m_words.size()); }

    void rows(int layer, int head, int word0, int n, float *out) const override {
        const std::size_t W = m_words.size(), T = static_cast<std::size_t>(m_base->seqLen());
        std::fill(out, out + static_cast<std::size_t>(n) * W, 0.0f);
        if (n <= 0)
            return;
        // A few thousand token rows at a time, so a long text's words never need its whole (T, T) head.
        const std::size_t blockRows = std::max<std::size_t>(1, (std::size_t(1) << 22) / std::max<std::size_t>(T, 1));
        std::vector<float> buffer;
        const int q0 = m_words[static_cast<std::size_t>(word0)].tokens.front();
        const int q1 = m_words[static_cast<std::size_t>(word0 + n - 1)].tokens.back() + 1;
        for (int b0 = q0; b0 < q1; b0 += static_cast<int>(blockRows)) {
            const int rowsHere = std::min(q1 - b0, static_cast<int>(blockRows));
            buffer.resize(static_cast<std::size_t>(rowsHere) * T);
            m_base->rows(layer, head, b0, rowsHere, buffer.data());
            for (int q = b0; q < b0 + rowsHere; ++q) {
                const std::size_t a = static_cast<std::size_t>(m_wordOf[static_cast<std::size_t>(q)]);
                const float *row = buffer.data() + static_cast<std::size_t>(q - b0) * T;
                float *dst = out + (a - static_cast<std::size_t>(word0)) * W;
                for (std::size_t k = 0; k < T; ++k)
                    dst[m_wordOf[k]] += row[k];
            }
        }
        for (int i = 0; i < n; ++i) { // the mean over the word's query tokens
            const float scale = 1.0f / static_cast<float>(m_words[static_cast<std::size_t>(word0 + i)].tokens.size());
            float *dst = out + static_cast<std::size_t>(i) * W;
            for (std::size_t b = 0; b < W; ++b)
                dst[b] *= scale;
        }
    }

    std::vector<float> logits(int position) const override {
        if (position < 0 || static_cast<std::size_t>(position) >= m_words.size())
            return {};
        return m_base->logitsAt(m_words[static_cast<std::size_t>(position)].tokens.back());
    }

    bool hasRowStats() const override { return false; }
    void rowStats(int, int, std::vector<float> &out) const override { out.clear(); }

private:
    std::shared_ptr<const AttentionResult> m_base;
    std::vector<Word> m_words;
    std::vector<int> m_wordOf;
};

} // namespace

bool marksContinuations(std::string_view tokenizerKind) { return tokenizerKind.find("WordPiece") != std::string_view::npos; }

bool marksContinuations(const Tokenizer &tokenizer) {
    if (!marksContinuations(tokenizer.kind()))
        return false;
    for (int id = 0; id < tokenizer.vocabSize(); ++id)
        if (startsWith(tokenizer.piece(id), "##"))
            return true;
    return false;
}

std::vector<Word> groupWords(const std::vector<Token> &tokens, std::string_view text, bool continuationMarks) {
    std::vector<Word> words;
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const Token &t = tokens[i];
        const bool afterSpecial = i > 0 && tokens[i - 1].special;
        if (words.empty() || t.special || afterSpecial || startsWord(t, continuationMarks)) {
            if (!words.empty())
                finish(words.back(), tokens, text);
            words.emplace_back();
            words.back().special = t.special;
        }
        words.back().tokens.push_back(static_cast<int>(i));
    }
    if (!words.empty())
        finish(words.back(), tokens, text);
    return words;
}

std::vector<int> wordOfToken(const std::vector<Word> &words, int tokenCount) {
    std::vector<int> of(static_cast<std::size_t>(std::max(0, tokenCount)), -1);
    for (std::size_t w = 0; w < words.size(); ++w)
        for (int p : words[w].tokens)
            if (p >= 0 && p < tokenCount)
                of[static_cast<std::size_t>(p)] = static_cast<int>(w);
    return of;
}

AttentionResult wordLevel(std::shared_ptr<const AttentionResult> tokens, std::vector<Word> words) {
    if (!tokens)
        throw std::invalid_argument("wordLevel: no token result");
    // The words must cover the tokens exactly once, in order: anything else is a caller's mistake.
    std::size_t next = 0;
    for (const Word &w : words)
        for (int p : w.tokens)
            if (p != static_cast<int>(next++))
                throw std::invalid_argument("wordLevel: the words do not cover the tokens in order");
    if (next != tokens->tokens.size())
        throw std::invalid_argument("wordLevel: the words do not cover the tokens in order");

    AttentionResult r;
    r.text = tokens->text;
    r.layers = tokens->layers;
    r.heads = tokens->heads;
    r.vocabSize = tokens->vocabSize;
    r.causal = tokens->causal;
    r.truncated = tokens->truncated;
    r.measure = tokens->measure;
    r.computeMs = tokens->computeMs;
    std::unordered_map<std::string, int> firstOf; // a repeated word gets the same id: induction over words
    for (const Word &w : words) {
        Token t;
        t.id = firstOf.try_emplace(w.text, static_cast<int>(r.tokens.size())).first->second;
        t.word = true;
        t.piece = w.text;
        t.byteBegin = w.byteBegin;
        t.byteEnd = w.byteEnd;
        t.special = w.special;
        r.tokens.push_back(std::move(t));
    }
    if (const float *last = tokens->lastLogits()) { // the last word ends with the last token
        r.logits.assign(last, last + tokens->vocabSize);
        r.logitRows = 1;
    }
    if (tokens->hasAttention())
        r.source = std::make_shared<WordSource>(std::move(tokens), std::move(words));
    return r;
}

std::string matchingForm(std::string_view word) {
    const std::vector<char32_t> cps = text::codepoints(word);
    auto edge = [](char32_t c) {
        return text::isPunctuation(c) || text::isWhitespace(c) || c == U'\u2581' || c == U'\u0120' ||
               (!text::isWordChar(c) && !text::isMark(c)); // symbols, emoji stay inside a word only
    };
    std::size_t begin = 0, end = cps.size();
    while (begin < end && edge(cps[begin]))
        ++begin;
    while (end > begin && edge(cps[end - 1]))
        --end;
    std::string out;
    for (std::size_t i = begin; i < end; ++i)
        out += text::lowerFull(cps[i]);
    return out;
}

} // namespace attnscope
