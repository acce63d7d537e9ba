// Viridis, interpolated in RGB between its eleven published anchor colours (matplotlib's viridis at 0, 0.1, .. 1).
#include "colormap.h"

namespace attnscope {

namespace {
std::array<QRgb, 256> interpolate(const QRgb *anchors, int count) {
    std::array<QRgb, 256> table{};
    for (int i = 0; i < 256; ++i) {
        const double pos = i / 255.0 * (count - 1);
        const int a = std::min(static_cast<int>(pos), count - 2);
        const double f = pos - a;
        auto mix = [f](int x, int y) { return static_cast<int>(x + (y - x) * f + 0.5); };
        table[static_cast<std::size_t>(i)] =
            qRgb(mix(qRed(anchors[a]), qRed(anchors[a + 1])), mix(qGreen(anchors[a]), qGreen(anchors[a + 1])),
                 mix(qBlue(anchors[a]), qBlue(anchors[a + 1])));
    }
    return table;
}
} // namespace

const ColorMap &ColorMap::viridis() {
    static const QRgb anchors[] = {0x440154, 0x482475, 0x414487, 0x355f8d, 0x2a788e, 0x21918c,
                                   0x22a884, 0x44bf70, 0x7ad151, 0xbddf26, 0xfde725};
    static const ColorMap map(QStringLiteral("viridis"), interpolate(anchors, 11));
    return map;
}

} // namespace attnscope
