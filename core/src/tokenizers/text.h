// Text for tokenizers: UTF-8 code points through utf8proc, the character classes Hugging Face tokenizers uses
// (Rust's char::is_whitespace, is_alphanumeric, ...), and Normalized: a string that remembers, for every byte, the
// span of the original text it came from, so every token maps back to the characters the user typed.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::text {

// Decodes the code point at text[pos]; `length` gets its byte length. Invalid UTF-8 gives U+FFFD of one byte.
char32_t decode(std::string_view text, std::size_t pos, int *length);
void append(std::string &out, char32_t cp);
std::string encode(char32_t cp);
std::vector<char32_t> codepoints(std::string_view text);

bool isWhitespace(char32_t c);   // Unicode White_Space (Rust's char::is_whitespace)
bool isNumeric(char32_t c);      // N* (Rust's char::is_numeric)
bool isPunctuation(char32_t c);  // P* or ASCII punctuation (Hugging Face's is_bert_punc)
bool isControl(char32_t c);      // C* except \t \n \r (Hugging Face's BertNormalizer)
bool isChinese(char32_t c);      // the CJK blocks BERT pads with spaces
bool isNonspacingMark(char32_t c); // Mn
bool isMark(char32_t c);         // M*
bool isWordChar(char32_t c);     // \w: letters, marks, decimal digits, connector punctuation
char32_t lower(char32_t c);      // simple lower-case mapping
std::string lowerFull(char32_t c); // full lower-case mapping (U+0130 becomes "i" + U+0307)

enum class Form { NFC, NFD, NFKC, NFKD };
std::string normalize(std::string_view s, Form form);

// A string with, per byte, the [begin, end) byte span of the original text it stands for.
class Normalized {
public:
    Normalized() = default;
    // The original text itself, at `offset` in the whole input; invalid bytes become U+FFFD aligned to that byte.
    static Normalized fromOriginal(std::string_view original, int offset = 0);

    const std::string &str() const { return m_text; }
    bool empty() const { return m_text.empty(); }
    std::size_t size() const { return m_text.size(); }
    // Original span of normalized bytes [b, e); an empty range gives the point where it would be.
    std::pair<int, int> original(std::size_t b, std::size_t e) const;
    std::pair<int, int> originalSpan() const { return original(0, m_text.size()); }

    Normalized slice(std::size_t b, std::size_t e) const;
    // Replaces every code point by what `f` returns (possibly nothing, possibly several code points); the new bytes
    // stand for the span of the code point they replace.
    void mapChars(const std::function<void(char32_t, std::string &)> &f);
    void filterChars(const std::function<bool(char32_t)> &keep);
    // Replaces byte ranges [first, second) (sorted, disjoint) by `content`, which stands for the whole range.
    void replaceRanges(const std::vector<std::pair<std::size_t, std::size_t>> &ranges, std::string_view content);
    void prepend(std::string_view s); // stands for the first character's span
    void append(std::string_view s);  // stands for the last character's span
    void stripWhitespace(bool left, bool right);
    void normalize(Form form);
    void lowercase();

private:
    std::string m_text;
    std::vector<int> m_begin, m_end; // per byte of m_text
};

} // namespace attnscope::text
