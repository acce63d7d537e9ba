// What every view paints with: the colour map, the colour scale and the fixed interface colours. One value,
// set on all views at once, so the heatmap, arcs, grid and token strip always agree.
#pragma once

#include "views/colormap.h"

#include <attnscope/attention_view.h>

#include <QColor>
#include <QString>

namespace attnscope {

struct ViewStyle {
    const ColorMap *map = &ColorMap::viridis();
    ColorScale scale;
    QColor background = Qt::white;
    QColor text = QColor(0x20, 0x20, 0x20);
    QColor muted = QColor(0x80, 0x80, 0x80);
    QColor hover = QColor(0xff, 0x40, 0x20);     // what the pointer is over
    QColor selection = QColor(0x00, 0x8c, 0xff); // the shared focus (token or cell)
    double lineScale = 1; // presentation mode: arcs drawn thicker so they read from the back of a room

    QColor empty() const { return map->empty(); }
    QRgb rgb(float weight) const { return map->rgb(scale.toUnit(weight)); }
};

// "0.25", "0.05", "1e-3": short labels for weights on colour bars and legends.
QString weightLabel(float w);

} // namespace attnscope
