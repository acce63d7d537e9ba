// JSON through simdjson's DOM, with the few typed look-ups our readers need: config.json, safetensors headers,
// tokenizer.json (33 MB for Gemma 3, parsed in well under a second). A Document owns the parsed tape; Elements are
// views into it and must not outlive it.
#pragma once

#include "attnscope/result.h"

#include <simdjson.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope::json {

using Element = simdjson::dom::element;
using Object = simdjson::dom::object;
using Array = simdjson::dom::array;

class Document {
public:
    // `name` is used in messages: "config.json: not valid JSON (...)".
    static Result<std::shared_ptr<const Document>> parse(std::string_view text, const std::string &name,
                                                         std::size_t maxDepth = 64);
    // A file of at most maxBytes, mapped and parsed.
    static Result<std::shared_ptr<const Document>> readFile(const std::string &path, std::size_t maxBytes,
                                                            std::size_t maxDepth = 64);
    Element root() const { return m_root; }

private:
    std::unique_ptr<simdjson::dom::parser> m_parser;
    Element m_root;
};

bool isObject(Element e);
bool isArray(Element e);
bool isNull(Element e);
std::optional<Element> member(Element object, std::string_view key); // nullopt when absent or not an object
// An array's elements (none when `e` is not an array) and an object's fields (none when not an object), copied
// out as values so that nothing refers to a temporary.
std::vector<Element> items(Element e);
struct Field {
    std::string_view key;
    Element value;
};
std::vector<Field> fields(Element e);
std::optional<std::string_view> string(Element e);
std::optional<std::int64_t> integer(Element e); // whole numbers only (1.0 counts, 1.5 does not)
std::optional<double> number(Element e);
std::optional<bool> boolean(Element e);
// The member's value when present and of the type; nullopt when absent or null. `ok` is set false when present
// with another type.
std::optional<std::string_view> stringMember(Element object, std::string_view key, bool *ok = nullptr);
std::optional<std::int64_t> integerMember(Element object, std::string_view key, bool *ok = nullptr);
std::optional<double> numberMember(Element object, std::string_view key, bool *ok = nullptr);
std::optional<bool> boolMember(Element object, std::string_view key, bool *ok = nullptr);

} // namespace attnscope::json
