// config.json: every family's settings reader on the bytes, as the Hugging Face loader runs it (the class named by
// "architectures", or each family in turn), then the checks every model must pass.
#include "arch/family.h"
#include "io/json.h"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace attnscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const auto doc = json::Document::parse(std::string_view(reinterpret_cast<const char *>(data), size), "config.json");
    if (!doc)
        return 0;
    json::Element root = doc.value()->root();
    if (const auto text = json::member(root, "text_config"); text && json::isObject(*text))
        root = *text;
    for (const arch::Family *family : arch::families()) {
        ModelConfig c;
        c.architecture = family->architecture;
        c.family = family->title;
        const arch::Settings settings(root, "fuzz");
        family->settings(settings, c);
        if (settings.problem().empty())
            (void)arch::checkConfig(c);
        (void)describeModel(c);
    }
    return 0;
}
