// Painting of a heatmap (grid, token labels, colour bar, title), shared by the on-screen view and the CLI
// so there is one renderer. Preparation (colour-mapping cells into an image) happens once per data change;
// painting only draws.
#pragma once

#include "views/colormap.h"

#include <QColor>
#include <QFont>
#include <QImage>
#include <QPoint>
#include <QRectF>
#include <QStringList>

class QPainter;

namespace attnscope {

class HeatmapModel;

struct HeatmapScene {
    QImage cells;       // (T, T) one pixel per cell, colour-mapped; masked cells in the empty colour
    QStringList labels; // (T) token labels
    QString title;      // e.g. "stories260K · layer 1 · head 3"
    bool causal = true;
};

struct HeatmapColors {
    QColor background = Qt::white;
    QColor text = QColor(0x20, 0x20, 0x20);
    QColor empty = QColor(0xe8, 0xe8, 0xe8); // masked (future) cells
    QColor highlight = QColor(0xff, 0x40, 0x20);
};

struct HeatmapGeometry {
    QRectF grid;       // the T x T cells
    double cell = 0;   // side of one cell in pixels
    int labelStep = 1; // draw every labelStep-th label when cells are smaller than the text
    double labelSpace = 0;
    QRectF colorBar;
    QRectF title;
    QRectF caption;
    int tokens = 0;
};

// Colour-maps the current head of the model. Call when the data, layer or head changes, not in paintEvent.
HeatmapScene makeHeatmapScene(const HeatmapModel &model, const QString &modelName, const ColorMap &map,
                              const HeatmapColors &colors = {});

HeatmapGeometry layoutHeatmap(const QSizeF &size, const HeatmapScene &scene, const QFont &font,
                              const QString &caption = {});

void paintHeatmap(QPainter &painter, const HeatmapGeometry &geometry, const HeatmapScene &scene, const QFont &font,
                  const ColorMap &map, const HeatmapColors &colors, QPoint hover = {-1, -1},
                  const QString &caption = {});

// (query, key) under a point, or (-1, -1).
QPoint cellAt(const HeatmapGeometry &geometry, const QPointF &pos);

} // namespace attnscope
