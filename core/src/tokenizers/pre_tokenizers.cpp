// Pre-tokenizers: ByteLevel, Split, Metaspace, Whitespace, WhitespaceSplit, Digits, Punctuation, BertPreTokenizer,
// CharDelimiterSplit, FixedLength, Sequence, and llama.cpp's BERT preprocessing for GGUF WordPiece vocabularies.
// Splitting follows Hugging Face's NormalizedString::split: a pattern marks matches, the behaviour decides what
// becomes of them, empty pieces are dropped.
#include "tokenizers/pipeline.h"

#include <array>
#include <functional>

namespace attnscope::tok {

namespace {

struct Mark {
    std::size_t begin, end;
    bool match;
};

// Matches and the runs between them, covering the whole text (Hugging Face's Pattern::find_matches).
Result<std::vector<Mark>> regexMarks(const Regex &re, std::string_view s) {
    if (s.empty())
        return std::vector<Mark>{{0, 0, false}};
    auto found = re.findAll(s);
    if (!found)
        return found.error();
    std::vector<Mark> marks;
    std::size_t previous = 0;
    for (const auto &[b, e] : found.value()) {
        if (previous != b)
            marks.push_back({previous, b, false});
        marks.push_back({b, e, true});
        previous = e;
    }
    if (previous != s.size())
        marks.push_back({previous, s.size(), false});
    return marks;
}

// Every character for which `f` holds is a match of its own.
std::vector<Mark> charMarks(std::string_view s, const std::function<bool(char32_t)> &f) {
    if (s.empty())
        return {{0, 0, false}};
    std::vector<Mark> marks;
    std::size_t last = 0;
    for (std::size_t i = 0; i < s.size();) {
        int length = 1;
        const char32_t c = text::decode(s, i, &length);
        const std::size_t end = i + static_cast<std::size_t>(length);
        if (f(c)) {
            if (last < i)
                marks.push_back({last, i, false});
            marks.push_back({i, end, true});
            last = end;
        }
        i = end;
    }
    if (s.size() > last)
        marks.push_back({last, s.size(), false});
    return marks;
}

std::vector<Normalized> applyBehavior(const Normalized &n, std::vector<Mark> marks, Behavior behavior, bool invert) {
    if (invert)
        for (Mark &m : marks)
            m.match = !m.match;
    std::vector<std::pair<std::size_t, std::size_t>> pieces; // kept, in order
    bool previousMatch = false;
    switch (behavior) {
    case Behavior::Isolated:
        for (const Mark &m : marks)
            pieces.emplace_back(m.begin, m.end);
        break;
    case Behavior::Removed:
        for (const Mark &m : marks)
            if (!m.match)
                pieces.emplace_back(m.begin, m.end);
        break;
    case Behavior::MergedWithPrevious:
        for (const Mark &m : marks) {
            if (m.match && !previousMatch && !pieces.empty())
                pieces.back().second = m.end;
            else
                pieces.emplace_back(m.begin, m.end);
            previousMatch = m.match;
        }
        break;
    case Behavior::MergedWithNext: {
        for (auto it = marks.rbegin(); it != marks.rend(); ++it) {
            if (it->match && !previousMatch && !pieces.empty())
                pieces.back().first = it->begin;
            else
                pieces.emplace_back(it->begin, it->end);
            previousMatch = it->match;
        }
        std::reverse(pieces.begin(), pieces.end());
        break;
    }
    case Behavior::Contiguous:
        for (const Mark &m : marks) {
            if (m.match == previousMatch && !pieces.empty())
                pieces.back().second = m.end;
            else
                pieces.emplace_back(m.begin, m.end);
            previousMatch = m.match;
        }
        break;
    }
    std::vector<Normalized> out;
    out.reserve(pieces.size());
    for (const auto &[b, e] : pieces)
        if (e > b)
            out.push_back(n.slice(b, e));
    return out;
}

// Replaces every split that is not done by what `f` makes of its text.
Status splitEach(std::vector<Split> &splits, const std::function<Result<std::vector<Normalized>>(Normalized &)> &f) {
    std::vector<Split> out;
    out.reserve(splits.size());
    for (Split &s : splits) {
        if (s.done) {
            out.push_back(std::move(s));
            continue;
        }
        auto pieces = f(s.text);
        if (!pieces)
            return pieces.error();
        for (Normalized &p : pieces.value())
            if (!p.empty())
                out.push_back(Split{std::move(p), false, -1});
    }
    splits = std::move(out);
    return Ok{};
}

class SplitPattern final : public PreTokenizer {
public:
    SplitPattern(std::shared_ptr<const Regex> re, Behavior b, bool invert) : m_re(std::move(re)), m_behavior(b), m_invert(invert) {}
    Status split(std::vector<Split> &splits) const override {
        return splitEach(splits, [&](Normalized &n) -> Result<std::vector<Normalized>> {
            auto marks = regexMarks(*m_re, n.str());
            if (!marks)
                return marks.error();
            return applyBehavior(n, std::move(marks.value()), m_behavior, m_invert);
        });
    }

private:
    std::shared_ptr<const Regex> m_re;
    Behavior m_behavior;
    bool m_invert;
};

class SplitChars final : public PreTokenizer {
public:
    SplitChars(std::function<bool(char32_t)> f, Behavior b) : m_f(std::move(f)), m_behavior(b) {}
    Status split(std::vector<Split> &splits) const override {
        return splitEach(splits, [&](Normalized &n) -> Result<std::vector<Normalized>> {
            return applyBehavior(n, charMarks(n.str(), m_f), m_behavior, false);
        });
    }

private:
    std::function<bool(char32_t)> m_f;
    Behavior m_behavior;
};

const char *const kByteLevelRegex =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

class ByteLevel final : public PreTokenizer {
public:
    ByteLevel(bool addPrefixSpace, bool useRegex) : m_addPrefixSpace(addPrefixSpace) {
        if (useRegex)
            m_re = Regex::compile(kByteLevelRegex).value();
    }
    Status split(std::vector<Split> &splits) const override {
        auto s = splitEach(splits, [&](Normalized &n) -> Result<std::vector<Normalized>> {
            if (m_addPrefixSpace && n.str().front() != ' ')
                n.prepend(" ");
            if (!m_re)
                return std::vector<Normalized>{n};
            auto marks = regexMarks(*m_re, n.str());
            if (!marks)
                return marks.error();
            return applyBehavior(n, std::move(marks.value()), Behavior::Isolated, false);
        });
        if (!s)
            return s;
        for (Split &sp : splits) // every byte becomes its printable stand-in
            if (!sp.done)
                sp.text.mapChars([](char32_t c, std::string &out) {
                    const std::string utf8 = text::encode(c);
                    for (const char b : utf8)
                        out += byteLevelChar(static_cast<unsigned char>(b));
                });
        return Ok{};
    }

private:
    bool m_addPrefixSpace;
    std::shared_ptr<const Regex> m_re;
};

enum class PrependScheme { Always, Never, First };

class Metaspace final : public PreTokenizer {
public:
    Metaspace(std::string replacement, PrependScheme scheme, bool split)
        : m_replacement(std::move(replacement)), m_scheme(scheme), m_split(split) {
        m_char = text::codepoints(m_replacement).front();
    }
    Status split(std::vector<Split> &splits) const override {
        return splitEach(splits, [&](Normalized &n) -> Result<std::vector<Normalized>> {
            n.mapChars([&](char32_t c, std::string &out) {
                if (c == ' ')
                    out += m_replacement;
                else
                    text::append(out, c);
            });
            const bool startsWith = n.str().compare(0, m_replacement.size(), m_replacement) == 0;
            if (!startsWith && (m_scheme == PrependScheme::Always ||
                                (m_scheme == PrependScheme::First && n.originalSpan().first == 0)))
                n.prepend(m_replacement);
            if (!m_split)
                return std::vector<Normalized>{n};
            return applyBehavior(n, charMarks(n.str(), [&](char32_t c) { return c == m_char; }), Behavior::MergedWithNext,
                                 false);
        });
    }

private:
    std::string m_replacement;
    char32_t m_char;
    PrependScheme m_scheme;
    bool m_split;
};

class FixedLength final : public PreTokenizer {
public:
    explicit FixedLength(std::size_t length) : m_length(length) {}
    Status split(std::vector<Split> &splits) const override {
        return splitEach(splits, [&](Normalized &n) -> Result<std::vector<Normalized>> {
            std::vector<Normalized> out;
            std::size_t start = 0, chars = 0;
            for (std::size_t i = 0; i < n.size();) {
                int length = 1;
                text::decode(n.str(), i, &length);
                i += static_cast<std::size_t>(length);
                if (++chars == m_length) {
                    out.push_back(n.slice(start, i));
                    start = i;
                    chars = 0;
                }
            }
            if (start < n.size())
                out.push_back(n.slice(start, n.size()));
            return out;
        });
    }

private:
    std::size_t m_length;
};

// llama.cpp's WordPiece preprocessing (llm_tokenizer_wpm): each character reduced to its base letter, lower-cased;
// marks, controls, NUL and U+FFFD dropped; words split at whitespace, and punctuation, ASCII symbols and CJK
// characters become words of their own. GGUF vocabularies spell a word start "▁word", so each word gets "▁".
class LlamaCppWordPiece final : public PreTokenizer {
public:
    Status split(std::vector<Split> &splits) const override {
        return splitEach(splits, [&](Normalized &n) -> Result<std::vector<Normalized>> {
            std::vector<Normalized> words;
            n.mapChars([](char32_t c, std::string &out) {
                const std::string nfd = text::normalize(text::encode(c), text::Form::NFD);
                const char32_t base = text::codepoints(nfd).front();
                if (text::isWhitespace(base)) {
                    out.push_back(' ');
                    return;
                }
                if (base == 0 || base == 0xFFFD || text::isControl(base) || text::isMark(base))
                    return;
                const char32_t lower = text::lower(base);
                const bool alone = text::isPunctuation(base) || text::isChinese(base);
                if (alone)
                    out.push_back(' ');
                text::append(out, lower);
                if (alone)
                    out.push_back(' ');
            });
            for (Normalized &w : applyBehavior(n, charMarks(n.str(), [](char32_t c) { return c == ' '; }), Behavior::Removed,
                                               false)) {
                w.prepend("\xE2\x96\x81");
                words.push_back(std::move(w));
            }
            return words;
        });
    }
};

class SequencePreTokenizer final : public PreTokenizer {
public:
    explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts) : m_parts(std::move(parts)) {}
    Status split(std::vector<Split> &splits) const override {
        for (const auto &p : m_parts)
            if (auto s = p->split(splits); !s)
                return s;
        return Ok{};
    }

private:
    std::vector<std::unique_ptr<PreTokenizer>> m_parts;
};

Result<Behavior> behaviorFromJson(json::Element e, const Where &where, Behavior fallback) {
    const auto b = json::stringMember(e, "behavior");
    if (!b)
        return fallback;
    if (*b == "Removed")
        return Behavior::Removed;
    if (*b == "Isolated")
        return Behavior::Isolated;
    if (*b == "MergedWithPrevious")
        return Behavior::MergedWithPrevious;
    if (*b == "MergedWithNext")
        return Behavior::MergedWithNext;
    if (*b == "Contiguous")
        return Behavior::Contiguous;
    return where.error("split behavior '" + std::string(*b) + "' is not one of Removed, Isolated, MergedWithPrevious, "
                                                               "MergedWithNext, Contiguous");
}

} // namespace

