// The heatmap renderer: layout arithmetic and QPainter calls, nothing else.
#include "views/heatmap_renderer.h"
#include "models/heatmap_model.h"
#include "views/caption.h"

#include <QFontMetricsF>
#include <QLinearGradient>
#include <QPainter>

#include <cmath>

namespace attnscope {

namespace {
constexpr double kMargin = 10;
constexpr double kMaxLabelWidth = 140;
constexpr double kBarWidth = 16;
constexpr int kCoarsestLevel = 128; // no level is built below this side

// SVG and PDF viewers smooth scaled-up images, which blurs cells into each other. Up to kMaxVectorCells cells are
// drawn as rectangles (runs of one colour merged); more are embedded as an image already enlarged without
// smoothing, so viewer smoothing only softens the outermost pixel of each cell.
constexpr int kMaxVectorCells = 200 * 200;

void paintVectorCells(QPainter &p, const HeatmapGeometry &g, const QImage &image, const QRectF &source) {
    const QRect cells = source.toAlignedRect().intersected(image.rect());
    if (cells.isEmpty())
        return;
    const double sx = g.viewport.width() / source.width(), sy = g.viewport.height() / source.height();
    if (static_cast<qint64>(cells.width()) * cells.height() > kMaxVectorCells) {
        const int k = std::clamp(static_cast<int>(std::ceil(std::max(sx, sy) * 2)), 1,
                                 std::max(1, 8192 / std::max(cells.width(), cells.height())));
        const QImage enlarged =
            image.copy(cells).scaled(cells.size() * k, Qt::IgnoreAspectRatio, Qt::FastTransformation);
        p.drawImage(QRectF(g.viewport.left() + (cells.left() - source.left()) * sx,
                           g.viewport.top() + (cells.top() - source.top()) * sy, cells.width() * sx,
                           cells.height() * sy),
                    enlarged);
        return;
    }
    p.save();
    p.setClipRect(g.viewport);
    p.setPen(Qt::NoPen);
    for (int y = cells.top(); y <= cells.bottom(); ++y) {
        const auto *line = reinterpret_cast<const QRgb *>(image.constScanLine(y));
        for (int x = cells.left(); x <= cells.right();) {
            int end = x + 1;
            while (end <= cells.right() && line[end] == line[x])
                ++end;
            // Slightly overlapping rectangles: no hairline gaps between neighbours in any viewer.
            p.fillRect(QRectF(g.viewport.left() + (x - source.left()) * sx, g.viewport.top() + (y - source.top()) * sy,
                              (end - x) * sx + 0.3, sy + 0.3),
                       QColor::fromRgb(line[x]));
            x = end;
        }
    }
    p.restore();
}

// Masked cells carry a value below any weight: -1 for weights, -2 for signed differences (which reach -1).
float maskedValue(const ViewStyle &style) {
    return style.scale.kind == ColorScale::Kind::Signed ? -2.0f : -1.0f;
}

QImage colourMap(const float *weights, int rows, int cols, const ViewStyle &style) {
    QImage image(cols, rows, QImage::Format_RGB32);
    const QRgb empty = style.empty().rgb();
    const float below = style.scale.kind == ColorScale::Kind::Signed ? -1.5f : 0.0f; // masked cells lie below
    for (int i = 0; i < rows; ++i) {
        auto *line = reinterpret_cast<QRgb *>(image.scanLine(i));
        const float *row = weights + static_cast<std::size_t>(i) * cols;
        for (int j = 0; j < cols; ++j)
            line[j] = row[j] < below ? empty : style.rgb(row[j]);
    }
    return image;
}
QImage colourMap(const AttentionRegion &region, const ViewStyle &style) {
    return colourMap(region.cells.data(), region.outRows, region.outCols, style);
}

// Level 0 from (side, side) cells (masked ones below any weight), then each level pools the previous one to about
// half the side (plain max keeps a cell masked only where its whole block is).
void addLevels(HeatmapScene &scene, int side, std::vector<float> cells) {
    scene.levels.push_back(colourMap(cells.data(), side, side, scene.style));
    AttentionMatrix previous;
    previous.size = side;
    previous.causal = false;
    previous.weights = std::move(cells);
    for (int s = (side + 1) / 2; s >= kCoarsestLevel && s < previous.size; s = (s + 1) / 2) {
        AttentionMatrix pooled;
        pooled.size = s;
        pooled.causal = false;
        pooled.weights = downsampleMax(previous, s);
        scene.levels.push_back(colourMap(pooled.weights.data(), s, s, scene.style));
        previous = std::move(pooled);
    }
}
} // namespace

HeatmapScene makeHeatmapScene(const HeatmapModel &model, const QString &modelName, const ViewStyle &style) {
    HeatmapScene scene;
    scene.style = style;
    const AttentionMatrix &m = model.matrix();
    const int n = m.size;
    scene.title = modelName.isEmpty() ? model.viewTitle() : QStringLiteral("%1 · %2").arg(modelName, model.viewTitle());
    if (n == 0)
        return scene;
    scene.causal = m.causal || m.window > 0;
    scene.tokens = n;
    scene.labels.reserve(n);
    for (int i = 0; i < n; ++i)
        scene.labels << model.tokenText(i);
    if (!model.complete()) { // a long text (its overview and zoomed detail) or weights on their way
        if (const AttentionRegion *o = model.overview())
            addLevels(scene, o->outRows, o->cells);
        if (const AttentionRegion *d = model.detail()) {
            scene.detail = colourMap(*d, style);
            scene.detailTokens = QRect(d->col0, d->row0, d->cols(), d->rows());
        }
        scene.pending = model.pending();
        if (scene.pending)
            scene.title += QStringLiteral(" · computing…");
        return scene;
    }
    // Level 0: masked cells (future keys, keys outside a sliding window) below any weight so one colour-mapping
    // loop serves every level.
    std::vector<float> full(m.weights);
    if (m.causal)
        for (int i = 0; i < n; ++i)
            std::fill(full.begin() + static_cast<std::ptrdiff_t>(i) * n + i + 1,
                      full.begin() + static_cast<std::ptrdiff_t>(i + 1) * n, maskedValue(style));
    if (m.window > 0)
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < i; ++j)
                if (m.masked(i, j))
                    full[static_cast<std::size_t>(i) * n + j] = maskedValue(style);
    addLevels(scene, n, std::move(full));
    return scene;
}

