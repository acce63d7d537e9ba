// .attnscope sessions and the example library's JSON (Qt's JSON reader, as the app opens them). A session that
// parses must survive its own round trip: written again and read back, it parses, with the same numbers.
#include "models/examples.h"
#include "presenters/session.h"

#include <QByteArray>

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace attnscope;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
    const QByteArray bytes(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    for (const Example &e : parseExamples(bytes))
        if (e.text.trimmed().isEmpty()) // entries without text are skipped
            std::abort();
    Session s;
    if (!sessionFromJson(bytes, &s).isEmpty())
        return 0;
    Session again;
    if (!sessionFromJson(sessionToJson(s), &again).isEmpty() || again.layer != s.layer || again.head != s.head ||
        again.pinnedQuery != s.pinnedQuery || again.pinnedKey != s.pinnedKey || again.topK != s.topK ||
        again.threshold != s.threshold || again.hideSpecial != s.hideSpecial)
        std::abort();
    return 0;
}