const std::string &byteLevelChar(unsigned char b) {
    static const std::array<std::string, 256> table = [] {
        std::array<std::string, 256> t;
        int n = 0;
        for (int i = 0; i < 256; ++i) {
            const bool printable = (i >= 0x21 && i <= 0x7e) || (i >= 0xa1 && i <= 0xac) || (i >= 0xae && i <= 0xff);
            t[static_cast<std::size_t>(i)] = text::encode(printable ? static_cast<char32_t>(i) : static_cast<char32_t>(256 + n++));
        }
        return t;
    }();
    return table[b];
}

int byteLevelByte(char32_t c) {
    static const std::unordered_map<char32_t, int> inverse = [] {
        std::unordered_map<char32_t, int> m;
        for (int i = 0; i < 256; ++i)
            m.emplace(text::codepoints(byteLevelChar(static_cast<unsigned char>(i))).front(), i);
        return m;
    }();
    const auto it = inverse.find(c);
    return it == inverse.end() ? -1 : it->second;
}

std::unique_ptr<PreTokenizer> makeSplit(std::shared_ptr<const Regex> pattern, Behavior behavior, bool invert) {
    return std::make_unique<SplitPattern>(std::move(pattern), behavior, invert);
}
std::unique_ptr<PreTokenizer> makeByteLevel(bool addPrefixSpace, bool useRegex) {
    return std::make_unique<ByteLevel>(addPrefixSpace, useRegex);
}
std::unique_ptr<PreTokenizer> makeSequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts) {
    return std::make_unique<SequencePreTokenizer>(std::move(parts));
}
std::unique_ptr<PreTokenizer> makeBertPreTokenizer() {
    std::vector<std::unique_ptr<PreTokenizer>> parts;
    parts.push_back(std::make_unique<SplitChars>(text::isWhitespace, Behavior::Removed));
    parts.push_back(std::make_unique<SplitChars>(text::isPunctuation, Behavior::Isolated));
    return std::make_unique<SequencePreTokenizer>(std::move(parts));
}
std::unique_ptr<PreTokenizer> makeLlamaCppWordPiecePreTokenizer() {
    return std::make_unique<LlamaCppWordPiece>();
}

