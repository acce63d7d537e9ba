// PCRE2 behind Regex: one compiled code shared by all threads, match data and JIT stack per thread.
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>

namespace attnscope {

namespace {

constexpr std::uint32_t kMatchLimit = 10'000'000; // backtracking steps per match attempt
constexpr std::uint32_t kDepthLimit = 100'000;

struct ThreadState {
    pcre2_match_data *data = pcre2_match_data_create(1, nullptr);
    pcre2_match_context *context = pcre2_match_context_create(nullptr);
    pcre2_jit_stack *stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
    ThreadState() {
        pcre2_set_match_limit(context, kMatchLimit);
        pcre2_set_depth_limit(context, kDepthLimit);
        if (stack)
            pcre2_jit_stack_assign(context, nullptr, stack);
    }
    ~ThreadState() {
        pcre2_jit_stack_free(stack);
        pcre2_match_context_free(context);
        pcre2_match_data_free(data);
    }
};

ThreadState &threadState() {
    thread_local ThreadState state;
    return state;
}

std::string pcreMessage(int code) {
    PCRE2_UCHAR buffer[256];
    pcre2_get_error_message(code, buffer, sizeof buffer);
    return reinterpret_cast<const char *>(buffer);
}

} // namespace

Result<std::shared_ptr<const Regex>> Regex::compile(std::string_view pattern) {
    int error = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code *code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                     PCRE2_UTF | PCRE2_UCP, &error, &offset, nullptr);
    if (!code)
        return makeError(pcreMessage(error) + " at offset " + std::to_string(offset));
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); // falls back to the interpreter when JIT is not available
    std::shared_ptr<Regex> re(new Regex());
    re->m_pattern = std::string(pattern);
    re->m_code = code;
    return std::shared_ptr<const Regex>(std::move(re));
}

std::string Regex::escape(std::string_view literal) {
    std::string out;
    for (const char c : literal) {
        if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos)
            out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

Regex::~Regex() {
    pcre2_code_free(static_cast<pcre2_code *>(m_code));
}

Result<std::vector<std::pair<std::size_t, std::size_t>>> Regex::findAll(std::string_view text) const {
    std::vector<std::pair<std::size_t, std::size_t>> matches;
    ThreadState &state = threadState();
    auto *code = static_cast<pcre2_code *>(m_code);
    const auto *subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    std::size_t start = 0;
    bool lastWasMatch = false;
    std::size_t lastEnd = 0;
    while (start <= text.size()) {
        const int rc = pcre2_match(code, subject, text.size(), start, PCRE2_NO_UTF_CHECK, state.data, state.context);
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0)
            return makeError("the pattern " + m_pattern.substr(0, 60) + " failed on this text (" + pcreMessage(rc) + ")");
        const PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(state.data);
        const std::size_t b = ovector[0], e = ovector[1];
        if (b == e && lastWasMatch && b == lastEnd) {
            // An empty match right where the previous one ended: step over one character and search again.
        } else {
            matches.emplace_back(b, e);
            lastWasMatch = true;
            lastEnd = e;
        }
        if (e > b) {
            start = e;
            continue;
        }
        // Empty match: move on by one code point.
        if (e >= text.size())
            break;
        std::size_t next = e + 1;
        while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80)
            ++next;
        start = next;
    }
    return matches;
}

} // namespace attnscope
