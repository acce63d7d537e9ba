// Post-processors: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel (offset trimming) and Sequence.
// Special tokens added before the text get the span [0, 0), those after it [n, n) for a text of n bytes.
#include "tokenizers/pipeline.h"

namespace attnscope::tok {

namespace {

using Specials = std::vector<std::pair<std::string, int>>; // piece, id

void addAround(std::vector<Token> &tokens, const Specials &before, const Specials &after, int textBytes) {
    std::vector<Token> out;
    out.reserve(tokens.size() + before.size() + after.size());
    for (const auto &[piece, id] : before)
        out.push_back(Token{id, piece, 0, 0, true, false});
    for (Token &t : tokens)
        out.push_back(std::move(t));
    for (const auto &[piece, id] : after)
        out.push_back(Token{id, piece, textBytes, textBytes, true, false});
    tokens = std::move(out);
}

// Hugging Face's process_offsets: spaces (Ġ) at either end of a token are left out of its span.
void trimOffsets(std::vector<Token> &tokens, const std::vector<std::string> &values, bool addPrefixSpace) {
    auto isSpace = [&](char32_t c) { return c == 0x120 || text::isWhitespace(c); }; // 0x120: Ġ, the byte-level space
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        Token &t = tokens[i];
        const std::vector<char32_t> chars = text::codepoints(i < values.size() ? values[i] : t.piece);
        std::size_t leading = 0, trailing = 0;
        while (leading < chars.size() && isSpace(chars[leading]))
            ++leading;
        while (trailing < chars.size() && isSpace(chars[chars.size() - 1 - trailing]))
            ++trailing;
        if (leading > 0) {
            const bool first = i == 0 || t.byteBegin == 0;
            if (first && addPrefixSpace && leading == 1)
                leading = 0;
            t.byteBegin = std::min(t.byteBegin + static_cast<int>(leading), t.byteEnd);
        }
        if (trailing > 0 && t.byteEnd >= static_cast<int>(trailing))
            t.byteEnd = std::max(t.byteEnd - static_cast<int>(trailing), t.byteBegin);
    }
}

class Template final : public PostProcessor {
public:
    Template(Specials before, Specials after) : m_before(std::move(before)), m_after(std::move(after)) {}
    void process(std::vector<Token> &tokens, const std::vector<std::string> &, bool addSpecial, int textBytes) const override {
        if (addSpecial)
            addAround(tokens, m_before, m_after, textBytes);
    }
    int addedAtStart() const override { return static_cast<int>(m_before.size()); }

private:
    Specials m_before, m_after;
};

class ByteLevelOffsets final : public PostProcessor {
public:
    ByteLevelOffsets(bool trim, bool addPrefixSpace) : m_trim(trim), m_addPrefixSpace(addPrefixSpace) {}
    void process(std::vector<Token> &tokens, const std::vector<std::string> &values, bool, int) const override {
        if (m_trim)
            trimOffsets(tokens, values, m_addPrefixSpace);
    }

private:
    bool m_trim, m_addPrefixSpace;
};

class Roberta final : public PostProcessor {
public:
    Roberta(Specials cls, Specials sep, bool trim, bool addPrefixSpace)
        : m_cls(std::move(cls)), m_sep(std::move(sep)), m_trim(trim), m_addPrefixSpace(addPrefixSpace) {}
    void process(std::vector<Token> &tokens, const std::vector<std::string> &values, bool addSpecial, int textBytes) const override {
        if (m_trim)
            trimOffsets(tokens, values, m_addPrefixSpace);
        if (addSpecial)
            addAround(tokens, m_cls, m_sep, textBytes);
    }
    int addedAtStart() const override { return 1; }

private:
    Specials m_cls, m_sep;
    bool m_trim, m_addPrefixSpace;
};

class SequenceProcessor final : public PostProcessor {
public:
    explicit SequenceProcessor(std::vector<std::unique_ptr<PostProcessor>> parts) : m_parts(std::move(parts)) {}
    void process(std::vector<Token> &tokens, const std::vector<std::string> &values, bool addSpecial, int textBytes) const override {
        // Once a part has added special tokens, the values no longer line up: later parts use the pieces.
        std::size_t before = tokens.size();
        for (const auto &p : m_parts) {
            p->process(tokens, tokens.size() == before ? values : std::vector<std::string>{}, addSpecial, textBytes);
        }
    }
    int addedAtStart() const override {
        int n = 0;
        for (const auto &p : m_parts)
            n += p->addedAtStart();
        return n;
    }

private:
    std::vector<std::unique_ptr<PostProcessor>> m_parts;
};

// ["[SEP]", 102]
Result<Specials> pairToken(json::Element e, const char *key, const Where &where) {
    const auto v = json::member(e, key);
    if (!v || !json::isArray(*v) || json::items(*v).size() != 2)
        return where.error(std::string("\"") + key + "\" must be [token, id]");
    const auto piece = json::string(json::items(*v)[0]);
    const auto id = json::integer(json::items(*v)[1]);
    if (!piece || !id || *id < 0 || *id >= (1 << 24))
        return where.error(std::string("\"") + key + "\" must be [token, id]");
    return Specials{{std::string(*piece), static_cast<int>(*id)}};
}

} // namespace

