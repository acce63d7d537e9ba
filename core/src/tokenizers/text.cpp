// Code points, character classes and the aligned string, on utf8proc's Unicode tables.
#include "text.h"

#include <utf8proc.h>

#include <algorithm>

namespace attnscope::text {

char32_t decode(std::string_view text, std::size_t pos, int *length) {
    utf8proc_int32_t cp = 0;
    const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t *>(text.data() + pos),
                                    static_cast<utf8proc_ssize_t>(text.size() - pos), &cp);
    if (n <= 0 || cp < 0) {
        *length = 1;
        return 0xFFFD;
    }
    *length = static_cast<int>(n);
    return static_cast<char32_t>(cp);
}

void append(std::string &out, char32_t cp) {
    utf8proc_uint8_t buf[4];
    const auto n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), buf);
    out.append(reinterpret_cast<const char *>(buf), static_cast<std::size_t>(n));
}

std::string encode(char32_t cp) {
    std::string s;
    append(s, cp);
    return s;
}

std::vector<char32_t> codepoints(std::string_view s) {
    std::vector<char32_t> out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        int n = 1;
        out.push_back(decode(s, i, &n));
        i += static_cast<std::size_t>(n);
    }
    return out;
}

namespace {
utf8proc_category_t category(char32_t c) {
    return utf8proc_category(static_cast<utf8proc_int32_t>(c));
}
} // namespace

bool isWhitespace(char32_t c) {
    // The White_Space property: a short, stable list (Unicode's PropList.txt).
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
           c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

bool isNumeric(char32_t c) {
    const auto k = category(c);
    return k == UTF8PROC_CATEGORY_ND || k == UTF8PROC_CATEGORY_NL || k == UTF8PROC_CATEGORY_NO;
}

bool isPunctuation(char32_t c) {
    if (c < 0x80)
        return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
    const auto k = category(c);
    return k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO;
}

bool isControl(char32_t c) {
    if (c == '\t' || c == '\n' || c == '\r')
        return false;
    const auto k = category(c);
    return k == UTF8PROC_CATEGORY_CC || k == UTF8PROC_CATEGORY_CF || k == UTF8PROC_CATEGORY_CS ||
           k == UTF8PROC_CATEGORY_CO || k == UTF8PROC_CATEGORY_CN;
}

bool isChinese(char32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

bool isNonspacingMark(char32_t c) {
    return category(c) == UTF8PROC_CATEGORY_MN;
}

bool isMark(char32_t c) {
    const auto k = category(c);
    return k >= UTF8PROC_CATEGORY_MN && k <= UTF8PROC_CATEGORY_ME;
}

bool isWordChar(char32_t c) {
    if (c < 0x80)
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const auto k = category(c);
    return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO) || (k >= UTF8PROC_CATEGORY_MN && k <= UTF8PROC_CATEGORY_ME) ||
           k == UTF8PROC_CATEGORY_ND || k == UTF8PROC_CATEGORY_NL || k == UTF8PROC_CATEGORY_PC || c == 0x200C || c == 0x200D;
}

char32_t lower(char32_t c) {
    return static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c)));
}

std::string lowerFull(char32_t c) {
    if (c == 0x130) // the one unconditional multi-character lower-case mapping (SpecialCasing.txt)
        return "i\xCC\x87";
    return encode(lower(c));
}

std::string normalize(std::string_view s, Form form) {
    int options = UTF8PROC_STABLE;
    switch (form) {
    case Form::NFC: options |= UTF8PROC_COMPOSE; break;
    case Form::NFD: options |= UTF8PROC_DECOMPOSE; break;
    case Form::NFKC: options |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT; break;
    case Form::NFKD: options |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT; break;
    }
    utf8proc_uint8_t *out = nullptr;
    const auto n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t *>(s.data()), static_cast<utf8proc_ssize_t>(s.size()),
                                &out, static_cast<utf8proc_option_t>(options));
    if (n < 0 || !out) { // only on invalid UTF-8, which Normalized never holds
        std::free(out);
        return std::string(s);
    }
    std::string result(reinterpret_cast<const char *>(out), static_cast<std::size_t>(n));
    std::free(out);
    return result;
}

