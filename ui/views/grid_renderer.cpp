// All-heads grid: thumbnails, layer/head labels, pattern badges, selection outline.
#include "views/grid_renderer.h"
#include "models/head_grid_model.h"
#include "views/caption.h"

#include <QFontMetricsF>
#include <QPainter>

#include <cstdlib>

namespace attnscope {

namespace {
constexpr double kMargin = 10;

QString badgeText(const std::string &label) {
    if (label == "previous token")
        return QStringLiteral("prev");
    if (label == "first token")
        return QStringLiteral("first");
    return QString::fromStdString(label);
}
} // namespace

QRectF GridGeometry::thumbnail(int layer, int head) const {
    return QRectF(area.left() + head * (cell + gap), area.top() + layer * (cell + gap), cell, cell);
}

GridScene makeGridScene(const HeadGridModel &model, const ViewStyle &style) {
    GridScene scene;
    scene.style = style;
    scene.layers = model.rowCount();
    scene.heads = model.columnCount();
    const bool scored = model.highlight() != HeadGridModel::Highlight::Labels;
    scene.title = scored ? QStringLiteral("All heads · framed by %1").arg(HeadGridModel::highlightName(model.highlight()))
                         : QStringLiteral("All heads · click one to open it");
    if (model.pending())
        scene.title += QStringLiteral(" · computing thumbnails, %1 of %2 done")
                           .arg(model.thumbnailsDone())
                           .arg(scene.layers * scene.heads);
    const int side = model.thumbnailSide();
    const QRgb empty = style.empty().rgb();
    for (int l = 0; l < scene.layers; ++l)
        for (int h = 0; h < scene.heads; ++h) {
            const std::vector<float> &t = model.thumbnail(l, h);
            if (t.size() != static_cast<std::size_t>(side) * side) { // still being computed
                QImage waiting(1, 1, QImage::Format_RGB32);
                waiting.fill(empty);
                scene.thumbnails.push_back(std::move(waiting));
                scene.badges.push_back(QString());
                if (scored)
                    scene.scores.push_back(-1);
                continue;
            }
            QImage image(side, side, QImage::Format_RGB32);
            for (int i = 0; i < side; ++i) {
                auto *line = reinterpret_cast<QRgb *>(image.scanLine(i));
                for (int j = 0; j < side; ++j) {
                    const float w = t[static_cast<std::size_t>(i) * side + j];
                    line[j] = w < 0 ? empty : style.rgb(w);
                }
            }
            scene.thumbnails.push_back(std::move(image));
            if (!scored) {
                scene.badges.push_back(badgeText(model.pattern(l, h).label));
                continue;
            }
            const float score = model.highlightScore(l, h);
            scene.scores.push_back(score);
            scene.badges.push_back(score < 0 ? QString() : QString::number(double(score), 'f', 2));
        }
    return scene;
}

GridGeometry layoutGrid(const QSizeF &size, const GridScene &scene, const QFont &font) {
    GridGeometry g;
    g.layers = scene.layers;
    g.heads = scene.heads;
    const QFontMetricsF fm(font);
    g.title = QRectF(kMargin, kMargin, size.width() - 2 * kMargin, fm.height() * 1.6);
    if (g.layers == 0 || g.heads == 0)
        return g;
    g.labelWidth = fm.horizontalAdvance(QStringLiteral("L%1").arg(g.layers - 1)) + 8;
    const double left = kMargin + g.labelWidth;
    const double top = g.title.bottom() + fm.height() * 1.3; // head labels
    const double availW = size.width() - left - kMargin;
    const double availH = size.height() - top - kMargin;
    g.gap = 6;
    g.cell = std::max(4.0, std::min((availW - g.gap * (g.heads - 1)) / g.heads, (availH - g.gap * (g.layers - 1)) / g.layers));
    g.area = QRectF(left, top, g.heads * g.cell + (g.heads - 1) * g.gap, g.layers * g.cell + (g.layers - 1) * g.gap);
    return g;
}

void paintGrid(QPainter &p, const GridGeometry &g, const GridScene &scene, const QFont &font, const GridMarks &marks) {
    const ViewStyle &style = scene.style;
    const QFontMetricsF fm(font);
    p.save();
    QFont bold = font;
    bold.setBold(true);
    p.setFont(bold);
    p.setPen(style.text);
    p.drawText(g.title, Qt::AlignLeft | Qt::AlignVCenter, scene.title);
    p.setFont(font);
    if (g.layers == 0 || g.heads == 0) {
        p.restore();
        return;
    }
    // Column labels where they fit: every head, or every 2nd, 4th, ... when the thumbnails are narrower than "H31"
    // (many heads, or presentation mode's large type); the shown head is always labelled.
    const double pitch = g.heads > 1 ? g.thumbnail(0, 1).left() - g.thumbnail(0, 0).left() : g.thumbnail(0, 0).width();
    const double widest = fm.horizontalAdvance(QStringLiteral("H%1").arg(g.heads - 1)) + fm.averageCharWidth();
    int every = 1;
    while (every < g.heads && every * pitch < widest)
        every *= 2;
    for (int h = 0; h < g.heads; ++h) {
        if (h % every != 0 && h != marks.head)
            continue;
        if (h != marks.head && marks.head >= 0 && std::abs(h - marks.head) * pitch < widest)
            continue; // would collide with the shown head's label
        const QRectF r = g.thumbnail(0, h);
        p.setPen(h == marks.head ? style.selection : style.text);
        p.drawText(QRectF(r.center().x() - widest, r.top() - fm.height() * 1.2, 2 * widest, fm.height()), Qt::AlignCenter,
                   QStringLiteral("H%1").arg(h));
    }
    const QFont small = scaledFont(font, 0.8);
    const QFontMetricsF smallFm(small);
    p.setRenderHint(QPainter::SmoothPixmapTransform, false);
    for (int l = 0; l < g.layers; ++l) {
        const QRectF first = g.thumbnail(l, 0);
        p.setPen(l == marks.layer ? style.selection : style.text);
        p.drawText(QRectF(first.left() - g.labelWidth, first.top(), g.labelWidth - 6, first.height()),
                   Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("L%1").arg(l));
        for (int h = 0; h < g.heads; ++h) {
            const std::size_t k = static_cast<std::size_t>(l) * g.heads + h;
            const QRectF r = g.thumbnail(l, h);
            if (k < scene.thumbnails.size() && !marks.vector) {
                p.drawImage(r, scene.thumbnails[k]);
            } else if (k < scene.thumbnails.size()) {
                const QImage &t = scene.thumbnails[k];
                const int f = std::clamp(static_cast<int>(std::ceil(2 * g.cell / std::max(1, t.width()))), 1, 16);
                p.drawImage(r, t.scaled(t.size() * f, Qt::IgnoreAspectRatio, Qt::FastTransformation));
            }
            if (k < scene.scores.size() && scene.scores[k] > 0) { // role frame: 1 px at score 0 up to 5 px + half the gap at 1
                const double w = 1 + scene.scores[k] * (g.gap / 2 + 4);
                QColor frame = style.hover;
                frame.setAlphaF(0.15f + 0.85f * std::min(1.0f, scene.scores[k])); // faint for weak scores
                p.setBrush(Qt::NoBrush);
                p.setPen(QPen(frame, w, Qt::SolidLine, Qt::SquareCap, Qt::MiterJoin));
                p.drawRect(r.adjusted(w / 2, w / 2, -w / 2, -w / 2));
            }
            const QString &badge = k < scene.badges.size() ? scene.badges[k] : QString();
            if (!badge.isEmpty() && g.cell >= smallFm.horizontalAdvance(badge) + 8) {
                const QRectF b(r.left() + 2, r.bottom() - smallFm.height() - 3, smallFm.horizontalAdvance(badge) + 6,
                               smallFm.height() + 1);
                p.setPen(Qt::NoPen);
                p.setBrush(QColor(255, 255, 255, 225));
                p.drawRoundedRect(b, 3, 3);
                p.setFont(small);
                p.setPen(style.text);
                p.drawText(b, Qt::AlignCenter, badge);
                p.setFont(font);
                p.setBrush(Qt::NoBrush);
            }
        }
    }
    // Selection: the chosen head, its whole layer (aggregates of a layer) or everything.
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(style.selection, 3));
    if (marks.allLayers) {
        p.drawRect(g.area.adjusted(-3, -3, 3, 3));
    } else if (marks.layer >= 0 && marks.layer < g.layers) {
        if (marks.head >= 0 && marks.head < g.heads)
            p.drawRect(g.thumbnail(marks.layer, marks.head).adjusted(-2.5, -2.5, 2.5, 2.5));
        else
            p.drawRect(QRectF(g.thumbnail(marks.layer, 0).topLeft(), g.thumbnail(marks.layer, g.heads - 1).bottomRight())
                           .adjusted(-2.5, -2.5, 2.5, 2.5));
    }
    if (marks.hoverLayer >= 0 && marks.hoverHead >= 0) {
        p.setPen(QPen(style.hover, 2));
        p.drawRect(g.thumbnail(marks.hoverLayer, marks.hoverHead).adjusted(-1.5, -1.5, 1.5, 1.5));
    }
    p.restore();
}

QPoint gridHitTest(const GridGeometry &g, const QPointF &pos) {
    if (g.layers == 0 || g.heads == 0 || !g.area.contains(pos))
        return {-1, -1};
    const int h = static_cast<int>((pos.x() - g.area.left()) / (g.cell + g.gap));
    const int l = static_cast<int>((pos.y() - g.area.top()) / (g.cell + g.gap));
    if (l < 0 || h < 0 || l >= g.layers || h >= g.heads || !g.thumbnail(l, h).contains(pos))
        return {-1, -1};
    return {l, h};
}

} // namespace attnscope