HeatmapGeometry layoutHeatmap(const QSizeF &size, const HeatmapScene &scene, const QFont &font, const QString &caption,
                              double zoom, QPointF pan) {
    HeatmapGeometry g;
    const int T = scene.tokens;
    g.tokens = T;
    const QFontMetricsF fm(font);
    double labelWidth = 0;
    for (const QString &l : scene.labels)
        labelWidth = std::max(labelWidth, fm.horizontalAdvance(l));
    g.labelSpace = std::min(labelWidth, kMaxLabelWidth) + 6;
    const double titleHeight = scene.title.isEmpty() ? 0 : fm.height() * 1.8;
    const double axisCaption = fm.height() * 1.3;
    double legendText = fm.horizontalAdvance(QStringLiteral("0.00"));
    for (const float t : scene.style.scale.ticks())
        legendText = std::max(legendText, fm.horizontalAdvance(weightLabel(t)));
    if (scene.causal)
        legendText = std::max(legendText, fm.horizontalAdvance(QStringLiteral("masked")) + 4);
    const double barSpace = 14 + kBarWidth + 6 + legendText;
    const double captionSpace = caption.isEmpty() ? 0 : captionHeight(caption, fm, size.width() - 2 * kMargin) + fm.height() * 0.6;

    g.title = QRectF(kMargin, kMargin, size.width() - 2 * kMargin, titleHeight);
    const double left = kMargin + axisCaption + g.labelSpace;
    const double top = kMargin + titleHeight + axisCaption + g.labelSpace;
    const double availW = std::max(0.0, size.width() - left - barSpace - kMargin);
    const double legendHeight = fm.height() * 4; // swatch, scale and level notes under the bar
    const double availH = std::max(0.0, size.height() - top - kMargin - std::max(captionSpace, fm.height() * 0.5));
    const double side = std::min(availW, availH);
    g.fitCell = T > 0 ? side / T : 0;
    g.cell = g.fitCell * std::max(1.0, zoom);
    const double gridSide = g.cell * T;
    g.viewport = QRectF(left, top, std::min(availW, gridSide), std::min(availH, gridSide));
    const double panX = std::clamp(pan.x(), 0.0, std::max(0.0, gridSide - g.viewport.width()));
    const double panY = std::clamp(pan.y(), 0.0, std::max(0.0, gridSide - g.viewport.height()));
    g.grid = QRectF(left - panX, top - panY, gridSide, gridSide);
    g.labelStep = g.cell > 0 ? std::max(1, static_cast<int>(std::ceil(fm.height() * 0.95 / g.cell))) : 1;
    g.colorBar = QRectF(g.viewport.right() + 14, g.viewport.top(), kBarWidth,
                        std::max(40.0, g.viewport.height() - legendHeight));
    g.caption = QRectF(kMargin, g.viewport.bottom() + fm.height() * 0.6, size.width() - 2 * kMargin,
                       std::max(0.0, captionSpace - fm.height() * 0.6));
    // The finest level whose cells are at least one screen pixel.
    for (std::size_t k = 0; k < scene.levels.size(); ++k) {
        g.level = static_cast<int>(k);
        if (scene.levels[k].width() <= gridSide + 0.5)
            break;
    }
    return g;
}

