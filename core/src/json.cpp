// Recursive descent over the text with a depth limit.
#include "json.h"
#include "unicode.h"

#include <cmath>
#include <cstdlib>

namespace attnscope {

namespace {

class JsonParser {
public:
    JsonParser(std::string_view text, int maxDepth) : m_t(text), m_maxDepth(maxDepth) {}

    Result<JsonValue> run() {
        JsonValue v;
        if (!value(v, 0))
            return makeError(m_error);
        skip();
        if (m_pos != m_t.size())
            return makeError("unexpected text after the JSON value at byte " + std::to_string(m_pos));
        return v;
    }

private:
    bool fail(const std::string &why) {
        if (m_error.empty())
            m_error = why + " at byte " + std::to_string(m_pos);
        return false;
    }
    void skip() {
        while (m_pos < m_t.size() && (m_t[m_pos] == ' ' || m_t[m_pos] == '\t' || m_t[m_pos] == '\n' || m_t[m_pos] == '\r'))
            ++m_pos;
    }
    bool literal(std::string_view word) {
        if (m_t.substr(m_pos, word.size()) != word)
            return fail("invalid literal");
        m_pos += word.size();
        return true;
    }

    bool hex4(std::uint32_t &out) {
        if (m_pos + 4 > m_t.size())
            return fail("truncated \\u escape");
        out = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = m_t[m_pos++];
            out <<= 4;
            if (c >= '0' && c <= '9')
                out |= static_cast<std::uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f')
                out |= static_cast<std::uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                out |= static_cast<std::uint32_t>(c - 'A' + 10);
            else
                return fail("bad \\u escape");
        }
        return true;
    }

    bool string(std::string &out) {
        ++m_pos; // opening quote
        while (true) {
            if (m_pos >= m_t.size())
                return fail("unterminated string");
            const char c = m_t[m_pos++];
            if (c == '"')
                return true;
            if (static_cast<unsigned char>(c) < 0x20)
                return fail("control character in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (m_pos >= m_t.size())
                return fail("unterminated escape");
            const char e = m_t[m_pos++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                std::uint32_t cp = 0;
                if (!hex4(cp))
                    return false;
                if (cp >= 0xd800 && cp <= 0xdbff && m_t.substr(m_pos, 2) == "\\u") { // surrogate pair
                    m_pos += 2;
                    std::uint32_t low = 0;
                    if (!hex4(low))
                        return false;
                    if (low < 0xdc00 || low > 0xdfff)
                        return fail("bad surrogate pair");
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
                } else if (cp >= 0xd800 && cp <= 0xdfff) {
                    cp = 0xfffd; // a lone surrogate
                }
                out += unicode::encodeUtf8(static_cast<char32_t>(cp));
                break;
            }
            default: return fail("unknown escape");
            }
        }
    }

    bool number(double &out) {
        const std::size_t start = m_pos;
        if (m_pos < m_t.size() && m_t[m_pos] == '-')
            ++m_pos;
        while (m_pos < m_t.size() && ((m_t[m_pos] >= '0' && m_t[m_pos] <= '9') || m_t[m_pos] == '.' || m_t[m_pos] == 'e' ||
                                      m_t[m_pos] == 'E' || m_t[m_pos] == '+' || m_t[m_pos] == '-'))
            ++m_pos;
        const std::string text(m_t.substr(start, m_pos - start));
        char *end = nullptr;
        out = std::strtod(text.c_str(), &end);
        if (text.empty() || end != text.c_str() + text.size() || !std::isfinite(out))
            return fail("invalid number");
        return true;
    }

    bool value(JsonValue &v, int depth) {
        if (depth > m_maxDepth)
            return fail("nested deeper than " + std::to_string(m_maxDepth));
        skip();
        if (m_pos >= m_t.size())
            return fail("unexpected end");
        const char c = m_t[m_pos];
        switch (c) {
        case 'n': v.type = JsonValue::Type::Null; return literal("null");
        case 't': v.type = JsonValue::Type::Bool; v.boolean = true; return literal("true");
        case 'f': v.type = JsonValue::Type::Bool; v.boolean = false; return literal("false");
        case '"': v.type = JsonValue::Type::String; return string(v.string);
        case '[': {
            v.type = JsonValue::Type::Array;
            ++m_pos;
            skip();
            if (m_pos < m_t.size() && m_t[m_pos] == ']') {
                ++m_pos;
                return true;
            }
            while (true) {
                v.array.emplace_back();
                if (!value(v.array.back(), depth + 1))
                    return false;
                skip();
                if (m_pos < m_t.size() && m_t[m_pos] == ',') {
                    ++m_pos;
                    continue;
                }
                if (m_pos < m_t.size() && m_t[m_pos] == ']') {
                    ++m_pos;
                    return true;
                }
                return fail("expected , or ]");
            }
        }
        case '{': {
            v.type = JsonValue::Type::Object;
            ++m_pos;
            skip();
            if (m_pos < m_t.size() && m_t[m_pos] == '}') {
                ++m_pos;
                return true;
            }
            while (true) {
                skip();
                if (m_pos >= m_t.size() || m_t[m_pos] != '"')
                    return fail("expected a member name");
                std::string key;
                if (!string(key))
                    return false;
                skip();
                if (m_pos >= m_t.size() || m_t[m_pos] != ':')
                    return fail("expected :");
                ++m_pos;
                v.object.emplace_back(std::move(key), JsonValue{});
                if (!value(v.object.back().second, depth + 1))
                    return false;
                skip();
                if (m_pos < m_t.size() && m_t[m_pos] == ',') {
                    ++m_pos;
                    continue;
                }
                if (m_pos < m_t.size() && m_t[m_pos] == '}') {
                    ++m_pos;
                    return true;
                }
                return fail("expected , or }");
            }
        }
        default:
            if (c == '-' || (c >= '0' && c <= '9')) {
                v.type = JsonValue::Type::Number;
                return number(v.number);
            }
            return fail("unexpected character");
        }
    }

    std::string_view m_t;
    int m_maxDepth;
    std::size_t m_pos = 0;
    std::string m_error;
};

} // namespace

const JsonValue *JsonValue::get(std::string_view key) const {
    if (type != Type::Object)
        return nullptr;
    for (const auto &[k, v] : object)
        if (k == key)
            return &v;
    return nullptr;
}

std::optional<std::int64_t> JsonValue::integer() const {
    if (type != Type::Number || number != std::floor(number) || std::abs(number) > 9007199254740992.0)
        return std::nullopt;
    return static_cast<std::int64_t>(number);
}

std::optional<double> JsonValue::asNumber() const {
    return type == Type::Number ? std::optional<double>(number) : std::nullopt;
}

std::optional<std::string> JsonValue::asString() const {
    return type == Type::String ? std::optional<std::string>(string) : std::nullopt;
}

Result<JsonValue> parseJson(std::string_view text, int maxDepth) {
    return JsonParser(text, maxDepth).run();
}

} // namespace attnscope
