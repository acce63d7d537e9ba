// The all-heads grid (layers x heads thumbnails), shared by the on-screen view and export. The scene
// colour-maps every thumbnail once per data or style change; paint only draws.
#pragma once

#include "views/view_style.h"

#include <QFont>
#include <QImage>
#include <QRectF>
#include <QStringList>

#include <vector>

class QPainter;

namespace attnscope {

class HeadGridModel;

struct GridScene {
    int layers = 0;
    int heads = 0;
    std::vector<QImage> thumbnails; // (layers * heads)
    std::vector<QString> badges;    // (layers * heads) short pattern label or empty
    std::vector<float> scores;      // (layers * heads) role score framed in [0, 1], -1 = none; empty = labels only
    QString title;
    ViewStyle style;
};

struct GridGeometry {
    QRectF title;
    QRectF area;     // the thumbnails
    double cell = 0; // thumbnail side
    double gap = 0;
    double labelWidth = 0;
    int layers = 0;
    int heads = 0;
    QRectF thumbnail(int layer, int head) const;
};

struct GridMarks {
    int hoverLayer = -1, hoverHead = -1;
    int layer = -1;     // selected layer (outlined)
    int head = -1;      // selected head; -1 = the whole layer (mean/max of its heads)
    bool allLayers = false; // mean of all heads: everything is selected
    bool vector = false;    // SVG/PDF: thumbnails enlarged without smoothing first (viewers smooth images)
};

GridScene makeGridScene(const HeadGridModel &model, const ViewStyle &style);
GridGeometry layoutGrid(const QSizeF &size, const GridScene &scene, const QFont &font);
void paintGrid(QPainter &painter, const GridGeometry &geometry, const GridScene &scene, const QFont &font,
               const GridMarks &marks = {});
// (layer, head) under a point, or (-1, -1).
QPoint gridHitTest(const GridGeometry &geometry, const QPointF &pos);

} // namespace attnscope
