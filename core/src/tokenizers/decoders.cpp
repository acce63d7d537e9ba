// Decoders, the way back from tokens to text: ByteLevel, Metaspace, WordPiece, BPEDecoder, Replace, ByteFallback,
// Fuse, Strip, CTC and Sequence, each a step of Hugging Face's decode_chain over the token strings.
#include "tokenizers/pipeline.h"

#include <charconv>

namespace attnscope::tok {

namespace {

// Invalid UTF-8 becomes U+FFFD, as String::from_utf8_lossy does.
std::string lossy(std::string_view bytes) {
    std::string out;
    for (std::size_t i = 0; i < bytes.size();) {
        int length = 1;
        const char32_t c = text::decode(bytes, i, &length);
        text::append(out, c);
        i += static_cast<std::size_t>(length);
    }
    return out;
}

bool validUtf8(std::string_view bytes) {
    for (std::size_t i = 0; i < bytes.size();) {
        int length = 1;
        if (text::decode(bytes, i, &length) == 0xFFFD && !(length == 3 && bytes.substr(i, 3) == "\xEF\xBF\xBD"))
            return false;
        i += static_cast<std::size_t>(length);
    }
    return true;
}

class ByteLevelDecoder final : public Decoder {
public:
    bool byteLevel() const override { return true; }
    void decode(std::vector<std::string> &tokens) const override {
        std::string bytes;
        for (const std::string &t : tokens)
            for (const char32_t c : text::codepoints(t)) {
                const int b = byteLevelByte(c);
                if (b >= 0)
                    bytes.push_back(static_cast<char>(b));
                else
                    text::append(bytes, c);
            }
        tokens = {lossy(bytes)};
    }
};

class MetaspaceDecoder final : public Decoder {
public:
    MetaspaceDecoder(std::string replacement, bool prepend) : m_replacement(std::move(replacement)), m_prepend(prepend) {}
    void decode(std::vector<std::string> &tokens) const override {
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            std::string out;
            const std::string &t = tokens[i];
            for (std::size_t p = 0; p < t.size();) {
                if (t.compare(p, m_replacement.size(), m_replacement) == 0) {
                    out.push_back(' ');
                    p += m_replacement.size();
                } else {
                    out.push_back(t[p++]);
                }
            }
            if (i == 0 && m_prepend && !out.empty() && out.front() == ' ')
                out.erase(0, 1);
            tokens[i] = std::move(out);
        }
    }

private:
    std::string m_replacement;
    bool m_prepend;
};

std::string cleanup(std::string s) {
    for (const auto &[from, to] : std::vector<std::pair<std::string, std::string>>{
             {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"}, {" 'm", "'m"},
             {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}}) {
        for (std::size_t p = 0; (p = s.find(from, p)) != std::string::npos;) {
            s.replace(p, from.size(), to);
            p += to.size();
        }
    }
    return s;
}

class WordPieceDecoder final : public Decoder {
public:
    WordPieceDecoder(std::string prefix, bool clean) : m_prefix(std::move(prefix)), m_cleanup(clean) {}
    void decode(std::vector<std::string> &tokens) const override {
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            std::string &t = tokens[i];
            if (i != 0) {
                if (t.compare(0, m_prefix.size(), m_prefix) == 0)
                    t.erase(0, m_prefix.size());
                else
                    t.insert(0, " ");
            }
            if (m_cleanup)
                t = cleanup(t);
        }
    }

private:
    std::string m_prefix;
    bool m_cleanup;
};

class BpeDecoder final : public Decoder {
public:
    explicit BpeDecoder(std::string suffix) : m_suffix(std::move(suffix)) {}
    void decode(std::vector<std::string> &tokens) const override {
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            std::string &t = tokens[i];
            const std::string replacement = i + 1 == tokens.size() ? "" : " ";
            for (std::size_t p = 0; !m_suffix.empty() && (p = t.find(m_suffix, p)) != std::string::npos;) {
                t.replace(p, m_suffix.size(), replacement);
                p += replacement.size();
            }
        }
    }

private:
    std::string m_suffix;
};

