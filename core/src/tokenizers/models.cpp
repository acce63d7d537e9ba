// Models: BPE (merges by rank; byte_fallback, fuse_unk, ignore_merges, continuing_subword_prefix,
// end_of_word_suffix), WordPiece (greedy longest match), WordLevel (whole words) and Unigram (the best-scoring
// segmentation, Viterbi). Each follows Hugging Face tokenizers' own algorithm, ties included.
#include "tokenizers/pipeline.h"

#include <array>
#include <cmath>
#include <limits>
#include <queue>

namespace attnscope::tok {

namespace {

constexpr std::size_t kMaxVocabulary = 1u << 24; // 16M tokens: far past any real vocabulary

std::size_t charLength(std::string_view s, std::size_t pos) {
    int length = 1;
    text::decode(s, pos, &length);
    return static_cast<std::size_t>(length);
}

std::string byteToken(unsigned char b) {
    static const char *hex = "0123456789ABCDEF";
    return std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">";
}

struct ViewHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// The byte-fallback pieces <0x00> ... <0xFF> of a vocabulary (-1 where one is missing).
struct ByteTokens {
    int ids[256];
    template <typename Find> explicit ByteTokens(Find find) {
        for (int b = 0; b < 256; ++b)
            ids[b] = find(byteToken(static_cast<unsigned char>(b))).value_or(-1);
    }
    bool contains(int id) const {
        for (const int b : ids)
            if (b == id && id >= 0)
                return true;
        return false;
    }
    // The pieces of every byte of s, or false when one is missing.
    bool spell(std::string_view s, std::vector<int> &out) const {
        out.clear();
        for (const char c : s) {
            const int id = ids[static_cast<unsigned char>(c)];
            if (id < 0)
                return false;
            out.push_back(id);
        }
        return true;
    }
};

// A vocabulary by id with its reverse map, whose keys are views of `pieces` (never resized once built, and moved
// only as a whole, so the views stay valid).
struct Vocabulary {
    std::vector<std::string> pieces; // by id; empty strings for ids nobody uses
    std::unordered_map<std::string_view, int, ViewHash, std::equal_to<>> ids;

    Vocabulary() = default;
    Vocabulary(Vocabulary &&) = default;
    Vocabulary &operator=(Vocabulary &&) = default;
    Vocabulary(const Vocabulary &) = delete;

