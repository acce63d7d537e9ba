// Unicode for tokenizers: UTF-8 decoding that keeps byte spans (invalid bytes become U+FFFD of one byte, never an
// error), general-category flags, simple lowercasing and the base letter of accented characters. Tables are
// generated from the Unicode database by scripts/dev/gen_unicode_tables.py.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::unicode {

enum Flag : std::uint8_t {
    Letter = 1,
    Number = 2,
    Mark = 4,
    Punctuation = 8,
    Symbol = 16,
    Whitespace = 32,
    Control = 64, // Cc and Cf
};

struct Codepoint {
    char32_t cp;
    int begin; // byte span in the text it was decoded from
    int end;
};

std::vector<Codepoint> decodeUtf8(std::string_view text);
std::string encodeUtf8(char32_t cp);
std::uint8_t flags(char32_t cp);
char32_t toLower(char32_t cp);
char32_t accentBase(char32_t cp); // "é" -> "e"; itself when it has no accent to strip

} // namespace attnscope::unicode
