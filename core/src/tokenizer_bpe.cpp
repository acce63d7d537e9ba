// ByteLevelBpe: pre-tokenizer patterns per llama.cpp's tokenizer.ggml.pre names, the GPT-2 byte table, rank merges.
#include "tokenizer_bpe.h"
#include "regex_split.h"

#include <algorithm>
#include <array>
#include <map>
#include <unordered_map>

namespace attnscope {

namespace {

const char *const kGpt2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";

// The pre-tokenizer of each tokenizer.ggml.pre value: regexes applied in turn (llama.cpp's llm_tokenizer_bpe).
std::vector<std::string> preTokenizer(const std::string &pre) {
    if (pre == "llama3" || pre == "llama-bpe" || pre == "llama-v3" || pre == "dbrx" || pre == "smaug-bpe")
        return {"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
                "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"};
    if (pre == "qwen2" || pre == "stablelm2" || pre == "deepseek-r1-qwen")
        return {"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| "
                "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"};
    if (pre == "deepseek-llm")
        return {"[\r\n]",
                "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-"
                "ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-"
                "ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
                "\\s?[!-/:-~！-／：-～‘-‟　-。]+", "\\s+$", "[一-龥ࠀ-一가-퟿]+", "\\p{N}+"};
    if (pre == "deepseek-coder")
        return {"[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[一-龥ࠀ-一가-퟿]+", "\\p{N}"};
    if (pre == "falcon")
        return {"[\\p{P}\\$\\+<=>\\^~\\|`]+", kGpt2, "[0-9][0-9][0-9]"};
    if (pre == "starcoder" || pre == "refact" || pre == "command-r" || pre == "smollm" || pre == "codeshell" ||
        pre == "exaone" || pre == "minerva-7b")
        return {"\\p{N}", kGpt2};
    if (pre == "gpt-2" || pre == "mpt" || pre == "olmo" || pre == "jais")
        return {kGpt2};
    // llama.cpp's default for BPE vocabularies without a (known) pre-tokenizer name.
    return {"[\\p{P}\\$\\+<=>\\^~\\|]+", kGpt2, "\\p{N}+", "[0-9][0-9][0-9]"};
}

// GPT-2's bytes_to_unicode: printable bytes stand for themselves, the others for code points from 256 up.
std::array<std::string, 256> byteTable() {
    std::array<std::string, 256> table;
    int n = 0;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
        table[static_cast<std::size_t>(b)] = unicode::encodeUtf8(printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++));
    }
    return table;
}

class ByteLevelBpe final : public Tokenizer {
public:
    ByteLevelBpe(std::string name, std::string pre) : Tokenizer(std::move(name)), m_pre(std::move(pre)) {}

    Result<std::vector<Token>> encode(std::string_view text, bool addSpecial) const override;
    int vocabSize() const override { return static_cast<int>(m_pieces.size()); }
    int bosId() const override { return m_bos; }
    std::string piece(int id) const override {
        return id >= 0 && id < vocabSize() ? m_pieces[static_cast<std::size_t>(id)] : std::string();
    }
    int pieceType(int id) const override {
        return id >= 0 && id < vocabSize() ? m_types[static_cast<std::size_t>(id)] : 1;
    }
    std::string kind() const override { return "byte-level BPE (" + (m_pre.empty() ? std::string("default") : m_pre) + ")"; }

    std::vector<std::string> m_pieces;
    std::vector<int> m_types;
    std::unordered_map<std::string, int> m_ids;
    std::unordered_map<std::string, int> m_ranks; // "left right" -> merge rank
    std::vector<CodepointRegex> m_regexes;
    std::array<std::string, 256> m_bytes = byteTable();
    std::vector<std::pair<std::string, int>> m_userDefined; // matched in the text before pre-tokenizing, longest first
    int m_bos = -1;
    int m_unknown = -1;
    bool m_addBos = false;
    std::string m_pre;

private:
    void encodeFragment(std::string_view text, int offset, std::vector<Token> &out) const;
};