namespace {

// The full canonical (or compatibility) decomposition of one code point.
std::vector<char32_t> decompose(char32_t cp, bool compat) {
    utf8proc_int32_t buffer[32];
    int boundclass = 0;
    const auto n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cp), buffer, 32,
                                           static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | (compat ? UTF8PROC_COMPAT : 0)),
                                           &boundclass);
    if (n <= 0 || n > 32)
        return {cp};
    return std::vector<char32_t>(buffer, buffer + n);
}

int combiningClass(char32_t cp) {
    return utf8proc_get_property(static_cast<utf8proc_int32_t>(cp))->combining_class;
}

// Canonical ordering: runs of non-starters sorted by combining class, stably.
void canonicalOrder(std::vector<std::pair<char32_t, int>> &chars) {
    for (std::size_t a = 0; a < chars.size();) {
        if (combiningClass(chars[a].first) == 0) {
            ++a;
            continue;
        }
        std::size_t b = a;
        while (b < chars.size() && combiningClass(chars[b].first) != 0)
            ++b;
        std::stable_sort(chars.begin() + static_cast<std::ptrdiff_t>(a), chars.begin() + static_cast<std::ptrdiff_t>(b),
                         [](const auto &x, const auto &y) { return combiningClass(x.first) < combiningClass(y.first); });
        a = b;
    }
}

} // namespace

// --- Normalized ---------------------------------------------------------------------------------------------

Normalized Normalized::fromOriginal(std::string_view original, int offset) {
    Normalized n;
    n.m_text.reserve(original.size());
    n.m_begin.reserve(original.size());
    n.m_end.reserve(original.size());
    for (std::size_t i = 0; i < original.size();) {
        int length = 1;
        const char32_t cp = decode(original, i, &length);
        const std::size_t before = n.m_text.size();
        if (cp == 0xFFFD && length == 1)
            text::append(n.m_text, cp);
        else
            n.m_text.append(original.substr(i, static_cast<std::size_t>(length)));
        const int b = offset + static_cast<int>(i), e = b + length;
        n.m_begin.insert(n.m_begin.end(), n.m_text.size() - before, b);
        n.m_end.insert(n.m_end.end(), n.m_text.size() - before, e);
        i += static_cast<std::size_t>(length);
    }
    return n;
}

std::pair<int, int> Normalized::original(std::size_t b, std::size_t e) const {
    if (m_text.empty())
        return {0, 0};
    b = std::min(b, m_text.size());
    e = std::min(e, m_text.size());
    if (b >= e) {
        const int at = b < m_text.size() ? m_begin[b] : m_end.back();
        return {at, at};
    }
    int lo = m_begin[b], hi = m_end[e - 1];
    for (std::size_t i = b; i < e; ++i) { // alignments are monotonic except inside a normalised cluster
        lo = std::min(lo, m_begin[i]);
        hi = std::max(hi, m_end[i]);
    }
    return {lo, hi};
}

Normalized Normalized::slice(std::size_t b, std::size_t e) const {
    Normalized n;
    n.m_text = m_text.substr(b, e - b);
    n.m_begin.assign(m_begin.begin() + static_cast<std::ptrdiff_t>(b), m_begin.begin() + static_cast<std::ptrdiff_t>(e));
    n.m_end.assign(m_end.begin() + static_cast<std::ptrdiff_t>(b), m_end.begin() + static_cast<std::ptrdiff_t>(e));
    return n;
}