Result<std::unique_ptr<PreTokenizer>> preTokenizerFromJson(json::Element e, const Where &where) {
    if (!json::isObject(e))
        return where.error("a pre_tokenizer must be an object");
    const auto type = json::stringMember(e, "type");
    if (!type)
        return where.error("the pre_tokenizer has no \"type\"");
    bool ok = true;
    auto flag = [&](const char *key, bool fallback) { return json::boolMember(e, key, &ok).value_or(fallback); };
    std::unique_ptr<PreTokenizer> result;
    if (*type == "ByteLevel") {
        result = std::make_unique<ByteLevel>(flag("add_prefix_space", true), flag("use_regex", true));
    } else if (*type == "Split") {
        const auto pattern = json::member(e, "pattern");
        if (!pattern)
            return where.error("Split needs a \"pattern\"");
        auto re = patternFromJson(*pattern, where / "pattern");
        if (!re)
            return re.error();
        auto behavior = behaviorFromJson(e, where, Behavior::Isolated);
        if (!behavior)
            return behavior.error();
        result = std::make_unique<SplitPattern>(re.value(), behavior.value(), flag("invert", false));
    } else if (*type == "Metaspace") {
        const std::string replacement(json::stringMember(e, "replacement", &ok).value_or("\xE2\x96\x81"));
        if (text::codepoints(replacement).size() != 1)
            return where.error("Metaspace's replacement must be one character");
        PrependScheme scheme = flag("add_prefix_space", true) ? PrependScheme::Always : PrependScheme::Never;
        if (const auto s = json::stringMember(e, "prepend_scheme", &ok)) {
            if (*s == "always")
                scheme = PrependScheme::Always;
            else if (*s == "never")
                scheme = PrependScheme::Never;
            else if (*s == "first")
                scheme = PrependScheme::First;
            else
                return where.error("Metaspace's prepend_scheme '" + std::string(*s) + "' is not always, never or first");
        }
        result = std::make_unique<Metaspace>(replacement, scheme, flag("split", true));
    } else if (*type == "Whitespace") {
        result = std::make_unique<SplitPattern>(
            // Oniguruma's \w is Unicode's: letters, marks, decimal and letter numbers, connectors, ZWNJ and ZWJ.
            Regex::compile("[\\p{L}\\p{M}\\p{Nd}\\p{Nl}\\p{Pc}\\x{200C}\\x{200D}]+|[^\\p{L}\\p{M}\\p{Nd}\\p{Nl}\\p{Pc}\\x{200C}\\x{200D}\\s]+").value(),
            Behavior::Removed, true);
    } else if (*type == "WhitespaceSplit") {
        result = std::make_unique<SplitChars>(text::isWhitespace, Behavior::Removed);
    } else if (*type == "Digits") {
        result = std::make_unique<SplitChars>(text::isNumeric, flag("individual_digits", false) ? Behavior::Isolated
                                                                                                : Behavior::Contiguous);
    } else if (*type == "Punctuation") {
        auto behavior = behaviorFromJson(e, where, Behavior::Isolated);
        if (!behavior)
            return behavior.error();
        result = std::make_unique<SplitChars>(text::isPunctuation, behavior.value());
    } else if (*type == "BertPreTokenizer") {
        result = makeBertPreTokenizer();
    } else if (*type == "CharDelimiterSplit") {
        const auto d = json::stringMember(e, "delimiter", &ok);
        if (!d || text::codepoints(*d).size() != 1)
            return where.error("CharDelimiterSplit needs a one-character \"delimiter\"");
        const char32_t delimiter = text::codepoints(*d).front();
        result = std::make_unique<SplitChars>([delimiter](char32_t c) { return c == delimiter; }, Behavior::Removed);
    } else if (*type == "FixedLength") {
        const auto n = json::integerMember(e, "length", &ok).value_or(5);
        if (n <= 0 || n > 1'000'000)
            return where.error("FixedLength's length must be a positive number of characters");
        result = std::make_unique<FixedLength>(static_cast<std::size_t>(n));
    } else if (*type == "Sequence") {
        auto parts = sequenceFromJson<PreTokenizer>(e, "pretokenizers", where, [&](json::Element child, const Where &at) { return preTokenizerFromJson(child, at); });
        if (!parts)
            return parts.error();
        result = std::make_unique<SequencePreTokenizer>(std::move(parts.value()));
    } else {
        return where.error("pre_tokenizer type '" + std::string(*type) + "' is not supported");
    }
    if (!ok)
        return where.error("a field of the " + std::string(*type) + " pre_tokenizer has the wrong type");
    return result;
}

} // namespace attnscope::tok
