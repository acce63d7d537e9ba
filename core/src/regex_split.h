// The small regular-expression engine pre-tokenizers need, over code points with Unicode categories: alternation,
// (?:...) groups, (?!...) lookahead, $, ? * + {m} {m,n} (greedy, backtracking, leftmost-first like PCRE), classes with
// ranges and negation, \s \S \p{L} \p{N} \p{P} \p{S} \p{M}. And llama.cpp's split: each pattern in turn cuts every
// fragment into its matches and the runs between them.
#pragma once

#include "unicode.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope {

class CodepointRegex {
public:
    // Compiles a UTF-8 pattern; throws nothing: an invalid pattern gives an object whose valid() is false.
    explicit CodepointRegex(std::string_view pattern);
    ~CodepointRegex();
    CodepointRegex(CodepointRegex &&) noexcept;
    CodepointRegex &operator=(CodepointRegex &&) noexcept;

    bool valid() const;
    const std::string &error() const;
    // End of the match that starts at text[pos] and may not run past `limit`, or -1.
    int matchAt(const std::vector<char32_t> &text, int pos, int limit) const;

private:
    struct Program;
    std::unique_ptr<Program> m_program;
};

// Fragments [begin, end) of code point indices covering [0, text.size()), after splitting by each regex in turn.
std::vector<std::pair<int, int>> regexSplit(const std::vector<char32_t> &text, const std::vector<CodepointRegex> &regexes);

} // namespace attnscope