class ReplaceDecoder final : public Decoder {
public:
    ReplaceDecoder(std::shared_ptr<const Regex> re, std::string content) : m_re(std::move(re)), m_content(std::move(content)) {}
    void decode(std::vector<std::string> &tokens) const override {
        for (std::string &t : tokens) {
            const auto matches = m_re->findAll(t);
            if (!matches)
                continue;
            std::string out;
            std::size_t at = 0;
            for (const auto &[b, e] : matches.value()) {
                if (e == b)
                    continue;
                out.append(t, at, b - at);
                out += m_content;
                at = e;
            }
            out.append(t, at, std::string::npos);
            t = std::move(out);
        }
    }

private:
    std::shared_ptr<const Regex> m_re;
    std::string m_content;
};

class ByteFallbackDecoder final : public Decoder {
public:
    void decode(std::vector<std::string> &tokens) const override {
        std::vector<std::string> out;
        std::string bytes;
        std::size_t pending = 0;
        auto flush = [&] {
            if (pending == 0)
                return;
            if (validUtf8(bytes))
                out.push_back(bytes);
            else
                for (std::size_t i = 0; i < pending; ++i)
                    out.push_back("\xEF\xBF\xBD");
            bytes.clear();
            pending = 0;
        };
        for (std::string &t : tokens) {
            // As Hugging Face's u8::from_str_radix: an optional '+', then hex digits; anything else ("<0xZZ>",
            // "<0x-1>") is an ordinary token (std::stoi threw there: found by fuzz_tokenizer_json).
            if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') {
                std::string_view digits(t.data() + 3, 2);
                if (digits.front() == '+')
                    digits.remove_prefix(1);
                unsigned value = 0;
                const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
                if (ec == std::errc() && end == digits.data() + digits.size() && value < 256) {
                    bytes.push_back(static_cast<char>(value));
                    ++pending;
                    continue;
                }
            }
            flush();
            out.push_back(std::move(t));
        }
        flush();
        tokens = std::move(out);
    }
};

class FuseDecoder final : public Decoder {
public:
    void decode(std::vector<std::string> &tokens) const override {
        std::string all;
        for (const std::string &t : tokens)
            all += t;
        tokens = {all};
    }
};

class StripDecoder final : public Decoder {
public:
    StripDecoder(std::string content, std::size_t start, std::size_t stop) : m_content(std::move(content)), m_start(start), m_stop(stop) {}
    void decode(std::vector<std::string> &tokens) const override {
        for (std::string &t : tokens) {
            std::vector<char32_t> chars = text::codepoints(t);
            const char32_t c = text::codepoints(m_content).front();
            std::size_t b = 0, e = chars.size();
            while (b < e && b < m_start && chars[b] == c)
                ++b;
            while (e > b && chars.size() - e < m_stop && chars[e - 1] == c)
                --e;
            std::string out;
            for (std::size_t i = b; i < e; ++i)
                text::append(out, chars[i]);
            t = std::move(out);
        }
    }

private:
    std::string m_content;
    std::size_t m_start, m_stop;
};

class CtcDecoder final : public Decoder {
public:
    CtcDecoder(std::string pad, std::string delimiter, bool clean) : m_pad(std::move(pad)), m_delimiter(std::move(delimiter)), m_cleanup(clean) {}
    void decode(std::vector<std::string> &tokens) const override {
        std::vector<std::string> out;
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            if (i > 0 && tokens[i] == tokens[i - 1])
                continue;
            std::string t = tokens[i] == m_pad ? std::string() : tokens[i];
            if (m_cleanup) {
                t = cleanup(t);
                if (t == m_delimiter)
                    t = " ";
            }
            if (!t.empty())
                out.push_back(std::move(t));
        }
        tokens = std::move(out);
    }

private:
    std::string m_pad, m_delimiter;
    bool m_cleanup;
};

class SequenceDecoder final : public Decoder {
public:
    explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> parts) : m_parts(std::move(parts)) {}
    bool byteLevel() const override {
        for (const auto &p : m_parts)
            if (p->byteLevel())
                return true;
        return false;
    }
    void decode(std::vector<std::string> &tokens) const override {
        for (const auto &p : m_parts)
            p->decode(tokens);
    }

private:
    std::vector<std::unique_ptr<Decoder>> m_parts;
};

} // namespace