    std::optional<int> find(std::string_view s) const {
        const auto it = ids.find(s);
        return it == ids.end() ? std::nullopt : std::optional<int>(it->second);
    }
    std::string piece(int id) const {
        return id >= 0 && static_cast<std::size_t>(id) < pieces.size() ? pieces[static_cast<std::size_t>(id)] : std::string();
    }
};

// {"token": id, ...} -> Vocabulary; ids must be distinct and in range.
Result<Vocabulary> vocabularyFromObject(json::Element e, const Where &where) {
    if (!json::isObject(e))
        return where.error("the vocabulary must be an object of token -> id");
    Vocabulary v;
    const std::vector<json::Field> fields = json::fields(e);
    const std::size_t n = fields.size();
    if (n == 0)
        return where.error("the vocabulary is empty");
    if (n > kMaxVocabulary)
        return where.error("the vocabulary has " + std::to_string(n) + " tokens, more than AttnScope reads");
    std::vector<int> ids(n);
    std::size_t size = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const auto id = json::integer(fields[i].value);
        if (!id || *id < 0 || static_cast<std::uint64_t>(*id) >= kMaxVocabulary)
            return where.error("the id of token \"" + std::string(fields[i].key.substr(0, 40)) + "\" is not a number from 0 to " +
                               std::to_string(kMaxVocabulary - 1));
        ids[i] = static_cast<int>(*id);
        size = std::max(size, static_cast<std::size_t>(*id) + 1);
    }
    if (size > 16 * n + 65536)
        return where.error("token ids run to " + std::to_string(size - 1) + " for " + std::to_string(n) +
                           " tokens: ids past the vocabulary");
    v.pieces.resize(size);
    for (std::size_t i = 0; i < n; ++i)
        v.pieces[static_cast<std::size_t>(ids[i])] = std::string(fields[i].key);
    v.ids.reserve(n);
    for (std::size_t i = 0; i < n; ++i) // a repeated key: the last one wins, as serde's map does
        v.ids.insert_or_assign(std::string_view(v.pieces[static_cast<std::size_t>(ids[i])]), ids[i]);
    return v;
}

Vocabulary vocabularyFromList(std::vector<std::string> pieces) {
    Vocabulary v;
    v.pieces = std::move(pieces);
    v.ids.reserve(v.pieces.size());
    for (std::size_t i = 0; i < v.pieces.size(); ++i) // a repeated piece: the last id wins, as in HF and llama.cpp
        v.ids.insert_or_assign(std::string_view(v.pieces[i]), static_cast<int>(i));
    return v;
}

// What every model answers from its vocabulary.
class VocabularyModel : public Model {
public:
    explicit VocabularyModel(Vocabulary v) : m_vocab(std::move(v)) {}
    std::optional<int> id(std::string_view token) const override { return m_vocab.find(token); }
    std::string piece(int id) const override { return m_vocab.piece(id); }
    int size() const override { return static_cast<int>(m_vocab.pieces.size()); }

protected:
    Vocabulary m_vocab;
};

// --- BPE -----------------------------------------------------------------------------------------------------

class Bpe final : public VocabularyModel {
public:
    Bpe(Vocabulary v, BpeOptions o)
        : VocabularyModel(std::move(v)), m_options(std::move(o)), m_bytes([&](std::string_view t) { return m_vocab.find(t); }) {}
    Status setMerges(const std::vector<std::pair<std::string_view, std::string_view>> &merges, const Where &where);

    Status tokenize(std::string_view word, std::vector<Piece> &out) const override;
    bool isByte(int id) const override { return m_options.byteFallback && m_bytes.contains(id); }
    std::optional<int> unknownId() const override { return m_unknown; }
    std::string kind() const override { return "BPE"; }

    std::optional<int> m_unknown;

private:
    struct Merge {
        int rank, id;
    };
    static std::uint64_t key(int a, int b) { return static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32 | static_cast<std::uint32_t>(b); }
    const Merge *merge(int a, int b) const {
        const auto it = m_merges.find(key(a, b));
        return it == m_merges.end() ? nullptr : &it->second;
    }

    BpeOptions m_options;
    ByteTokens m_bytes;
    std::unordered_map<std::uint64_t, Merge> m_merges;
};

Status Bpe::setMerges(const std::vector<std::pair<std::string_view, std::string_view>> &merges, const Where &where) {
    // Resolving a merge is three look-ups in a large table (Gemma 3: 514,906 merges over 262,144 tokens), mostly
    // cache misses: done on every core, then inserted in rank order.
    const std::size_t prefix = m_options.continuingSubwordPrefix.size();
    // The token a merge makes: a, then b without its continuing-subword prefix.
    auto mergedToken = [&](std::string_view a, std::string_view b, std::string &out) {
        out.assign(a);
        out.append(b.size() >= prefix && b.substr(0, prefix) == m_options.continuingSubwordPrefix ? b.substr(prefix) : b);
    };
    const long long n = static_cast<long long>(merges.size());
    std::vector<std::array<int, 3>> resolved(merges.size()); // a, b, merged; -1 where not in the vocabulary
#pragma omp parallel
    {
        std::string merged;
#pragma omp for schedule(static)
        for (long long rank = 0; rank < n; ++rank) {
            const auto &[a, b] = merges[static_cast<std::size_t>(rank)];
            mergedToken(a, b, merged);
            resolved[static_cast<std::size_t>(rank)] = {m_vocab.find(a).value_or(-1), m_vocab.find(b).value_or(-1),
                                                        m_vocab.find(merged).value_or(-1)};
        }
    }
    m_merges.reserve(merges.size());
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
        const auto [ia, ib, im] = resolved[rank];
        if (ia < 0 || ib < 0 || im < 0) {
            if (m_options.skipBrokenMerges)
                continue;
            const auto &[a, b] = merges[rank];
            std::string missing;
            mergedToken(a, b, missing);
            if (ia < 0 || ib < 0)
                missing = std::string(ia < 0 ? a : b);
            return where.error("merge " + std::to_string(rank + 1) + " (\"" + std::string(a.substr(0, 30)) + "\" \"" +
                               std::string(b.substr(0, 30)) + "\") names \"" + missing.substr(0, 40) +
                               "\", which is not in the vocabulary");
        }
        m_merges.insert_or_assign(key(ia, ib), Merge{static_cast<int>(rank), im}); // a repeated pair: the last wins
    }
    return Ok{};
}