void ByteLevelBpe::encodeFragment(std::string_view text, int offset, std::vector<Token> &out) const {
    struct Symbol {
        std::string text;
        int begin, end; // bytes in the original text
    };
    std::vector<Symbol> symbols;
    for (std::size_t i = 0; i < text.size(); ++i)
        symbols.push_back({m_bytes[static_cast<unsigned char>(text[i])], offset + static_cast<int>(i),
                           offset + static_cast<int>(i) + 1});
    // Merge the adjacent pair with the lowest rank (leftmost on ties) until none is in the merge list.
    while (symbols.size() > 1) {
        int best = -1, bestRank = 0;
        for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
            const auto it = m_ranks.find(symbols[i].text + ' ' + symbols[i + 1].text);
            if (it != m_ranks.end() && (best < 0 || it->second < bestRank)) {
                best = static_cast<int>(i);
                bestRank = it->second;
            }
        }
        if (best < 0)
            break;
        Symbol &left = symbols[static_cast<std::size_t>(best)];
        left.text += symbols[static_cast<std::size_t>(best) + 1].text;
        left.end = symbols[static_cast<std::size_t>(best) + 1].end;
        symbols.erase(symbols.begin() + best + 1);
    }
    for (const Symbol &s : symbols) {
        const auto it = m_ids.find(s.text);
        if (it != m_ids.end()) {
            out.push_back(Token{it->second, s.text, s.begin, s.end, false, false});
            continue;
        }
        // Not in the vocabulary as a whole: its bytes one by one (each byte stand-in is a token in GPT-2 vocabularies).
        for (int b = s.begin; b < s.end; ++b) {
            const std::string &ch = m_bytes[static_cast<unsigned char>(text[static_cast<std::size_t>(b - offset)])];
            const auto byteIt = m_ids.find(ch);
            const int id = byteIt != m_ids.end() ? byteIt->second : m_unknown;
            if (id >= 0)
                out.push_back(Token{id, piece(id), b, b + 1, false, false});
        }
    }
}

Result<std::vector<Token>> ByteLevelBpe::encode(std::string_view text, bool addSpecial) const {
    std::vector<Token> tokens;
    if (addSpecial && m_addBos && m_bos >= 0)
        tokens.push_back(Token{m_bos, piece(m_bos), 0, 0, true, false});
    // User-defined tokens are cut out of the text first (llama.cpp does this even when not parsing special tokens).
    std::vector<std::pair<int, int>> spans; // [begin, end) bytes of plain text, or -id-1 markers
    std::size_t start = 0;
    for (std::size_t pos = 0; pos < text.size();) {
        int matched = -1;
        std::size_t length = 0;
        for (const auto &[token, id] : m_userDefined)
            if (text.compare(pos, token.size(), token) == 0) {
                matched = id;
                length = token.size();
                break;
            }
        if (matched < 0) {
            ++pos;
            continue;
        }
        if (start < pos)
            spans.emplace_back(static_cast<int>(start), static_cast<int>(pos));
        spans.emplace_back(-matched - 1, static_cast<int>(pos));
        pos += length;
        start = pos;
    }
    if (start < text.size())
        spans.emplace_back(static_cast<int>(start), static_cast<int>(text.size()));
    for (const auto &[a, b] : spans) {
        if (a < 0) { // a user-defined token at byte b
            const int id = -a - 1;
            const std::string &p = m_pieces[static_cast<std::size_t>(id)];
            tokens.push_back(Token{id, p, b, b + static_cast<int>(p.size()), false, false});
            continue;
        }
        const std::string_view part = text.substr(static_cast<std::size_t>(a), static_cast<std::size_t>(b - a));
        const std::vector<unicode::Codepoint> cps = unicode::decodeUtf8(part);
        std::vector<char32_t> chars;
        chars.reserve(cps.size());
        for (const unicode::Codepoint &c : cps)
            chars.push_back(c.cp);
        for (const auto &[first, last] : regexSplit(chars, m_regexes)) {
            const int begin = cps[static_cast<std::size_t>(first)].begin;
            const int end = cps[static_cast<std::size_t>(last - 1)].end;
            encodeFragment(part.substr(static_cast<std::size_t>(begin), static_cast<std::size_t>(end - begin)), a + begin,
                           tokens);
        }
    }
    return tokens;
}

} // namespace