std::string byteLevelDisplay(const std::string &piece) {
    std::string bytes;
    for (const char32_t c : text::codepoints(piece)) {
        const int b = byteLevelByte(c);
        if (b < 0)
            return piece; // not a byte-level string (an added token)
        bytes.push_back(static_cast<char>(b));
    }
    static const char *const hex = "0123456789ABCDEF";
    std::string out;
    for (std::size_t i = 0; i < bytes.size();) {
        int length = 1;
        const char32_t c = text::decode(bytes, i, &length);
        const bool whole = c != 0xFFFD || bytes.compare(i, 3, "\xEF\xBF\xBD") == 0;
        if (i == 0 && c == U' ')
            out += "\u2581";
        else if (whole)
            out.append(bytes, i, static_cast<std::size_t>(length));
        else
            for (int k = 0; k < length; ++k) {
                const unsigned char byte = static_cast<unsigned char>(bytes[i + static_cast<std::size_t>(k)]);
                out += std::string("<0x") + hex[byte >> 4] + hex[byte & 15] + ">";
            }
        i += static_cast<std::size_t>(length);
    }
    return out;
}

std::unique_ptr<Decoder> makeByteLevelDecoder() {
    return std::make_unique<ByteLevelDecoder>();
}

Result<std::unique_ptr<Decoder>> decoderFromJson(json::Element e, const Where &where) {
    if (!json::isObject(e))
        return where.error("a decoder must be an object");
    const auto type = json::stringMember(e, "type");
    if (!type)
        return where.error("the decoder has no \"type\"");
    bool ok = true;
    auto str = [&](const char *key, const char *fallback) { return std::string(json::stringMember(e, key, &ok).value_or(fallback)); };
    auto flag = [&](const char *key, bool fallback) { return json::boolMember(e, key, &ok).value_or(fallback); };
    std::unique_ptr<Decoder> result;
    if (*type == "ByteLevel") {
        result = std::make_unique<ByteLevelDecoder>();
    } else if (*type == "Metaspace") {
        const std::string scheme = str("prepend_scheme", flag("add_prefix_space", true) ? "always" : "never");
        result = std::make_unique<MetaspaceDecoder>(str("replacement", "\xE2\x96\x81"), scheme != "never");
    } else if (*type == "WordPiece") {
        result = std::make_unique<WordPieceDecoder>(str("prefix", "##"), flag("cleanup", true));
    } else if (*type == "BPEDecoder") {
        result = std::make_unique<BpeDecoder>(str("suffix", "</w>"));
    } else if (*type == "Replace") {
        const auto pattern = json::member(e, "pattern");
        if (!pattern)
            return where.error("Replace needs a \"pattern\"");
        auto re = patternFromJson(*pattern, where / "pattern");
        if (!re)
            return re.error();
        result = std::make_unique<ReplaceDecoder>(re.value(), str("content", ""));
    } else if (*type == "ByteFallback") {
        result = std::make_unique<ByteFallbackDecoder>();
    } else if (*type == "Fuse") {
        result = std::make_unique<FuseDecoder>();
    } else if (*type == "Strip") {
        const std::string content = str("content", " ");
        if (text::codepoints(content).size() != 1)
            return where.error("Strip's content must be one character");
        const auto start = json::integerMember(e, "start", &ok).value_or(0), stop = json::integerMember(e, "stop", &ok).value_or(0);
        if (start < 0 || stop < 0)
            return where.error("Strip's start and stop must not be negative");
        result = std::make_unique<StripDecoder>(content, static_cast<std::size_t>(start), static_cast<std::size_t>(stop));
    } else if (*type == "CTC") {
        result = std::make_unique<CtcDecoder>(str("pad_token", "<pad>"), str("word_delimiter_token", "|"), flag("cleanup", true));
    } else if (*type == "Sequence") {
        auto parts = sequenceFromJson<Decoder>(e, "decoders", where, [&](json::Element child, const Where &at) { return decoderFromJson(child, at); });
        if (!parts)
            return parts.error();
        result = std::make_unique<SequenceDecoder>(std::move(parts.value()));
    } else {
        return where.error("decoder type '" + std::string(*type) + "' is not supported");
    }
    if (!ok)
        return where.error("a field of the " + std::string(*type) + " decoder has the wrong type");
    return result;
}

} // namespace attnscope::tok
