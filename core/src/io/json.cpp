// simdjson DOM behind small typed look-ups.
#include "io/json.h"
#include "io/mapped_file.h"

#include <cmath>

namespace attnscope::json {

namespace {

// simdjson refuses integers past 64 bits, which transformers writes (model_max_length = int(1e30)); such a
// number is rewritten as a float ("...0.0"), which reads as the nearest double, as Python's json would give.
std::string widenBigIntegers(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 16);
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        out.push_back(c);
        if (inString) {
            if (c == '\\' && i + 1 < text.size())
                out.push_back(text[++i]);
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"') {
            inString = true;
            continue;
        }
        if (c >= '0' && c <= '9' && (i == 0 || !(text[i - 1] >= '0' && text[i - 1] <= '9') ) &&
            (i == 0 || (text[i - 1] != '.' && text[i - 1] != 'e' && text[i - 1] != 'E' && text[i - 1] != '+'))) {
            std::size_t j = i + 1;
            while (j < text.size() && text[j] >= '0' && text[j] <= '9')
                ++j;
            out.append(text.substr(i + 1, j - i - 1));
            const bool fraction = j < text.size() && (text[j] == '.' || text[j] == 'e' || text[j] == 'E');
            if (j - i > 18 && !fraction)
                out += ".0";
            i = j - 1;
        }
    }
    return out;
}

} // namespace

Result<std::shared_ptr<const Document>> Document::parse(std::string_view text, const std::string &name, std::size_t maxDepth) {
    auto doc = std::make_shared<Document>();
    doc->m_parser = std::make_unique<simdjson::dom::parser>();
    if (doc->m_parser->allocate(std::max<std::size_t>(text.size(), 64), maxDepth))
        return makeError(name + ": not enough memory to read it");
    // simdjson reads up to SIMDJSON_PADDING bytes past the end: give it a padded copy.
    simdjson::padded_string padded(text.data(), text.size());
    auto error = doc->m_parser->parse(padded).get(doc->m_root);
    if (error == simdjson::NUMBER_ERROR || error == simdjson::NUMBER_OUT_OF_RANGE) {
        const std::string widened = widenBigIntegers(text);
        simdjson::padded_string again(widened.data(), widened.size());
        if (doc->m_parser->allocate(std::max<std::size_t>(widened.size(), 64), maxDepth))
            return makeError(name + ": not enough memory to read it");
        error = doc->m_parser->parse(again).get(doc->m_root);
    }
    if (error == simdjson::DEPTH_ERROR)
        return makeError(name + ": not valid JSON (nested deeper than " + std::to_string(maxDepth) + " levels)");
    if (error)
        return makeError(name + ": not valid JSON (" + simdjson::error_message(error) + ")");
    return std::shared_ptr<const Document>(std::move(doc));
}

Result<std::shared_ptr<const Document>> Document::readFile(const std::string &path, std::size_t maxBytes, std::size_t maxDepth) {
    auto file = openBounded(path, maxBytes);
    if (!file)
        return file.error();
    return parse(std::string_view(reinterpret_cast<const char *>(file.value()->data()), file.value()->size()), fileName(path), maxDepth);
}

bool isObject(Element e) { return e.type() == simdjson::dom::element_type::OBJECT; }
bool isArray(Element e) { return e.type() == simdjson::dom::element_type::ARRAY; }
bool isNull(Element e) { return e.type() == simdjson::dom::element_type::NULL_VALUE; }

std::optional<Element> member(Element object, std::string_view key) {
    Object o;
    if (object.get_object().get(o))
        return std::nullopt;
    Element value;
    if (o.at_key(key).get(value))
        return std::nullopt;
    return value;
}

std::vector<Element> items(Element e) {
    std::vector<Element> out;
    Array a;
    if (e.get_array().get(a))
        return out;
    out.reserve(a.size());
    for (Element x : a)
        out.push_back(x);
    return out;
}

std::vector<Field> fields(Element e) {
    std::vector<Field> out;
    Object o;
    if (e.get_object().get(o))
        return out;
    out.reserve(o.size());
    for (const auto kv : o)
        out.push_back({kv.key, kv.value});
    return out;
}

std::optional<std::string_view> string(Element e) {
    std::string_view s;
    if (e.get_string().get(s))
        return std::nullopt;
    return s;
}

std::optional<std::int64_t> integer(Element e) {
    std::int64_t i = 0;
    if (!e.get_int64().get(i))
        return i;
    double d = 0;
    // The range first: casting a double outside int64 is undefined (found by fuzz_config_json: 2.8e104).
    if (e.type() == simdjson::dom::element_type::DOUBLE && !e.get_double().get(d) && d > -9.0e18 && d < 9.0e18 &&
        d == std::trunc(d))
        return static_cast<std::int64_t>(d);
    return std::nullopt;
}

std::optional<double> number(Element e) {
    double d = 0;
    if (e.get_double().get(d))
        return std::nullopt;
    return d;
}

std::optional<bool> boolean(Element e) {
    bool b = false;
    if (e.get_bool().get(b))
        return std::nullopt;
    return b;
}

namespace {
template <typename T, typename F> std::optional<T> typedMember(Element object, std::string_view key, bool *ok, F get) {
    const auto value = member(object, key);
    if (!value || isNull(*value))
        return std::nullopt;
    auto result = get(*value);
    if (!result && ok)
        *ok = false;
    return result;
}
} // namespace

std::optional<std::string_view> stringMember(Element object, std::string_view key, bool *ok) {
    return typedMember<std::string_view>(object, key, ok, string);
}
std::optional<std::int64_t> integerMember(Element object, std::string_view key, bool *ok) {
    return typedMember<std::int64_t>(object, key, ok, integer);
}
std::optional<double> numberMember(Element object, std::string_view key, bool *ok) {
    return typedMember<double>(object, key, ok, number);
}
std::optional<bool> boolMember(Element object, std::string_view key, bool *ok) {
    return typedMember<bool>(object, key, ok, boolean);
}

} // namespace attnscope::json
