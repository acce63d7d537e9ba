// Regular expressions for pre-tokenizers and normalizers: PCRE2 with UTF and Unicode properties (UCP), JIT-compiled,
// with a backtracking limit so that a hostile pattern gives an error instead of a hang. Hugging Face writes these
// patterns for Oniguruma; the syntax they use (\p{L}, (?i:...), (?!...), {m,n}) means the same in PCRE2.
#pragma once

#include "attnscope/result.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attnscope {

class Regex {
public:
    // A pattern in UTF-8; an error says why it does not compile ("missing closing parenthesis at offset 7").
    static Result<std::shared_ptr<const Regex>> compile(std::string_view pattern);
    // Escapes a literal string into a pattern.
    static std::string escape(std::string_view literal);
    ~Regex();
    Regex(const Regex &) = delete;
    Regex &operator=(const Regex &) = delete;

    // Every non-overlapping match [begin, end) in byte offsets, left to right; an empty match right after the
    // previous match is skipped and the search moves on one character (as Rust's regex and Oniguruma iterate).
    // `text` must be valid UTF-8. Fails only when the pattern exceeds the backtracking limit on this text.
    Result<std::vector<std::pair<std::size_t, std::size_t>>> findAll(std::string_view text) const;
    const std::string &pattern() const { return m_pattern; }

private:
    Regex() = default;
    std::string m_pattern;
    void *m_code = nullptr; // pcre2_code_8
};

} // namespace attnscope
