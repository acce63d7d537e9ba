// A small strict JSON reader for config.json, safetensors headers and tokenizer.json: bounded nesting, every escape
// checked, numbers as double (integers exactly up to 2^53). Errors name the byte offset.
#pragma once

#include "attnscope/result.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace attnscope {

struct JsonValue {
    enum class Type { Null, Bool, Number, String, Array, Object };
    Type type = Type::Null;
    bool boolean = false;
    double number = 0;
    std::string string;
    std::vector<JsonValue> array;
    std::vector<std::pair<std::string, JsonValue>> object; // in file order

    const JsonValue *get(std::string_view key) const; // object member or nullptr
    std::optional<std::int64_t> integer() const;      // a number that is a whole value
    std::optional<double> asNumber() const;
    std::optional<std::string> asString() const;
};

Result<JsonValue> parseJson(std::string_view text, int maxDepth = 64);

} // namespace attnscope
