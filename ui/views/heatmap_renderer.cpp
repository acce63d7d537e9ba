// The heatmap renderer: layout arithmetic and QPainter calls, nothing else.
#include "views/heatmap_renderer.h"
#include "models/heatmap_model.h"

#include <QFontMetricsF>
#include <QLinearGradient>
#include <QPainter>

#include <cmath>

namespace attnscope {

namespace {
constexpr double kMargin = 10;
constexpr double kMaxLabelWidth = 140;
constexpr double kBarWidth = 16;
} // namespace

HeatmapScene makeHeatmapScene(const HeatmapModel &model, const QString &modelName, const ColorMap &map,
                              const HeatmapColors &colors) {
    HeatmapScene scene;
    const int T = model.tokenCount();
    const float *m = model.matrix();
    if (!m || T == 0)
        return scene;
    scene.causal = model.result()->causal;
    scene.cells = QImage(T, T, QImage::Format_RGB32);
    const QRgb empty = colors.empty.rgb();
    for (int i = 0; i < T; ++i) {
        auto *line = reinterpret_cast<QRgb *>(scene.cells.scanLine(i));
        const float *row = m + static_cast<std::size_t>(i) * T;
        for (int j = 0; j < T; ++j)
            line[j] = (scene.causal && j > i) ? empty : map.rgb(row[j]);
    }
    scene.labels.reserve(T);
    for (int i = 0; i < T; ++i)
        scene.labels << model.tokenText(i);
    scene.title = QStringLiteral("%1 · layer %2 · head %3").arg(modelName).arg(model.layer()).arg(model.head());
    return scene;
}

HeatmapGeometry layoutHeatmap(const QSizeF &size, const HeatmapScene &scene, const QFont &font,
                              const QString &caption) {
    HeatmapGeometry g;
    const int T = static_cast<int>(scene.labels.size());
    g.tokens = T;
    const QFontMetricsF fm(font);
    double labelWidth = 0;
    for (const QString &l : scene.labels)
        labelWidth = std::max(labelWidth, fm.horizontalAdvance(l));
    g.labelSpace = std::min(labelWidth, kMaxLabelWidth) + 6;
    const double titleHeight = scene.title.isEmpty() ? 0 : fm.height() * 1.8;
    const double axisCaption = fm.height() * 1.3;
    const double legendText = std::max(fm.horizontalAdvance(QStringLiteral("0.00")),
                                       scene.causal ? fm.horizontalAdvance(QStringLiteral("masked")) : 0.0);
    const double barSpace = 14 + kBarWidth + 6 + legendText;
    const double captionHeight = caption.isEmpty() ? 0 : fm.height() * 2.2;

    g.title = QRectF(kMargin, kMargin, size.width() - 2 * kMargin, titleHeight);
    const double left = kMargin + axisCaption + g.labelSpace;
    const double top = kMargin + titleHeight + axisCaption + g.labelSpace;
    const double availW = size.width() - left - barSpace - kMargin;
    const double legendHeight = scene.causal ? fm.height() * 1.6 : 0; // the "masked" swatch under the bar
    const double availH = size.height() - top - kMargin - std::max(captionHeight, legendHeight);
    const double side = std::max(0.0, std::min(availW, availH));
    g.cell = T > 0 ? side / T : 0;
    g.grid = QRectF(left, top, g.cell * T, g.cell * T);
    g.labelStep = g.cell > 0 ? std::max(1, static_cast<int>(std::ceil(fm.height() * 0.95 / g.cell))) : 1;
    g.colorBar = QRectF(g.grid.right() + 14, g.grid.top(), kBarWidth, std::max(side, 40.0));
    g.caption = QRectF(kMargin, g.grid.bottom() + fm.height() * 0.6, size.width() - 2 * kMargin, captionHeight);
    return g;
}

void paintHeatmap(QPainter &p, const HeatmapGeometry &g, const HeatmapScene &scene, const QFont &font,
                  const ColorMap &map, const HeatmapColors &colors, QPoint hover, const QString &caption) {
    const QFontMetricsF fm(font);
    p.save();
    p.setFont(font);
    p.setPen(colors.text);
    if (!scene.title.isEmpty()) {
        QFont titleFont = font;
        titleFont.setBold(true);
        p.setFont(titleFont);
        p.drawText(g.title, Qt::AlignLeft | Qt::AlignVCenter, scene.title);
        p.setFont(font);
    }
    if (g.tokens == 0 || scene.cells.isNull()) {
        p.restore();
        return;
    }

    // Cells: one image pixel per cell, scaled without smoothing so cell edges stay crisp.
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    p.drawImage(g.grid, scene.cells);

    // Axis captions.
    p.drawText(QRectF(g.grid.left(), g.grid.top() - g.labelSpace - fm.height() * 1.3, g.grid.width(), fm.height()),
               Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("key (attended to) →"));
    p.save();
    p.translate(g.grid.left() - g.labelSpace - fm.height() * 0.3, g.grid.top());
    p.rotate(-90);
    p.drawText(QRectF(-g.grid.height(), -fm.height(), g.grid.height(), fm.height()), Qt::AlignRight | Qt::AlignVCenter,
               QStringLiteral("query (attending) →"));
    p.restore();

    // Token labels: rows on the left, columns above (rotated), thinned when cells are smaller than the text.
    QFont bold = font;
    bold.setBold(true);
    auto drawLabel = [&](int i, bool hovered, bool column) {
        const QString text = fm.elidedText(scene.labels[i], Qt::ElideRight, g.labelSpace - 6);
        const double centre = g.cell * (i + 0.5);
        p.setFont(hovered ? bold : font);
        p.setPen(hovered ? colors.highlight : colors.text);
        if (!column) {
            p.drawText(QRectF(g.grid.left() - g.labelSpace, g.grid.top() + centre - fm.height() / 2, g.labelSpace - 6,
                              fm.height()),
                       Qt::AlignRight | Qt::AlignVCenter, text);
            return;
        }
        p.save();
        p.translate(g.grid.left() + centre, g.grid.top() - 6);
        p.rotate(-90);
        p.drawText(QRectF(0, -fm.height() / 2, g.labelSpace - 6, fm.height()), Qt::AlignLeft | Qt::AlignVCenter, text);
        p.restore();
    };
    for (int i = 0; i < g.tokens; ++i) {
        if (i % g.labelStep == 0 || i == hover.x())
            drawLabel(i, i == hover.x(), false);
        if (i % g.labelStep == 0 || i == hover.y())
            drawLabel(i, i == hover.y(), true);
    }
    p.setFont(font);

    // Hover: outline the query row and the key column, and the cell itself.
    if (hover.x() >= 0 && hover.y() >= 0) {
        p.setBrush(Qt::NoBrush);
        p.setPen(QPen(colors.highlight, 1.5));
        p.drawRect(QRectF(g.grid.left(), g.grid.top() + g.cell * hover.x(), g.grid.width(), g.cell));
        p.drawRect(QRectF(g.grid.left() + g.cell * hover.y(), g.grid.top(), g.cell, g.grid.height()));
        p.setPen(QPen(Qt::white, 2));
        p.drawRect(QRectF(g.grid.left() + g.cell * hover.y(), g.grid.top() + g.cell * hover.x(), g.cell, g.cell));
    }

    // Colour bar with values.
    QLinearGradient gradient(g.colorBar.bottomLeft(), g.colorBar.topLeft());
    for (int k = 0; k <= 10; ++k)
        gradient.setColorAt(k / 10.0, map.color(static_cast<float>(k / 10.0)));
    p.setPen(Qt::NoPen);
    p.fillRect(g.colorBar, gradient);
    p.setPen(colors.text);
    for (int k = 0; k <= 4; ++k) {
        const double v = k / 4.0;
        const double y = g.colorBar.bottom() - v * g.colorBar.height();
        p.drawLine(QPointF(g.colorBar.right(), y), QPointF(g.colorBar.right() + 4, y));
        p.drawText(QRectF(g.colorBar.right() + 6, y - fm.height() / 2, 60, fm.height()),
                   Qt::AlignLeft | Qt::AlignVCenter, QString::number(v, 'f', 2));
    }
    if (scene.causal) {
        const QRectF swatch(g.colorBar.left(), g.colorBar.bottom() + fm.height() * 0.6, kBarWidth, fm.height() * 0.8);
        p.fillRect(swatch, colors.empty);
        p.drawText(QRectF(swatch.right() + 4, swatch.top() - fm.height() * 0.1, 120, fm.height()),
                   Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("masked"));
    }
    if (!caption.isEmpty())
        p.drawText(g.caption, Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, caption);
    p.restore();
}

QPoint cellAt(const HeatmapGeometry &g, const QPointF &pos) {
    if (g.tokens == 0 || g.cell <= 0 || !g.grid.contains(pos))
        return {-1, -1};
    const int row = std::clamp(static_cast<int>((pos.y() - g.grid.top()) / g.cell), 0, g.tokens - 1);
    const int col = std::clamp(static_cast<int>((pos.x() - g.grid.left()) / g.cell), 0, g.tokens - 1);
    return {row, col};
}

} // namespace attnscope