std::unique_ptr<PostProcessor> makeTemplate(Specials before, Specials after) {
    return std::make_unique<Template>(std::move(before), std::move(after));
}

Result<std::unique_ptr<PostProcessor>> postProcessorFromJson(json::Element e, const Model &model, const Where &where) {
    if (!json::isObject(e))
        return where.error("a post_processor must be an object");
    const auto type = json::stringMember(e, "type");
    if (!type)
        return where.error("the post_processor has no \"type\"");
    bool ok = true;
    auto flag = [&](const char *key, bool fallback) { return json::boolMember(e, key, &ok).value_or(fallback); };
    std::unique_ptr<PostProcessor> result;
    if (*type == "TemplateProcessing") {
        const auto single = json::member(e, "single");
        if (!single || !json::isArray(*single))
            return where.error("TemplateProcessing needs a \"single\" list");
        const auto specials = json::member(e, "special_tokens");
        Specials before, after;
        bool seenSequence = false;
        std::size_t i = 0;
        for (const json::Element piece : json::items(*single)) {
            const Where at = (where / "single").at(i++);
            if (const auto seq = json::member(piece, "Sequence")) {
                if (json::stringMember(*seq, "id").value_or("A") == "A")
                    seenSequence = true;
                continue;
            }
            const auto special = json::member(piece, "SpecialToken");
            const auto name = special ? json::stringMember(*special, "id") : std::nullopt;
            if (!name)
                return at.error("a template piece must be {\"Sequence\": ...} or {\"SpecialToken\": {\"id\": ...}}");
            const auto entry = specials ? json::member(*specials, *name) : std::nullopt;
            const auto ids = entry ? json::member(*entry, "ids") : std::nullopt;
            const auto tokens = entry ? json::member(*entry, "tokens") : std::nullopt;
            if (!ids || !json::isArray(*ids))
                return at.error("special token \"" + std::string(*name) + "\" is not in special_tokens");
            std::size_t k = 0;
            for (const json::Element idElement : json::items(*ids)) {
                const auto id = json::integer(idElement);
                if (!id || *id < 0 || *id >= (1 << 24))
                    return at.error("special token \"" + std::string(*name) + "\" has an invalid id");
                std::string text = model.piece(static_cast<int>(*id));
                if (tokens && json::isArray(*tokens))
                    if (json::Element t; !tokens->at(k).get(t))
                        text = std::string(json::string(t).value_or(text));
                ++k;
                (seenSequence ? after : before).emplace_back(text, static_cast<int>(*id));
            }
        }
        result = std::make_unique<Template>(std::move(before), std::move(after));
    } else if (*type == "BertProcessing" || *type == "RobertaProcessing") {
        auto cls = pairToken(e, "cls", where), sep = pairToken(e, "sep", where);
        if (!cls)
            return cls.error();
        if (!sep)
            return sep.error();
        if (*type == "BertProcessing")
            result = std::make_unique<Template>(std::move(cls.value()), std::move(sep.value()));
        else
            result = std::make_unique<Roberta>(std::move(cls.value()), std::move(sep.value()), flag("trim_offsets", true),
                                               flag("add_prefix_space", true));
    } else if (*type == "ByteLevel") {
        result = std::make_unique<ByteLevelOffsets>(flag("trim_offsets", true), flag("add_prefix_space", true));
    } else if (*type == "Sequence") {
        auto parts = sequenceFromJson<PostProcessor>(e, "processors", where, [&](json::Element child, const Where &at) { return postProcessorFromJson(child, model, at); });
        if (!parts)
            return parts.error();
        result = std::make_unique<SequenceProcessor>(std::move(parts.value()));
    } else {
        return where.error("post_processor type '" + std::string(*type) + "' is not supported");
    }
    if (!ok)
        return where.error("a field of the " + std::string(*type) + " post_processor has the wrong type");
    return result;
}

} // namespace attnscope::tok
