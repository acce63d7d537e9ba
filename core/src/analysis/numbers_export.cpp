// CSV and JSON encodings of attention: hand-written (no JSON library in core) and strict about what they emit.
#include "attnscope/numbers_export.h"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace attnscope {

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not one.
std::size_t utf8Length(const std::string &s, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0) {
        n = 2;
        cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3;
        cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (i + n > s.size())
        return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((b(i + k) & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (b(i + k) & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not valid UTF-8.
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

void appendRow(std::string &out, const float *row, int n, const char *nonFinite) {
    for (int j = 0; j < n; ++j) {
        if (j > 0)
            out += ',';
        const float w = row[j];
        out += std::isfinite(w) ? formatFloat(w) : std::string(nonFinite);
    }
}

std::string pieceLabel(const AttentionResult &result, int position) {
    if (position < 0 || position >= result.seqLen())
        return {};
    return result.tokens[static_cast<std::size_t>(position)].piece;
}

} // namespace

std::string formatFloat(float value) {
    if (std::isnan(value))
        return "nan";
    if (std::isinf(value))
        return value > 0 ? "inf" : "-inf";
    char buffer[32];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
    return ec == std::errc() ? std::string(buffer, end) : std::string("nan");
}

std::string jsonString(const std::string &text) {
    std::string out;
    out.reserve(text.size() + 2);
    out += '"';
    for (std::size_t i = 0; i < text.size();) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        const std::size_t n = utf8Length(text, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD"; // U+FFFD for a byte that starts no valid sequence
            ++i;
            continue;
        }
        if (n > 1) {
            out.append(text, i, n);
            i += n;
            continue;
        }
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
            if (c < 0x20) {
                static const char hex[] = "0123456789abcdef";
                out += "\\u00";
                out += hex[c >> 4];
                out += hex[c & 15];
            } else {
                out += static_cast<char>(c);
            }
        }
        ++i;
    }
    out += '"';
    return out;
}

std::string csvField(const std::string &text) {
    const bool quote = text.find_first_of(",\"\r\n") != std::string::npos ||
                       (!text.empty() && (text.front() == ' ' || text.back() == ' '));
    if (!quote)
        return text;
    std::string out = "\"";
    for (const char c : text) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + '"';
}

std::string attentionCsv(const AttentionResult &result, const AttentionMatrix &matrix) {
    const int n = matrix.size;
    std::string out;
    out.reserve(static_cast<std::size_t>(n + 1) * static_cast<std::size_t>(n + 1) * 10);
    out += csvField("query\\key");
    for (int j = 0; j < n; ++j)
        out += ',' + csvField(pieceLabel(result, matrix.positions[static_cast<std::size_t>(j)]));
    out += "\r\n";
    for (int i = 0; i < n; ++i) {
        out += csvField(pieceLabel(result, matrix.positions[static_cast<std::size_t>(i)]));
        out += ',';
        // Masked cells hold 0 in the matrix already (the probability the model gives them).
        appendRow(out, matrix.row(i), n, "nan");
        out += "\r\n";
    }
    return out;
}

std::string tokensJson(const AttentionResult &result) {
    return tokensJson(result.tokens);
}

std::string tokensJson(const std::vector<Token> &tokens) {
    std::string out = "[\n";
    const int n = static_cast<int>(tokens.size());
    for (int p = 0; p < n; ++p) {
        const Token &t = tokens[static_cast<std::size_t>(p)];
        out += "  {\"index\": " + std::to_string(p) + ", \"id\": " + std::to_string(t.id) +
               ", \"piece\": " + jsonString(t.piece) + ", \"begin\": " + std::to_string(t.byteBegin) +
               ", \"end\": " + std::to_string(t.byteEnd) + ", \"special\": " + (t.special ? "true" : "false") +
               ", \"byte\": " + (t.byte ? "true" : "false") + "}";
        out += p + 1 < n ? ",\n" : "\n";
    }
    return out + "]\n";
}

std::string wordsJson(const std::vector<Word> &words) {
    std::string out = "[\n";
    for (std::size_t w = 0; w < words.size(); ++w) {
        const Word &word = words[w];
        out += "  {\"index\": " + std::to_string(w) + ", \"text\": " + jsonString(word.text) + ", \"tokens\": [";
        for (std::size_t i = 0; i < word.tokens.size(); ++i)
            out += (i ? ", " : "") + std::to_string(word.tokens[i]);
        out += "], \"begin\": " + std::to_string(word.byteBegin) + ", \"end\": " + std::to_string(word.byteEnd) +
               ", \"special\": " + (word.special ? "true" : "false") + "}";
        out += w + 1 < words.size() ? ",\n" : "\n";
    }
    return out + "]\n";
}

std::string attentionJson(const AttentionResult &result, const std::string &modelName) {
    const int T = result.seqLen();
    std::string out;
    out.reserve(static_cast<std::size_t>(result.layers) * result.heads * T * T * 11 + 4096);
    out += "{\n\"format\": \"attnscope-attention\",\n\"version\": 1,\n";
    out += "\"model\": " + jsonString(modelName) + ",\n";
    out += "\"text\": " + jsonString(result.text) + ",\n";
    out += "\"layers\": " + std::to_string(result.layers) + ",\n";
    out += "\"heads\": " + std::to_string(result.heads) + ",\n";
    out += std::string("\"causal\": ") + (result.causal ? "true" : "false") + ",\n";
    out += "\"tokens\": " + tokensJson(result);
    out.pop_back(); // tokensJson ends with a newline
    out += ",\n\"attention\": [\n";
    for (int l = 0; l < result.layers; ++l) {
        out += " [\n";
        for (int h = 0; h < result.heads; ++h) {
            out += "  [\n";
            const HeadMatrix head = result.head(l, h);
            const float *m = head.data();
            for (int i = 0; i < T; ++i) {
                out += "   [";
                appendRow(out, m + static_cast<std::size_t>(i) * T, T, "null"); // JSON has no NaN
                out += i + 1 < T ? "],\n" : "]\n";
            }
            out += h + 1 < result.heads ? "  ],\n" : "  ]\n";
        }
        out += l + 1 < result.layers ? " ],\n" : " ]\n";
    }
    out += "]\n}\n";
    return out;
}

} // namespace attnscope
