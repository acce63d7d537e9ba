// Normalizers: NFC, NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Replace, Prepend, BertNormalizer, ByteLevel,
// Sequence. Each changes the text in place and keeps every byte's original span.
#include "tokenizers/pipeline.h"

namespace attnscope::tok {

namespace {

class UnicodeForm final : public Normalizer {
public:
    explicit UnicodeForm(text::Form form) : m_form(form) {}
    Status normalize(Normalized &t) const override {
        t.normalize(m_form);
        return Ok{};
    }

private:
    text::Form m_form;
};

class Lowercase final : public Normalizer {
public:
    Status normalize(Normalized &t) const override {
        t.lowercase();
        return Ok{};
    }
};

class Strip final : public Normalizer {
public:
    Strip(bool left, bool right) : m_left(left), m_right(right) {}
    Status normalize(Normalized &t) const override {
        t.stripWhitespace(m_left, m_right);
        return Ok{};
    }

private:
    bool m_left, m_right;
};

class StripAccents final : public Normalizer {
public:
    Status normalize(Normalized &t) const override {
        t.filterChars([](char32_t c) { return !text::isNonspacingMark(c); });
        return Ok{};
    }
};

class Replace final : public Normalizer {
public:
    Replace(std::shared_ptr<const Regex> pattern, std::string content) : m_pattern(std::move(pattern)), m_content(std::move(content)) {}
    Status normalize(Normalized &t) const override {
        auto matches = m_pattern->findAll(t.str());
        if (!matches)
            return matches.error();
        std::vector<std::pair<std::size_t, std::size_t>> ranges;
        for (const auto &m : matches.value())
            if (m.second > m.first)
                ranges.push_back(m);
        t.replaceRanges(ranges, m_content);
        return Ok{};
    }

private:
    std::shared_ptr<const Regex> m_pattern;
    std::string m_content;
};

class Prepend final : public Normalizer {
public:
    explicit Prepend(std::string s) : m_prefix(std::move(s)) {}
    Status normalize(Normalized &t) const override {
        t.prepend(m_prefix);
        return Ok{};
    }

private:
    std::string m_prefix;
};

class BertNormalizer final : public Normalizer {
public:
    BertNormalizer(bool clean, bool chinese, bool stripAccents, bool lowercase)
        : m_clean(clean), m_chinese(chinese), m_stripAccents(stripAccents), m_lowercase(lowercase) {}
    Status normalize(Normalized &t) const override {
        if (m_clean)
            t.mapChars([](char32_t c, std::string &out) {
                if (c == 0 || c == 0xFFFD || text::isControl(c))
                    return;
                if (c == '\t' || c == '\n' || c == '\r' || text::isWhitespace(c))
                    out.push_back(' ');
                else
                    text::append(out, c);
            });
        if (m_chinese)
            t.mapChars([](char32_t c, std::string &out) {
                if (text::isChinese(c)) {
                    out.push_back(' ');
                    text::append(out, c);
                    out.push_back(' ');
                } else {
                    text::append(out, c);
                }
            });
        if (m_stripAccents) {
            t.normalize(text::Form::NFD);
            t.filterChars([](char32_t c) { return !text::isNonspacingMark(c); });
        }
        if (m_lowercase)
            t.lowercase();
        return Ok{};
    }

private:
    bool m_clean, m_chinese, m_stripAccents, m_lowercase;
};

class ByteLevelNormalizer final : public Normalizer {
public:
    Status normalize(Normalized &t) const override {
        t.mapChars([](char32_t c, std::string &out) {
            const std::string utf8 = text::encode(c);
            for (const char b : utf8)
                out += byteLevelChar(static_cast<unsigned char>(b));
        });
        return Ok{};
    }
};

class SequenceNormalizer final : public Normalizer {
public:
    explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts) : m_parts(std::move(parts)) {}
    Status normalize(Normalized &t) const override {
        for (const auto &p : m_parts)
            if (auto s = p->normalize(t); !s)
                return s;
        return Ok{};
    }

private:
    std::vector<std::unique_ptr<Normalizer>> m_parts;
};

} // namespace