void Normalized::mapChars(const std::function<void(char32_t, std::string &)> &f) {
    std::string text;
    std::vector<int> begin, end;
    text.reserve(m_text.size());
    begin.reserve(m_text.size());
    end.reserve(m_text.size());
    std::string piece;
    for (std::size_t i = 0; i < m_text.size();) {
        int length = 1;
        const char32_t cp = decode(m_text, i, &length);
        piece.clear();
        f(cp, piece);
        const std::pair<int, int> span = original(i, i + static_cast<std::size_t>(length));
        text += piece;
        begin.insert(begin.end(), piece.size(), span.first);
        end.insert(end.end(), piece.size(), span.second);
        i += static_cast<std::size_t>(length);
    }
    m_text = std::move(text);
    m_begin = std::move(begin);
    m_end = std::move(end);
}

void Normalized::filterChars(const std::function<bool(char32_t)> &keep) {
    mapChars([&](char32_t c, std::string &out) {
        if (keep(c))
            text::append(out, c);
    });
}

void Normalized::replaceRanges(const std::vector<std::pair<std::size_t, std::size_t>> &ranges, std::string_view content) {
    if (ranges.empty())
        return;
    std::string text;
    std::vector<int> begin, end;
    std::size_t at = 0;
    auto keep = [&](std::size_t b, std::size_t e) {
        text.append(m_text, b, e - b);
        begin.insert(begin.end(), m_begin.begin() + static_cast<std::ptrdiff_t>(b), m_begin.begin() + static_cast<std::ptrdiff_t>(e));
        end.insert(end.end(), m_end.begin() + static_cast<std::ptrdiff_t>(b), m_end.begin() + static_cast<std::ptrdiff_t>(e));
    };
    for (const auto &[b, e] : ranges) {
        keep(at, b);
        // The replacement stands for the last character it replaces (Hugging Face's NormalizedString::replace).
        std::size_t last = e - 1;
        while (last > b && (static_cast<unsigned char>(m_text[last]) & 0xC0) == 0x80)
            --last;
        const std::pair<int, int> span = original(last, e);
        text.append(content);
        begin.insert(begin.end(), content.size(), span.first);
        end.insert(end.end(), content.size(), span.second);
        at = e;
    }
    keep(at, m_text.size());
    m_text = std::move(text);
    m_begin = std::move(begin);
    m_end = std::move(end);
}

void Normalized::prepend(std::string_view s) {
    if (m_text.empty() || s.empty())
        return;
    int length = 1;
    decode(m_text, 0, &length);
    const std::pair<int, int> span = original(0, static_cast<std::size_t>(length));
    m_text.insert(0, s);
    m_begin.insert(m_begin.begin(), s.size(), span.first);
    m_end.insert(m_end.begin(), s.size(), span.second);
}

void Normalized::append(std::string_view s) {
    if (m_text.empty() || s.empty())
        return;
    std::size_t last = m_text.size() - 1;
    while (last > 0 && (static_cast<unsigned char>(m_text[last]) & 0xC0) == 0x80)
        --last;
    const std::pair<int, int> span = original(last, m_text.size());
    m_text.append(s);
    m_begin.insert(m_begin.end(), s.size(), span.first);
    m_end.insert(m_end.end(), s.size(), span.second);
}

void Normalized::stripWhitespace(bool left, bool right) {
    std::size_t b = 0, e = m_text.size();
    if (left)
        while (b < e) {
            int length = 1;
            if (!isWhitespace(decode(m_text, b, &length)))
                break;
            b += static_cast<std::size_t>(length);
        }
    if (right)
        while (e > b) {
            std::size_t start = e - 1;
            while (start > b && (static_cast<unsigned char>(m_text[start]) & 0xC0) == 0x80)
                --start;
            int length = 1;
            if (!isWhitespace(decode(m_text, start, &length)))
                break;
            e = start;
        }
    if (b != 0 || e != m_text.size())
        *this = slice(b, e);
}

