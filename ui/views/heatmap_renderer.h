// Painting of a heatmap (cells, token labels, colour bar, title), shared by the on-screen view and the CLI
// and export, so there is one renderer. Preparation (colour-mapping cells into images, one per level of detail) happens
// once per data change; painting only draws. Zoom and pan are layout parameters.
#pragma once

#include "models/focus.h"
#include "views/view_style.h"

#include <QFont>
#include <QImage>
#include <QPoint>
#include <QRectF>
#include <QStringList>

#include <vector>

class QPainter;

namespace attnscope {

class HeatmapModel;

struct HeatmapScene {
    // levels[0] has one pixel per cell (n x n); each further level is max-pooled to about half the side,
    // so cells smaller than a screen pixel are drawn from a coarser level instead of being skipped.
    std::vector<QImage> levels;
    // A long text: levels holds the model's pooled overview only, and `detail` the exact or finer part of the grid
    // the model computed for a zoomed view, covering detailTokens (x = first key, y = first query, in tokens).
    QImage detail;
    QRect detailTokens;
    bool pending = false; // the weights are still being computed: the title says so
    QStringList labels; // (n) token labels
    QString title;      // e.g. "stories260K · layer 1 · head 3"
    bool causal = true;
    int tokens = 0;
    ViewStyle style;
};

struct HeatmapGeometry {
    QRectF viewport;   // where cells are drawn; the grid is clipped to it when zoomed in
    QRectF grid;       // the whole n x n grid in widget coordinates (larger than viewport when zoomed)
    double cell = 0;   // side of one cell in pixels
    double fitCell = 0; // cell side at zoom 1 (the whole grid fits)
    int labelStep = 1; // draw every labelStep-th label when cells are smaller than the text
    double labelSpace = 0;
    QRectF colorBar;
    QRectF title;
    QRectF caption;
    int tokens = 0;
    int level = 0; // the scene level drawn (0 = one pixel per cell)
};

// What the painter highlights besides the cells.
struct HeatmapMarks {
    QPoint hover{-1, -1}; // (query, key) under the pointer
    Focus focus;          // the shared selection
    double zoom = 1;      // shown as a hint when zoomed in
    bool vector = false;  // SVG/PDF: cells as rectangles (images would be smoothed by viewers when scaled up)
};

// Colour-maps the model's current matrix. Call when the data or style changes, not in paintEvent.
HeatmapScene makeHeatmapScene(const HeatmapModel &model, const QString &modelName, const ViewStyle &style);

// zoom >= 1 multiplies the fitted cell size; pan is the offset (pixels) of the viewport into the zoomed grid,
// clamped so the grid never scrolls out of view.
HeatmapGeometry layoutHeatmap(const QSizeF &size, const HeatmapScene &scene, const QFont &font,
                              const QString &caption = {}, double zoom = 1, QPointF pan = {});

void paintHeatmap(QPainter &painter, const HeatmapGeometry &geometry, const HeatmapScene &scene, const QFont &font,
                  const HeatmapMarks &marks = {}, const QString &caption = {});

// (query, key) under a point, or (-1, -1).
QPoint cellAt(const HeatmapGeometry &geometry, const QPointF &pos);

// A long text's heatmap zoomed in past its overview's resolution: asks the model for the part in view and a margin
// around it (so a small pan needs nothing new), exact where cells are a pixel or more, pooled to the pixels otherwise.
void requestVisibleDetail(HeatmapModel &model, const HeatmapGeometry &geometry);

// Largest pan for a zoom (so callers can clamp and centre).
QPointF maxPan(const HeatmapGeometry &geometry);

} // namespace attnscope