Result<std::shared_ptr<const Tokenizer>> makeByteLevelBpe(const std::string &name, BpeVocabulary v) {
    if (v.pieces.empty())
        return makeError(name + ": the BPE vocabulary is empty");
    auto bpe = std::make_shared<ByteLevelBpe>(name, v.pre);
    const std::size_t n = v.pieces.size();
    bpe->m_pieces = std::move(v.pieces);
    bpe->m_types = v.types.size() == n ? std::move(v.types) : std::vector<int>(n, 1);
    for (std::size_t i = 0; i < n; ++i) {
        bpe->m_ids.emplace(bpe->m_pieces[i], static_cast<int>(i));
        if (bpe->m_types[i] == 4) // user-defined
            bpe->m_userDefined.emplace_back(bpe->m_pieces[i], static_cast<int>(i));
    }
    std::stable_sort(bpe->m_userDefined.begin(), bpe->m_userDefined.end(),
                     [](const auto &a, const auto &b) { return a.first.size() > b.first.size(); });
    bpe->m_ranks.reserve(v.merges.size());
    for (std::size_t r = 0; r < v.merges.size(); ++r)
        bpe->m_ranks.emplace(std::move(v.merges[r]), static_cast<int>(r));
    for (const std::string &pattern : preTokenizer(v.pre)) {
        CodepointRegex re(pattern);
        if (!re.valid())
            return makeError(name + ": internal error in the \"" + v.pre + "\" pre-tokenizer (" + re.error() + ")");
        bpe->m_regexes.push_back(std::move(re));
    }
    const auto valid = [n](int id) { return id >= 0 && static_cast<std::size_t>(id) < n ? id : -1; };
    bpe->m_bos = valid(v.bos);
    bpe->m_unknown = valid(v.unknown);
    bpe->m_addBos = v.addBos;
    return std::shared_ptr<const Tokenizer>(std::move(bpe));
}

Result<std::shared_ptr<const Tokenizer>> byteLevelBpeFromGguf(const gguf::File &f) {
    const std::string name = f.name();
    const gguf::Array *tokens = f.getArray("tokenizer.ggml.tokens");
    const gguf::Array *merges = f.getArray("tokenizer.ggml.merges");
    if (!tokens || tokens->elementType != gguf::ValueType::String || tokens->count == 0)
        return makeError(name + ": no vocabulary (tokenizer.ggml.tokens is missing or not a list of strings)");
    if (!merges || merges->elementType != gguf::ValueType::String)
        return makeError(name + ": a BPE vocabulary needs tokenizer.ggml.merges, which is missing");
    const gguf::Array *types = f.getArray("tokenizer.ggml.token_type");
    BpeVocabulary v;
    v.pre = f.getString("tokenizer.ggml.pre").value_or("");
    const std::size_t n = tokens->strings.size();
    for (std::size_t i = 0; i < n; ++i) {
        v.pieces.emplace_back(tokens->strings[i]);
        v.types.push_back(types && types->count == n ? static_cast<int>(types->integer(i)) : 1);
    }
    for (const std::string_view m : merges->strings)
        v.merges.emplace_back(m);
    v.bos = f.tokenId({"tokenizer.ggml.bos_token_id"});
    v.unknown = f.tokenId({"tokenizer.ggml.unknown_token_id"});
    v.addBos = f.getBool("tokenizer.ggml.add_bos_token").value_or(false);
    return makeByteLevelBpe(name, std::move(v));
}

} // namespace attnscope