void Normalized::normalize(Form form) {
    // Normalisation never reaches across a grapheme cluster boundary in practice, so each cluster is normalised on
    // its own and its output stands for the cluster's span (ASCII is the same in every form).
    std::string text;
    std::vector<int> begin, end;
    text.reserve(m_text.size());
    for (std::size_t i = 0; i < m_text.size();) {
        if (static_cast<unsigned char>(m_text[i]) < 0x80 &&
            (i + 1 >= m_text.size() || static_cast<unsigned char>(m_text[i + 1]) < 0x80)) {
            text.push_back(m_text[i]);
            begin.push_back(m_begin[i]);
            end.push_back(m_end[i]);
            ++i;
            continue;
        }
        std::size_t j = i;
        utf8proc_int32_t state = 0;
        char32_t previous = 0;
        bool first = true;
        while (j < m_text.size()) {
            int length = 1;
            const char32_t cp = decode(m_text, j, &length);
            if (!first && utf8proc_grapheme_break_stateful(static_cast<utf8proc_int32_t>(previous),
                                                           static_cast<utf8proc_int32_t>(cp), &state))
                break;
            first = false;
            previous = cp;
            j += static_cast<std::size_t>(length);
        }
        const std::string_view cluster(m_text.data() + i, j - i);
        const std::string out = text::normalize(cluster, form);
        if (out == cluster) {
            text.append(cluster);
            begin.insert(begin.end(), m_begin.begin() + static_cast<std::ptrdiff_t>(i), m_begin.begin() + static_cast<std::ptrdiff_t>(j));
            end.insert(end.end(), m_end.begin() + static_cast<std::ptrdiff_t>(i), m_end.begin() + static_cast<std::ptrdiff_t>(j));
        } else {
            // Alignment as Hugging Face computes it (unicode-normalization-alignments + transform_range): the
            // decomposition gives each input character's first code point the change 0 and the others +1; the
            // changes travel with the code points through canonical ordering; a composed character's change is
            // the sum over what it absorbed, minus one per absorbed code point. Then characters with change <= 0
            // stand, in order, for the next input character (and swallow -change more), and +1 characters for
            // the character before.
            const bool compat = form == Form::NFKC || form == Form::NFKD;
            std::vector<std::pair<char32_t, int>> decomposed; // code point, change
            std::vector<std::size_t> inputs;                   // byte of each input character
            for (std::size_t k = i; k < j;) {
                int length = 1;
                const char32_t cp = decode(m_text, k, &length);
                inputs.push_back(k);
                const std::vector<char32_t> d = decompose(cp, compat);
                for (std::size_t q = 0; q < d.size(); ++q)
                    decomposed.emplace_back(d[q], q == 0 ? 0 : 1);
                k += static_cast<std::size_t>(length);
            }
            canonicalOrder(decomposed);
            std::size_t at = 0, next = 0;
            std::pair<int, int> previous = text.empty() ? std::pair<int, int>{0, 0} : std::pair<int, int>{begin.back(), end.back()};
            for (std::size_t k = 0; k < out.size();) {
                int length = 1;
                const char32_t cp = decode(out, k, &length);
                const std::size_t consumed = std::max<std::size_t>(1, decompose(cp, false).size());
                int change = 0;
                for (std::size_t q = at; q < std::min(at + consumed, decomposed.size()); ++q)
                    change += decomposed[q].second;
                change -= static_cast<int>(consumed) - 1;
                at += consumed;
                std::pair<int, int> span = previous;
                if (change <= 0 && next < inputs.size()) {
                    int sourceLength = 1;
                    decode(m_text, inputs[next], &sourceLength);
                    span = original(inputs[next], inputs[next] + static_cast<std::size_t>(sourceLength));
                    next += 1 + static_cast<std::size_t>(-change);
                }
                text.append(out, k, static_cast<std::size_t>(length));
                begin.insert(begin.end(), static_cast<std::size_t>(length), span.first);
                end.insert(end.end(), static_cast<std::size_t>(length), span.second);
                previous = span;
                k += static_cast<std::size_t>(length);
            }
        }
        i = j;
    }
    m_text = std::move(text);
    m_begin = std::move(begin);
    m_end = std::move(end);
}

void Normalized::lowercase() {
    mapChars([](char32_t c, std::string &out) {
        if (c < 0x80)
            out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
        else
            out += lowerFull(c);
    });
}

} // namespace attnscope::text
