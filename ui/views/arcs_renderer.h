// Arc diagrams of attention, in two layouts, shared by the on-screen view and export:
//  - Columns: queries on the left, keys on the right, one line per (query, key) link (BertViz's head view);
//  - Line: the sentence in reading order with arcs above it from each token to the tokens it attends to.
// Several heads can be overlaid, one colour per head. The scene (which links pass the threshold / top-k,
// per head) is built once per data change; layout is arithmetic; paint only draws.
#pragma once

#include "models/focus.h"
#include "views/view_style.h"

#include <attnscope/attention_view.h>

#include <QColor>
#include <QFont>
#include <QRectF>
#include <QStringList>

#include <vector>

class QPainter;

namespace attnscope {

class HeatmapModel;

enum class ArcsLayout { Columns, Line };

struct ArcSeries {
    int head = -1;      // the head, or -1 for an aggregate
    QString name;       // "head 3", "mean of 8 heads"
    QColor colour;
    bool enabled = true;
    std::vector<Link> links;      // links passing threshold and top-k, strongest first per query
    const AttentionMatrix *matrix = nullptr; // for weight labels on hover; owned by the model
};

struct ArcsScene {
    QStringList labels; // (n)
    QString title;
    int tokens = 0;
    bool causal = true;
    float threshold = 0;
    int topK = 0;
    std::vector<ArcSeries> series; // every legend entry; only enabled ones have links drawn
    ViewStyle style;
};

struct ArcsGeometry {
    ArcsLayout layout = ArcsLayout::Columns;
    QRectF title;
    std::vector<QRectF> legend; // (series) clickable swatch + name
    // Many heads (a 1B model has 32): the swatches carry the head numbers only, after a "heads" label, so the
    // legend keeps to two rows and leaves the pane to the arcs.
    bool compactLegend = false;
    QRectF legendLabel;
    QRectF footer;              // threshold / top-k note
    // Columns: token i sits at (queryX or keyX, y[i]). Line: at (x[i], baseline).
    std::vector<double> y;
    std::vector<double> x;
    double queryX = 0, keyX = 0, labelWidth = 0, rowHeight = 0;
    double baseline = 0, arcSpace = 0, step = 0;
    bool rotateLabels = false; // Line layout: labels turned 90 degrees when they would overlap
    int labelStep = 1;
    int tokens = 0;
};

struct ArcsMarks {
    int hoverToken = -1;     // Columns: the hovered query (left) or key (right); Line: the hovered token
    bool hoverIsKey = false; // Columns: the pointer is on the right (key) column
    Focus focus;             // the pinned token or cell
    bool vector = false;     // true for SVG/PDF: strokes as QPainter paths instead of the fast raster layer
    bool hints = true;       // "hover a token…" in the footer; off in exported images
};

// Which heads to show come from `enabledHeads` (indexed by head); with an aggregate there is one series.
ArcsScene makeArcsScene(const HeatmapModel &model, const std::vector<bool> &enabledHeads, float threshold, int topK,
                        const ViewStyle &style);
ArcsGeometry layoutArcs(const QSizeF &size, const ArcsScene &scene, const QFont &font, ArcsLayout layout);
void paintArcs(QPainter &painter, const ArcsGeometry &geometry, const ArcsScene &scene, const QFont &font,
               const ArcsMarks &marks = {});

struct ArcsHit {
    int token = -1;
    bool isKey = false; // Columns: right column
    int legend = -1;    // index into scene.series
};
ArcsHit arcsHitTest(const ArcsGeometry &geometry, const QPointF &pos);

// Which tokens on the far side of the active token are always labelled when only every labelStep-th label fits:
// its strongest partners (weight >= 0.05, up to three), strongest first, skipping one within labelStep rows of a
// stronger one so no two overlap. weights: (tokens), < 0 where masked. 1 = always labelled.
std::vector<char> strongPartnerLabels(const std::vector<float> &weights, int labelStep);

// One colour per head, distinguishable for colour-blind readers for the first eight (Okabe & Ito).
QColor headColour(int head);

} // namespace attnscope
