// Every model family AttnScope runs: adding one is its file in this folder and one line here.
#include "arch/family.h"

namespace attnscope::arch {

// One line per family: the Family object its file defines.
#define ATTNSCOPE_FAMILIES(X)                                                                                         \
    X(llamaFamily)                                                                                                   \
    X(qwen2Family)                                                                                                   \
    X(qwen3Family)                                                                                                   \
    X(gemmaFamily)                                                                                                   \
    X(gemma2Family)                                                                                                  \
    X(gemma3Family)                                                                                                  \
    X(phi3Family)                                                                                                    \
    X(gptneoxFamily)                                                                                                 \
    X(gpt2Family)                                                                                                    \
    X(bertFamily)

#define ATTNSCOPE_DECLARE(family) extern const Family family;
ATTNSCOPE_FAMILIES(ATTNSCOPE_DECLARE)
#undef ATTNSCOPE_DECLARE

const std::vector<const Family *> &families() {
#define ATTNSCOPE_ENTRY(family) &family,
    static const std::vector<const Family *> all{ATTNSCOPE_FAMILIES(ATTNSCOPE_ENTRY)};
#undef ATTNSCOPE_ENTRY
    return all;
}

const Family *familyForGguf(std::string_view architecture) {
    for (const Family *f : families())
        if (architecture == f->architecture)
            return f;
    return nullptr;
}

const Family *familyForHf(std::string_view hfClass) {
    for (const Family *f : families())
        for (std::string_view c : f->hfClasses)
            if (c == hfClass)
                return f;
    return nullptr;
}

std::string supportedGgufList() {
    std::string s;
    for (const Family *f : families())
        s += (s.empty() ? "" : ", ") + std::string(f->architecture);
    return s;
}

std::string supportedHfList() {
    std::string s;
    for (const Family *f : families())
        for (std::string_view c : f->hfClasses)
            s += (s.empty() ? "" : ", ") + std::string(c);
    return s;
}

} // namespace attnscope::arch