Status Bpe::tokenize(std::string_view word, std::vector<Piece> &out) const {
    if (word.empty())
        return Ok{};
    if (m_options.ignoreMerges)
        if (const auto whole = m_vocab.find(word)) {
            out.push_back({*whole, 0, word.size()});
            return Ok{};
        }
    struct Symbol {
        int id;
        std::size_t begin, end; // bytes of the word
        int prev, next;
    };
    std::vector<Symbol> symbols;
    symbols.reserve(word.size());
    auto add = [&](int id, std::size_t begin, std::size_t end) {
        const int index = static_cast<int>(symbols.size());
        symbols.push_back({id, begin, end, index - 1, -1});
        if (index > 0)
            symbols[static_cast<std::size_t>(index) - 1].next = index;
    };
    std::optional<std::pair<std::size_t, std::size_t>> unknown; // pending unknown span
    std::string s;
    std::vector<int> bytes;
    for (std::size_t i = 0; i < word.size();) {
        const std::size_t end = i + charLength(word, i);
        s.assign(word.substr(i, end - i));
        if (i > 0 && !m_options.continuingSubwordPrefix.empty())
            s = m_options.continuingSubwordPrefix + s;
        if (end == word.size() && !m_options.endOfWordSuffix.empty())
            s += m_options.endOfWordSuffix;
        if (const auto id = m_vocab.find(s)) {
            if (unknown) {
                add(*m_unknown, unknown->first, unknown->second);
                unknown.reset();
            }
            add(*id, i, end);
            i = end;
            continue;
        }
        if (m_options.byteFallback && m_bytes.spell(s, bytes)) {
            // Each byte token stands for the character (a pending unknown is not flushed first, as in HF).
            for (const int id : bytes)
                add(id, i, end);
            i = end;
            continue;
        }
        if (m_unknown) {
            if (unknown && m_options.fuseUnknown) {
                unknown->second = end;
            } else {
                if (unknown)
                    add(*m_unknown, unknown->first, unknown->second);
                unknown = std::make_pair(i, end);
            }
        }
        i = end;
    }
    if (unknown)
        add(*m_unknown, unknown->first, unknown->second);

    // Merge the lowest-ranked pair, leftmost on ties, until none is left (HF's Word::merge_all with its queue).
    struct Candidate {
        int rank, pos, id;
        bool operator<(const Candidate &o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    std::priority_queue<Candidate> queue;
    for (std::size_t i = 0; i + 1 < symbols.size(); ++i)
        if (const Merge *m = merge(symbols[i].id, symbols[i + 1].id))
            queue.push({m->rank, static_cast<int>(i), m->id});
    std::vector<bool> removed(symbols.size(), false);
    while (!queue.empty()) {
        const Candidate top = queue.top();
        queue.pop();
        Symbol &left = symbols[static_cast<std::size_t>(top.pos)];
        if (removed[static_cast<std::size_t>(top.pos)] || left.next < 0)
            continue;
        const Symbol right = symbols[static_cast<std::size_t>(left.next)];
        const Merge *m = merge(left.id, right.id);
        if (!m || m->id != top.id)
            continue; // stale
        removed[static_cast<std::size_t>(left.next)] = true;
        left.id = top.id;
        left.end = right.end;
        left.next = right.next;
        if (right.next >= 0)
            symbols[static_cast<std::size_t>(right.next)].prev = top.pos;
        if (left.prev >= 0)
            if (const Merge *pm = merge(symbols[static_cast<std::size_t>(left.prev)].id, left.id))
                queue.push({pm->rank, left.prev, pm->id});
        if (left.next >= 0)
            if (const Merge *nm = merge(left.id, symbols[static_cast<std::size_t>(left.next)].id))
                queue.push({nm->rank, top.pos, nm->id});
    }
    for (std::size_t i = 0; i < symbols.size(); ++i)
        if (!removed[i])
            out.push_back({symbols[i].id, symbols[i].begin, symbols[i].end});
    return Ok{};
}

// --- WordPiece -----------------------------------------------------------------------------------------------

class WordPiece final : public VocabularyModel {
public:
    WordPiece(Vocabulary v, std::string unknown, std::string prefix, std::size_t maxChars)
        : VocabularyModel(std::move(v)), m_unknown(std::move(unknown)), m_prefix(std::move(prefix)), m_maxChars(maxChars) {}
    Status tokenize(std::string_view word, std::vector<Piece> &out) const override {
        const auto unknownId = m_vocab.find(m_unknown);
        auto whole = [&]() -> Status {
            if (!unknownId)
                return makeError("WordPiece: the unknown token \"" + m_unknown + "\" is not in the vocabulary");
            out.push_back({*unknownId, 0, word.size()});
            return Ok{};
        };
        if (text::codepoints(word).size() > m_maxChars)
            return whole();
        const std::size_t before = out.size();
        std::string candidate;
        for (std::size_t start = 0; start < word.size();) {
            std::size_t end = word.size();
            std::optional<int> found;
            while (start < end) {
                candidate.assign(start > 0 ? m_prefix : std::string());
                candidate.append(word.substr(start, end - start));
                if ((found = m_vocab.find(candidate)))
                    break;
                std::size_t last = end - 1;
                while (last > start && (static_cast<unsigned char>(word[last]) & 0xC0) == 0x80)
                    --last;
                end = last;
            }
            if (!found) {
                out.resize(before);
                return whole();
            }
            out.push_back({*found, start, end});
            start = end;
        }
        return Ok{};
    }
    std::optional<int> unknownId() const override { return m_vocab.find(m_unknown); }
    std::string kind() const override { return "WordPiece"; }

private:
    std::string m_unknown, m_prefix;
    std::size_t m_maxChars;
};

// --- WordLevel -----------------------------------------------------------------------------------------------

class WordLevel final : public VocabularyModel {
public:
    WordLevel(Vocabulary v, std::string unknown) : VocabularyModel(std::move(v)), m_unknown(std::move(unknown)) {}
    Status tokenize(std::string_view word, std::vector<Piece> &out) const override {
        auto id = m_vocab.find(word);
        if (!id)
            id = m_vocab.find(m_unknown);
        if (!id)
            return makeError("WordLevel: \"" + std::string(word.substr(0, 40)) + "\" is not in the vocabulary and there is "
                             "no unknown token");
        out.push_back({*id, 0, word.size()});
        return Ok{};
    }
    std::optional<int> unknownId() const override { return m_vocab.find(m_unknown); }
    std::string kind() const override { return "WordLevel"; }

private:
    std::string m_unknown;
};

// --- Unigram -------------------------------------------------------------------------------------------------

class Unigram final : public VocabularyModel {
public:
    Unigram(Vocabulary v, std::vector<double> scores, std::optional<int> unknown, bool byteFallback)
        : VocabularyModel(std::move(v)), m_scores(std::move(scores)), m_unknown(unknown), m_byteFallback(byteFallback),
          m_bytes([&](std::string_view t) { return m_vocab.find(t); }) {
        m_minScore = std::numeric_limits<double>::infinity();
        for (std::size_t i = 0; i < m_vocab.pieces.size(); ++i) {
            m_minScore = std::min(m_minScore, m_scores[i]);
            m_maxLength = std::max(m_maxLength, m_vocab.pieces[i].size());
        }
    }
    Status tokenize(std::string_view word, std::vector<Piece> &out) const override;
    float score(int id) const override {
        return id >= 0 && static_cast<std::size_t>(id) < m_scores.size() ? static_cast<float>(m_scores[static_cast<std::size_t>(id)]) : 0.0f;
    }
    bool isByte(int id) const override { return m_byteFallback && m_bytes.contains(id); }
    std::optional<int> unknownId() const override { return m_unknown; }
    std::string kind() const override { return "Unigram"; }

private:
    std::vector<double> m_scores;
    std::optional<int> m_unknown;
    bool m_byteFallback;
    double m_minScore = 0;
    std::size_t m_maxLength = 0;
    ByteTokens m_bytes;
};

Status Unigram::tokenize(std::string_view word, std::vector<Piece> &out) const {
    // Hugging Face's encode_optimized: the best path ending at every byte, then back from the end.
    constexpr double kUnknownPenalty = 10.0;
    const double unknownScore = m_minScore - kUnknownPenalty;
    struct Node {
        int id = -1;
        double score = 0;
        std::optional<std::size_t> start;
    };
    const std::size_t n = word.size();
    std::vector<Node> best(n + 1);
    for (std::size_t start = 0; start < n;) {
        const double here = best[start].score;
        const std::size_t charLen = charLength(word, start);
        bool single = false;
        for (std::size_t len = 1; len <= m_maxLength && start + len <= n; ++len) {
            const auto it = m_vocab.ids.find(word.substr(start, len));
            if (it == m_vocab.ids.end())
                continue;
            Node &target = best[start + len];
            const double candidate = m_scores[static_cast<std::size_t>(it->second)] + here;
            if (!target.start || candidate > target.score) {
                target = Node{it->second, candidate, start};
            }
            single = single || len == charLen;
        }
        if (!single) {
            if (!m_unknown)
                return makeError("Unigram: a character is not in the vocabulary and there is no unk_id");
            Node &target = best[start + charLen];
            const double candidate = unknownScore + here;
            if (!target.start || candidate > target.score)
                target = Node{*m_unknown, candidate, start};
        }
        start += charLen;
    }
    // Back from the end; consecutive unknown pieces fuse into one.
    std::vector<std::pair<std::size_t, std::size_t>> spans;
    std::vector<bool> unknownSpan;
    for (std::size_t end = n; end > 0;) {
        const Node &node = best[end];
        const std::size_t start = *node.start;
        const bool isUnknown = m_unknown && node.id == *m_unknown;
        if (isUnknown && !unknownSpan.empty() && unknownSpan.back())
            spans.back().first = start;
        else {
            spans.emplace_back(start, end);
            unknownSpan.push_back(isUnknown);
        }
        end = start;
    }
    std::vector<int> bytes;
    for (std::size_t k = spans.size(); k-- > 0;) {
        const auto [b, e] = spans[k];
        const std::string_view s = word.substr(b, e - b);
        if (const auto id = m_vocab.find(s)) {
            out.push_back({*id, b, e});
            continue;
        }
        if (m_byteFallback && m_bytes.spell(s, bytes)) {
            for (const int id : bytes)
                out.push_back({id, b, e});
            continue;
        }
        out.push_back({*m_unknown, b, e});
    }
    return Ok{};
}

// Views into the JSON document, which outlives the model's construction.
Result<std::vector<std::pair<std::string_view, std::string_view>>> mergesFromJson(json::Element e, const Where &where) {
    std::vector<std::pair<std::string_view, std::string_view>> merges;
    if (!json::isArray(e))
        return where.error("\"merges\" must be a list");
    const std::vector<json::Element> list = json::items(e);
    merges.reserve(list.size());
    std::size_t i = 0;
    for (const json::Element m : list) {
        ++i;
        if (const auto s = json::string(m)) {
            const std::size_t space = s->find(' ');
            if (space == std::string_view::npos || s->find(' ', space + 1) != std::string_view::npos)
                return where.error("merge " + std::to_string(i) + " (\"" + std::string(s->substr(0, 40)) +
                                   "\") is not two tokens separated by one space");
            merges.emplace_back(s->substr(0, space), s->substr(space + 1));
        } else if (json::Array pair; !m.get_array().get(pair) && pair.size() == 2) {
            json::Element first, second;
            const bool got = !pair.at(0).get(first) && !pair.at(1).get(second);
            const auto a = got ? json::string(first) : std::nullopt, b = got ? json::string(second) : std::nullopt;
            if (!a || !b)
                return where.error("merge " + std::to_string(i) + " is not a pair of strings");
            merges.emplace_back(*a, *b);
        } else {
            return where.error("merge " + std::to_string(i) + " is neither \"a b\" nor [\"a\", \"b\"]");
        }
    }
    return merges;
}

} // namespace

Result<std::unique_ptr<Model>> makeBpe(std::vector<std::string> vocab, const std::vector<std::pair<std::string_view, std::string_view>> &merges,
                                       const BpeOptions &options, const Where &where) {
    if (vocab.empty())
        return where.error("the BPE vocabulary is empty");
    auto bpe = std::make_unique<Bpe>(vocabularyFromList(std::move(vocab)), options);
    if (options.unknown)
        bpe->m_unknown = bpe->id(*options.unknown);
    if (auto s = bpe->setMerges(merges, where); !s)
        return s.error();
    return std::unique_ptr<Model>(std::move(bpe));
}

Result<std::unique_ptr<Model>> makeWordPiece(std::vector<std::string> vocab, std::string unknown, std::string prefix,
                                             std::size_t maxChars, const Where &where) {
    if (vocab.empty())
        return where.error("the WordPiece vocabulary is empty");
    return std::unique_ptr<Model>(std::make_unique<WordPiece>(vocabularyFromList(std::move(vocab)), std::move(unknown),
                                                              std::move(prefix), maxChars));
}

Result<std::unique_ptr<Model>> modelFromJson(json::Element e, const Where &where) {
    if (!json::isObject(e))
        return where.error("the model must be an object");
    bool ok = true;
    std::string type(json::stringMember(e, "type", &ok).value_or(""));
    const auto vocabElement = json::member(e, "vocab");
    if (type.empty()) { // older files leave the type out: tell it by its fields
        if (json::member(e, "merges"))
            type = "BPE";
        else if (vocabElement && json::isArray(*vocabElement))
            type = "Unigram";
        else if (json::member(e, "continuing_subword_prefix"))
            type = "WordPiece";
        else
            type = "WordLevel";
    }
    if (!vocabElement)
        return where.error("the " + type + " model has no \"vocab\"");
    auto str = [&](const char *key) { return std::string(json::stringMember(e, key, &ok).value_or("")); };
    if (type == "BPE") {
        auto vocab = vocabularyFromObject(*vocabElement, where / "vocab");
        if (!vocab)
            return vocab.error();
        BpeOptions o;
        if (const auto u = json::stringMember(e, "unk_token", &ok))
            o.unknown = std::string(*u);
        o.continuingSubwordPrefix = str("continuing_subword_prefix");
        o.endOfWordSuffix = str("end_of_word_suffix");
        o.fuseUnknown = json::boolMember(e, "fuse_unk", &ok).value_or(false);
        o.byteFallback = json::boolMember(e, "byte_fallback", &ok).value_or(false);
        o.ignoreMerges = json::boolMember(e, "ignore_merges", &ok).value_or(false);
        if (const auto d = json::numberMember(e, "dropout", &ok); d && (*d < 0 || *d > 1))
            return where.error("BPE dropout must be between 0 and 1");
        if (!ok)
            return where.error("a field of the BPE model has the wrong type");
        const auto mergesElement = json::member(e, "merges");
        if (!mergesElement)
            return where.error("the BPE model has no \"merges\"");
        auto merges = mergesFromJson(*mergesElement, where / "merges");
        if (!merges)
            return merges.error();
        auto bpe = std::make_unique<Bpe>(std::move(vocab.value()), o);
        if (o.unknown)
            bpe->m_unknown = bpe->id(*o.unknown);
        if (auto s = bpe->setMerges(merges.value(), where / "merges"); !s)
            return s.error();
        return std::unique_ptr<Model>(std::move(bpe));
    }
    if (type == "WordPiece" || type == "WordLevel") {
        auto vocab = vocabularyFromObject(*vocabElement, where / "vocab");
        if (!vocab)
            return vocab.error();
        std::string unknown = json::stringMember(e, "unk_token", &ok) ? str("unk_token") : std::string("[UNK]");
        if (type == "WordLevel") {
            if (!ok)
                return where.error("a field of the WordLevel model has the wrong type");
            return std::unique_ptr<Model>(std::make_unique<WordLevel>(std::move(vocab.value()), std::move(unknown)));
        }
        const std::string prefix = json::stringMember(e, "continuing_subword_prefix", &ok) ? str("continuing_subword_prefix") : "##";
        const auto maxChars = json::integerMember(e, "max_input_chars_per_word", &ok).value_or(100);
        if (!ok || maxChars < 0)
            return where.error("a field of the WordPiece model has the wrong type");
        return std::unique_ptr<Model>(std::make_unique<WordPiece>(std::move(vocab.value()), std::move(unknown), prefix,
                                                                  static_cast<std::size_t>(maxChars)));
    }
    if (type == "Unigram") {
        if (!json::isArray(*vocabElement))
            return where.error("the Unigram vocabulary must be a list of [piece, score]");
        const json::Array list = vocabElement->get_array().value_unsafe();
        if (list.size() == 0)
            return where.error("the vocabulary is empty");
        if (list.size() > kMaxVocabulary)
            return where.error("the vocabulary has more tokens than AttnScope reads");
        std::vector<std::string> pieces;
        std::vector<double> scores;
        pieces.reserve(list.size());
        for (json::Element item : list) {
            const auto p = json::isArray(item) && json::items(item).size() == 2 ? json::string(json::items(item)[0]) : std::nullopt;
            const auto s = p ? json::number(json::items(item)[1]) : std::nullopt;
            if (!p || !s || !std::isfinite(*s))
                return (where / "vocab").at(pieces.size()).error("a Unigram entry must be [piece, score]");
            pieces.emplace_back(*p);
            scores.push_back(*s);
        }
        const auto unk = json::integerMember(e, "unk_id", &ok);
        if (!ok || (unk && (*unk < 0 || static_cast<std::size_t>(*unk) >= pieces.size())))
            return where.error("unk_id is not an id of the vocabulary");
        const bool byteFallback = json::boolMember(e, "byte_fallback", &ok).value_or(false);
        std::optional<int> unknown;
        if (unk)
            unknown = static_cast<int>(*unk);
        return std::unique_ptr<Model>(std::make_unique<Unigram>(vocabularyFromList(std::move(pieces)), std::move(scores),
                                                                unknown, byteFallback));
    }
    return where.error("model type '" + type + "' is not supported");
}

} // namespace attnscope::tok