void requestVisibleDetail(HeatmapModel &model, const HeatmapGeometry &g) {
    const AttentionRegion *overview = model.overview();
    if (!overview || g.cell <= 0 || g.grid.width() <= overview->outCols * 1.01)
        return;
    const double left = (g.viewport.left() - g.grid.left()) / g.cell, top = (g.viewport.top() - g.grid.top()) / g.cell;
    const double w = g.viewport.width() / g.cell, h = g.viewport.height() / g.cell;
    const int col0 = static_cast<int>(std::floor(left - w / 4)), col1 = static_cast<int>(std::ceil(left + w * 1.25));
    const int row0 = static_cast<int>(std::floor(top - h / 4)), row1 = static_cast<int>(std::ceil(top + h * 1.25));
    const double pixelsPerToken = std::min(1.0, g.cell);
    model.requestDetail(row0, row1, col0, col1, static_cast<int>(std::ceil((row1 - row0) * pixelsPerToken)),
                        static_cast<int>(std::ceil((col1 - col0) * pixelsPerToken)));
}

QPointF maxPan(const HeatmapGeometry &g) {
    return {std::max(0.0, g.grid.width() - g.viewport.width()), std::max(0.0, g.grid.height() - g.viewport.height())};
}

void paintHeatmap(QPainter &p, const HeatmapGeometry &g, const HeatmapScene &scene, const QFont &font,
                  const HeatmapMarks &marks, const QString &caption) {
    const ViewStyle &style = scene.style;
    const QFontMetricsF fm(font);
    p.save();
    p.setFont(font);
    p.setPen(style.text);
    if (!scene.title.isEmpty()) {
        QFont titleFont = font;
        titleFont.setBold(true);
        p.setFont(titleFont);
        p.drawText(g.title, Qt::AlignLeft | Qt::AlignVCenter,
                   QFontMetricsF(titleFont).elidedText(scene.title, Qt::ElideRight, g.title.width()));
        p.setFont(font);
    }
    if (g.tokens == 0 || scene.levels.empty()) {
        p.restore();
        return;
    }

    // Cells: the chosen level of detail, scaled without smoothing so cell edges stay crisp. Only the part of
    // the grid inside the viewport is drawn.
    const QImage &image = scene.levels[static_cast<std::size_t>(g.level)];
    const double perPixel = static_cast<double>(g.tokens) / image.width(); // tokens per level pixel
    const QRectF visible((g.viewport.left() - g.grid.left()) / g.cell, (g.viewport.top() - g.grid.top()) / g.cell,
                         g.viewport.width() / g.cell, g.viewport.height() / g.cell); // in tokens
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    const QRectF source(visible.left() / perPixel, visible.top() / perPixel, visible.width() / perPixel,
                        visible.height() / perPixel);
    if (!marks.vector)
        p.drawImage(g.viewport, image, source);
    else
        paintVectorCells(p, g, image, source);
    double pooledBlock = perPixel; // tokens per cell drawn, for the legend's note
    if (!scene.detail.isNull()) { // a long text zoomed in: the part in view, finer than the overview
        const QRect &d = scene.detailTokens;
        p.save();
        p.setClipRect(g.viewport);
        p.drawImage(QRectF(g.grid.left() + d.x() * g.cell, g.grid.top() + d.y() * g.cell, d.width() * g.cell,
                           d.height() * g.cell),
                    scene.detail);
        p.restore();
        if (QRectF(d).contains(visible.adjusted(0.5, 0.5, -0.5, -0.5)))
            pooledBlock = static_cast<double>(d.width()) / scene.detail.width();
    }

    // Axis captions.
    p.drawText(QRectF(g.viewport.left(), g.viewport.top() - g.labelSpace - fm.height() * 1.3, g.viewport.width(),
                      fm.height()),
               Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("key (attended to) →"));
    p.save();
    p.translate(g.viewport.left() - g.labelSpace - fm.height() * 0.3, g.viewport.top());
    p.rotate(-90);
    p.drawText(QRectF(-g.viewport.height(), -fm.height(), g.viewport.height(), fm.height()),
               Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("query (attending) →"));
    p.restore();

    // Token labels of the visible rows (left) and columns (above, rotated), thinned when cells are smaller
    // than the text; hovered and focused tokens are always labelled.
    const int focusQuery = marks.focus.query;
    const int focusKey = marks.focus.isCell() ? marks.focus.key : marks.focus.query;
    QFont bold = font;
    bold.setBold(true);
    auto drawLabel = [&](int i, const QColor &colour, bool emphasised, bool column) {
        const QString text = fm.elidedText(scene.labels[i], Qt::ElideRight, g.labelSpace - 6);
        const double centre = g.cell * (i + 0.5);
        p.setFont(emphasised ? bold : font);
        p.setPen(colour);
        if (!column) {
            p.drawText(QRectF(g.viewport.left() - g.labelSpace, g.grid.top() + centre - fm.height() / 2,
                              g.labelSpace - 6, fm.height()),
                       Qt::AlignRight | Qt::AlignVCenter, text);
            return;
        }
        p.save();
        p.translate(g.grid.left() + centre, g.viewport.top() - 6);
        p.rotate(-90);
        p.drawText(QRectF(0, -fm.height() / 2, g.labelSpace - 6, fm.height()), Qt::AlignLeft | Qt::AlignVCenter, text);
        p.restore();
    };
    const int rowFirst = std::max(0, static_cast<int>(std::floor(visible.top())));
    const int rowLast = std::min(g.tokens - 1, static_cast<int>(std::ceil(visible.bottom())) - 1);
    const int colFirst = std::max(0, static_cast<int>(std::floor(visible.left())));
    const int colLast = std::min(g.tokens - 1, static_cast<int>(std::ceil(visible.right())) - 1);
    auto labelColour = [&](int i, int hovered, int focused) {
        return i == hovered ? style.hover : (i == focused ? style.selection : style.text);
    };
    for (int i = rowFirst; i <= rowLast; ++i)
        if (i % g.labelStep == 0 || i == marks.hover.x() || i == focusQuery)
            drawLabel(i, labelColour(i, marks.hover.x(), focusQuery), i == marks.hover.x() || i == focusQuery, false);
    for (int i = colFirst; i <= colLast; ++i)
        if (i % g.labelStep == 0 || i == marks.hover.y() || i == focusKey)
            drawLabel(i, labelColour(i, marks.hover.y(), focusKey), i == marks.hover.y() || i == focusKey, true);
    p.setFont(font);

    // Focus (shared selection) and hover: outline the query row, the key column and the cell.
    p.save();
    p.setClipRect(g.viewport.adjusted(-2, -2, 2, 2));
    p.setBrush(Qt::NoBrush);
    auto rowRect = [&](int r) { return QRectF(g.grid.left(), g.grid.top() + g.cell * r, g.grid.width(), g.cell); };
    auto colRect = [&](int c) { return QRectF(g.grid.left() + g.cell * c, g.grid.top(), g.cell, g.grid.height()); };
    auto cellRect = [&](int r, int c) { return QRectF(g.grid.left() + g.cell * c, g.grid.top() + g.cell * r, g.cell, g.cell); };
    if (marks.focus.query >= 0 && marks.focus.query < g.tokens) {
        p.setPen(QPen(style.selection, 2));
        p.drawRect(rowRect(focusQuery));
        if (focusKey < g.tokens)
            p.drawRect(colRect(focusKey));
        if (marks.focus.isCell() && focusKey < g.tokens) {
            p.setPen(QPen(style.selection, 3));
            p.drawRect(cellRect(focusQuery, focusKey).adjusted(-1.5, -1.5, 1.5, 1.5));
        }
    }
    if (marks.hover.x() >= 0 && marks.hover.y() >= 0) {
        p.setPen(QPen(style.hover, 1.5));
        p.drawRect(rowRect(marks.hover.x()));
        p.drawRect(colRect(marks.hover.y()));
        p.setPen(QPen(Qt::white, 2));
        p.drawRect(cellRect(marks.hover.x(), marks.hover.y()));
    }
    p.restore();

    // Zoom hint.
    if (marks.zoom > 1.001) {
        const QString hint = QStringLiteral("%1% · drag or scroll to pan · 0 fits").arg(qRound(marks.zoom * 100));
        const QRectF box(g.viewport.right() - fm.horizontalAdvance(hint) - 16, g.viewport.top() + 6,
                         fm.horizontalAdvance(hint) + 10, fm.height() + 4);
        p.fillRect(box, QColor(255, 255, 255, 215));
        p.setPen(style.text);
        p.drawText(box, Qt::AlignCenter, hint);
    }

    // Colour bar with values at the scale's ticks.
    QLinearGradient gradient(g.colorBar.bottomLeft(), g.colorBar.topLeft());
    for (int k = 0; k <= 16; ++k)
        gradient.setColorAt(k / 16.0, style.map->color(static_cast<float>(k / 16.0)));
    p.fillRect(g.colorBar, gradient);
    p.setPen(style.text);
    for (const float t : style.scale.ticks()) {
        const double y = g.colorBar.bottom() - style.scale.toUnit(t) * g.colorBar.height();
        p.drawLine(QPointF(g.colorBar.right(), y), QPointF(g.colorBar.right() + 4, y));
        p.drawText(QRectF(g.colorBar.right() + 6, y - fm.height() / 2, 80, fm.height()),
                   Qt::AlignLeft | Qt::AlignVCenter, weightLabel(t));
    }
    double noteY = g.colorBar.bottom() + fm.height() * 0.6;
    auto note = [&](const QString &text) {
        p.drawText(QRectF(g.colorBar.left(), noteY, 200, fm.height()), Qt::AlignLeft | Qt::AlignVCenter, text);
        noteY += fm.height() * 1.1;
    };
    if (scene.causal) {
        const QRectF swatch(g.colorBar.left(), noteY + fm.height() * 0.1, kBarWidth, fm.height() * 0.8);
        p.fillRect(swatch, style.empty());
        p.drawText(QRectF(swatch.right() + 4, noteY, 120, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                   QStringLiteral("masked"));
        noteY += fm.height() * 1.3;
    }
    p.setPen(style.muted);
    if (style.scale.kind != ColorScale::Kind::Linear)
        note(QString::fromStdString(style.scale.name()) + QStringLiteral(" scale"));
    if (pooledBlock > 1.01)
        note(QStringLiteral("max of %1×%1").arg(qRound(pooledBlock)));
    p.setPen(style.text);
    if (!caption.isEmpty())
        p.drawText(g.caption, kCaptionFlags, caption);
    p.restore();
}

QPoint cellAt(const HeatmapGeometry &g, const QPointF &pos) {
    if (g.tokens == 0 || g.cell <= 0 || !g.viewport.contains(pos))
        return {-1, -1};
    const int row = std::clamp(static_cast<int>((pos.y() - g.grid.top()) / g.cell), 0, g.tokens - 1);
    const int col = std::clamp(static_cast<int>((pos.x() - g.grid.left()) / g.cell), 0, g.tokens - 1);
    return {row, col};
}

} // namespace attnscope
