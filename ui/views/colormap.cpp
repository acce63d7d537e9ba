// The maps, interpolated in RGB between eleven published anchor colours (matplotlib's viridis and magma at
// 0, 0.1, .. 1; ColorBrewer's 11-class PuOr, purple for low and orange for high).
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
    static const ColorMap map(QStringLiteral("viridis"), QStringLiteral("Viridis"), interpolate(anchors, 11),
                              QColor(0xe8, 0xe8, 0xe8));
    return map;
}

const ColorMap &ColorMap::magma() {
    static const QRgb anchors[] = {0x000004, 0x140e36, 0x3b0f70, 0x641a80, 0x8c2981, 0xb73779,
                                   0xde4968, 0xf7705c, 0xfe9f6d, 0xfecf92, 0xfcfdbf};
    static const ColorMap map(QStringLiteral("magma"), QStringLiteral("Magma"), interpolate(anchors, 11),
                              QColor(0xd0, 0xe4, 0xe8)); // pale blue-grey: not on magma's warm path
    return map;
}

const ColorMap &ColorMap::purpleOrange() {
    static const QRgb anchors[] = {0x2d004b, 0x542788, 0x8073ac, 0xb2abd2, 0xd8daeb, 0xf7f7f7,
                                   0xfee0b6, 0xfdb863, 0xe08214, 0xb35806, 0x7f3b08};
    static const ColorMap map(QStringLiteral("puor"), QStringLiteral("Purple–orange (colour-blind safe)"),
                              interpolate(anchors, 11), QColor(0x4a, 0x4a, 0x4a)); // the map's centre is white
    return map;
}

const std::vector<const ColorMap *> &ColorMap::all() {
    static const std::vector<const ColorMap *> maps = {&viridis(), &magma(), &purpleOrange()};
    return maps;
}

const ColorMap &ColorMap::byId(const QString &id) {
    for (const ColorMap *m : all())
        if (m->id() == id)
            return *m;
    return viridis();
}

} // namespace attnscope
