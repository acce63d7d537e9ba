// Error values for the core API: every fallible call returns Result<T>, never throws across the API.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace attnscope {

// A message a user can act on, e.g. "stories260K.bin: file is truncated (expected 1056540 bytes, found 1000)".
struct Error {
    std::string message;
    bool cancelled = false; // the caller's progress callback asked to stop; not a failure to report
    bool beyondContext = false; // the text is longer than the model reads: truncating it would succeed
};

template <typename T> class [[nodiscard]] Result {
public:
    Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_v(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }

    T &value() & { return std::get<0>(m_v); }
    const T &value() const & { return std::get<0>(m_v); }
    T &&value() && { return std::get<0>(std::move(m_v)); }
    T *operator->() { return &value(); }
    const T *operator->() const { return &value(); }
    T &operator*() & { return value(); }
    const T &operator*() const & { return value(); }

    const Error &error() const { return std::get<1>(m_v); }

private:
    std::variant<T, Error> m_v;
};

// For calls that return nothing but can fail.
struct Ok {};
using Status = Result<Ok>;

inline Error makeError(std::string message) {
    return Error{std::move(message), false};
}
inline Error cancelledError() {
    return Error{"cancelled", true};
}

} // namespace attnscope