std::unique_ptr<Normalizer> makeBertNormalizer(bool cleanText, bool chineseChars, bool stripAccents, bool lowercase) {
    return std::make_unique<BertNormalizer>(cleanText, chineseChars, stripAccents, lowercase);
}

Result<std::shared_ptr<const Regex>> patternFromJson(json::Element e, const Where &where) {
    if (const auto s = json::stringMember(e, "String")) {
        auto re = Regex::compile(Regex::escape(*s));
        if (!re)
            return where.error("the string pattern cannot be matched (" + re.error().message + ")");
        return re;
    }
    if (const auto r = json::stringMember(e, "Regex")) {
        auto re = Regex::compile(*r);
        if (!re)
            return where.error("the regex \"" + std::string(r->substr(0, 80)) + "\" does not compile (" + re.error().message + ")");
        return re;
    }
    return where.error("a pattern must be {\"String\": ...} or {\"Regex\": ...}");
}

Result<std::unique_ptr<Normalizer>> normalizerFromJson(json::Element e, const Where &where) {
    if (!json::isObject(e))
        return where.error("a normalizer must be an object");
    const auto type = json::stringMember(e, "type");
    if (!type)
        return where.error("the normalizer has no \"type\"");
    bool ok = true;
    auto flag = [&](const char *key, bool fallback) { return json::boolMember(e, key, &ok).value_or(fallback); };
    std::unique_ptr<Normalizer> result;
    if (*type == "NFC")
        result = std::make_unique<UnicodeForm>(text::Form::NFC);
    else if (*type == "NFD")
        result = std::make_unique<UnicodeForm>(text::Form::NFD);
    else if (*type == "NFKC")
        result = std::make_unique<UnicodeForm>(text::Form::NFKC);
    else if (*type == "NFKD")
        result = std::make_unique<UnicodeForm>(text::Form::NFKD);
    else if (*type == "Lowercase")
        result = std::make_unique<Lowercase>();
    else if (*type == "StripAccents")
        result = std::make_unique<StripAccents>();
    else if (*type == "Strip")
        result = std::make_unique<Strip>(flag("strip_left", true), flag("strip_right", true));
    else if (*type == "ByteLevel")
        result = std::make_unique<ByteLevelNormalizer>();
    else if (*type == "Prepend") {
        const auto p = json::stringMember(e, "prepend", &ok);
        if (!p)
            return where.error("Prepend needs a \"prepend\" string");
        result = std::make_unique<Prepend>(std::string(*p));
    } else if (*type == "Replace") {
        const auto pattern = json::member(e, "pattern");
        const auto content = json::stringMember(e, "content", &ok);
        if (!pattern || !content)
            return where.error("Replace needs a \"pattern\" and a \"content\" string");
        auto re = patternFromJson(*pattern, where / "pattern");
        if (!re)
            return re.error();
        result = std::make_unique<Replace>(re.value(), std::string(*content));
    } else if (*type == "BertNormalizer") {
        const bool lowercase = flag("lowercase", true);
        bool stripAccents = lowercase;
        if (const auto s = json::boolMember(e, "strip_accents", &ok))
            stripAccents = *s;
        result = makeBertNormalizer(flag("clean_text", true), flag("handle_chinese_chars", true), stripAccents, lowercase);
    } else if (*type == "Sequence") {
        auto parts = sequenceFromJson<Normalizer>(e, "normalizers", where, [&](json::Element child, const Where &at) { return normalizerFromJson(child, at); });
        if (!parts)
            return parts.error();
        result = std::make_unique<SequenceNormalizer>(std::move(parts.value()));
    } else {
        return where.error("normalizer type '" + std::string(*type) + "' is not supported");
    }
    if (!ok)
        return where.error("a field of the " + std::string(*type) + " normalizer has the wrong type");
    return result;
}

} // namespace attnscope::tok
