// Table lookups by binary search.
#include "unicode.h"

#include <algorithm>
#include <iterator>

namespace attnscope::unicode {

namespace {
struct CategoryRange {
    char32_t first, last;
    std::uint8_t flags;
};
struct CodepointPair {
    char32_t from, to;
};
#include "unicode_tables.inc"

char32_t lookupPair(const CodepointPair *begin, const CodepointPair *end, char32_t cp) {
    const auto *it = std::lower_bound(begin, end, cp, [](const CodepointPair &p, char32_t c) { return p.from < c; });
    return it != end && it->from == cp ? it->to : cp;
}
} // namespace

std::vector<Codepoint> decodeUtf8(std::string_view s) {
    std::vector<Codepoint> out;
    out.reserve(s.size());
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    for (std::size_t i = 0; i < s.size();) {
        const unsigned char c = byte(i);
        std::size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
        char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
        bool valid = n > 0 && i + n <= s.size();
        for (std::size_t k = 1; valid && k < n; ++k) {
            valid = (byte(i + k) & 0xc0) == 0x80;
            cp = (cp << 6) | (byte(i + k) & 0x3f);
        }
        static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
        if (valid && (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)))
            valid = false;
        if (!valid) {
            out.push_back({0xfffd, static_cast<int>(i), static_cast<int>(i + 1)});
            ++i;
            continue;
        }
        out.push_back({cp, static_cast<int>(i), static_cast<int>(i + n)});
        i += n;
    }
    return out;
}

std::string encodeUtf8(char32_t cp) {
    std::string out;
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xc0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xe0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (cp & 0x3f));
    }
    return out;
}

std::uint8_t flags(char32_t cp) {
    const auto *end = std::end(kCategoryRanges);
    const auto *it = std::upper_bound(std::begin(kCategoryRanges), end, cp,
                                      [](char32_t c, const CategoryRange &r) { return c < r.first; });
    if (it == std::begin(kCategoryRanges))
        return 0;
    --it;
    return cp <= it->last ? it->flags : 0;
}

char32_t toLower(char32_t cp) {
    return lookupPair(std::begin(kLowercase), std::end(kLowercase), cp);
}

char32_t accentBase(char32_t cp) {
    return lookupPair(std::begin(kAccentBase), std::end(kAccentBase), cp);
}

} // namespace attnscope::unicode
