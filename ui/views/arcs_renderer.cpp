// Arc diagrams: scene building (links per head from core), layout arithmetic and QPainter calls.
#include "views/arcs_renderer.h"
#include "models/heatmap_model.h"
#include "views/line_raster.h"

#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace attnscope {

namespace {
// A long text's links are computed when the cells they come from are at most this many (about a second).
constexpr double kMaxStreamedCells = 64.0 * 1024 * 1024;
constexpr double kMargin = 10;
constexpr double kMaxLabelWidth = 160;
constexpr double kSwatch = 14;
} // namespace

std::vector<char> strongPartnerLabels(const std::vector<float> &weights, int labelStep) {
    const int n = static_cast<int>(weights.size());
    std::vector<char> strong(weights.size(), 0);
    std::vector<std::pair<float, int>> ranked;
    for (int i = 0; i < n; ++i)
        if (weights[static_cast<std::size_t>(i)] >= 0.05f)
            ranked.emplace_back(weights[static_cast<std::size_t>(i)], i);
    std::sort(ranked.begin(), ranked.end(), [](const auto &a, const auto &b) { return a.first > b.first; });
    int named = 0;
    for (const auto &[w, i] : ranked) {
        bool room = true;
        for (int j = std::max(0, i - labelStep + 1); j < std::min(n, i + labelStep); ++j)
            room = room && !strong[static_cast<std::size_t>(j)];
        if (room && named < 3) {
            strong[static_cast<std::size_t>(i)] = 1;
            ++named;
        }
    }
    return strong;
}

QColor headColour(int head) {
    // Okabe-Ito without its yellow (unreadable on white), plus a brown.
    static const QRgb palette[] = {0x0072b2, 0xe69f00, 0x009e73, 0xd55e00, 0xcc79a7, 0x56b4e9, 0x000000, 0x8c6d31};
    if (head >= 0 && head < 8)
        return QColor::fromRgb(palette[head]);
    return QColor::fromHsv((head * 47) % 360, 200, 180);
}

ArcsScene makeArcsScene(const HeatmapModel &model, const std::vector<bool> &enabledHeads, float threshold, int topK,
                        const ViewStyle &style) {
    ArcsScene scene;
    scene.style = style;
    scene.threshold = threshold;
    scene.topK = topK;
    scene.title = model.viewTitle();
    const AttentionMatrix &m = model.matrix();
    if (m.size == 0 || !model.result())
        return scene;
    const bool aggregate = model.params().aggregation != Aggregation::Head;
    if (!model.large() && aggregate && !model.complete()) {
        scene.title += QStringLiteral(" · computing…");
        return scene;
    }
    // A long text has no matrices to keep: its links are found a block of rows at a time, as long as that is quick.
    const bool streamed = model.large();
    const double heads = aggregate ? aggregatedHeads(*model.result(), model.params())
                                   : static_cast<double>(std::count(enabledHeads.begin(), enabledHeads.end(), true));
    const bool tooMany = streamed && static_cast<double>(m.size) * m.size * heads > kMaxStreamedCells;
    if (tooMany) {
        scene.title = QStringLiteral("Arcs of %1 tokens: show fewer heads (click them in the legend) or a shorter text")
                          .arg(m.size);
        if (aggregate)
            return scene;
    }
    const bool compute = !tooMany;
    scene.tokens = m.size;
    scene.causal = m.causal;
    for (int i = 0; i < m.size; ++i)
        scene.labels << model.tokenText(i);
    if (model.params().aggregation == Aggregation::Head) {
        for (int h = 0; h < model.heads(); ++h) {
            ArcSeries s;
            s.head = h;
            s.name = QStringLiteral("head %1").arg(h);
            s.colour = headColour(h);
            s.enabled = h < static_cast<int>(enabledHeads.size()) && enabledHeads[static_cast<std::size_t>(h)];
            if (s.enabled && streamed && compute) {
                ViewParams one = model.params();
                one.head = h;
                s.links = strongLinks(*model.result(), one, m.positions, threshold, topK);
            } else if (s.enabled && compute) {
                s.matrix = &model.headMatrix(h);
                s.links = strongLinks(*s.matrix, threshold, topK);
            }
            scene.series.push_back(std::move(s));
        }
    } else {
        ArcSeries s;
        s.name = model.viewTitle().section(QStringLiteral(" · "), model.params().aggregation == Aggregation::MeanOfAll ? 0 : 1, 1);
        s.colour = QColor(0x33, 0x33, 0x66);
        if (streamed) {
            s.links = strongLinks(*model.result(), model.params(), m.positions, threshold, topK);
        } else {
            s.matrix = &model.matrix();
            s.links = strongLinks(m, threshold, topK);
        }
        scene.series.push_back(std::move(s));
    }
    return scene;
}

namespace {
QString legendHeading() {
    return QStringLiteral("heads");
}
QString legendName(const ArcSeries &s) {
    return QString::number(s.head);
}
} // namespace

ArcsGeometry layoutArcs(const QSizeF &size, const ArcsScene &scene, const QFont &font, ArcsLayout layout) {
    ArcsGeometry g;
    g.layout = layout;
    g.tokens = scene.tokens;
    const QFontMetricsF fm(font);
    QFont bold = font;
    bold.setBold(true);
    g.title = QRectF(kMargin, kMargin, size.width() - 2 * kMargin, fm.height() * 1.6);

    // Legend: swatch + name per series, wrapping; the head numbers alone when the names would take over two rows.
    double x = 0, y = 0;
    auto layOutLegend = [&](bool compact) {
        g.legend.clear();
        g.compactLegend = compact;
        x = kMargin;
        y = g.title.bottom();
        if (compact) {
            const QString label = legendHeading();
            g.legendLabel = QRectF(x, y, fm.horizontalAdvance(label) + 8, fm.height() * 1.3);
            x = g.legendLabel.right();
        }
        int rows = 1;
        for (const ArcSeries &s : scene.series) {
            const double w = kSwatch + (compact ? 4 : 6) + fm.horizontalAdvance(compact ? legendName(s) : s.name) + (compact ? 8 : 14);
            if (x + w > size.width() - kMargin && x > kMargin) {
                x = compact ? g.legendLabel.right() : kMargin;
                y += fm.height() * 1.4;
                ++rows;
            }
            g.legend.emplace_back(x, y, w, fm.height() * 1.3);
            x += w;
        }
        return rows;
    };
    const bool allHeads = std::all_of(scene.series.begin(), scene.series.end(), [](const ArcSeries &s) { return s.head >= 0; });
    if (layOutLegend(false) > 2 && allHeads)
        layOutLegend(true);
    const double contentTop = (scene.series.empty() ? y : y + fm.height() * 1.4) + fm.height() * 0.6;
    g.footer = QRectF(kMargin, size.height() - kMargin - fm.height() * 1.3, size.width() - 2 * kMargin, fm.height() * 1.3);
    const int n = scene.tokens;
    if (n == 0)
        return g;
    double maxLabel = 0;
    for (const QString &l : scene.labels)
        maxLabel = std::max(maxLabel, fm.horizontalAdvance(l));
    g.labelWidth = std::min(maxLabel, kMaxLabelWidth) + 8;
    const double weightWidth = fm.horizontalAdvance(QStringLiteral("0.00")) + 10;

    if (layout == ArcsLayout::Columns) {
        const double top = contentTop + fm.height() * 1.4; // column headings
        const double avail = std::max(1.0, g.footer.top() - fm.height() * 0.4 - top);
        g.rowHeight = std::min(fm.height() * 1.5, avail / n);
        g.labelStep = std::max(1, static_cast<int>(std::ceil(fm.height() * 0.95 / g.rowHeight)));
        g.queryX = kMargin + weightWidth + g.labelWidth;
        g.keyX = size.width() - kMargin - weightWidth - g.labelWidth;
        if (g.keyX - g.queryX < 80) { // very narrow: shrink the label columns, the lines matter more
            const double squeeze = (80 - (g.keyX - g.queryX)) / 2;
            g.queryX -= squeeze;
            g.keyX += squeeze;
        }
        g.y.resize(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i)
            g.y[static_cast<std::size_t>(i)] = top + g.rowHeight * (i + 0.5);
        return g;
    }

    const double availW = std::max(1.0, size.width() - 2 * kMargin);
    g.step = availW / n;
    g.rotateLabels = maxLabel > g.step * 0.95;
    g.labelStep = g.rotateLabels ? std::max(1, static_cast<int>(std::ceil(fm.height() * 0.95 / g.step))) : 1;
    const double labelArea = g.rotateLabels ? g.labelWidth + 4 : fm.height() * 1.6;
    g.baseline = g.footer.top() - fm.height() * 0.3 - labelArea;
    g.arcSpace = std::max(10.0, g.baseline - contentTop - fm.height() * 1.2); // room for weights above arcs' feet
    g.x.resize(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        g.x[static_cast<std::size_t>(i)] = kMargin + g.step * (i + 0.5);
    return g;
}

ArcsHit arcsHitTest(const ArcsGeometry &g, const QPointF &pos) {
    ArcsHit hit;
    for (std::size_t k = 0; k < g.legend.size(); ++k)
        if (g.legend[k].contains(pos))
            hit.legend = static_cast<int>(k);
    if (hit.legend >= 0 || g.tokens == 0 || pos.y() >= g.footer.top())
        return hit;
    if (g.layout == ArcsLayout::Columns) {
        if (g.y.empty() || pos.y() < g.y.front() - g.rowHeight / 2 || pos.y() > g.y.back() + g.rowHeight / 2)
            return hit;
        const int row = std::clamp(static_cast<int>((pos.y() - (g.y.front() - g.rowHeight / 2)) / g.rowHeight), 0,
                                   g.tokens - 1);
        if (pos.x() <= g.queryX + 4) {
            hit.token = row;
        } else if (pos.x() >= g.keyX - 4) {
            hit.token = row;
            hit.isKey = true;
        }
        return hit;
    }
    if (g.x.empty() || pos.y() < g.baseline - g.arcSpace)
        return hit;
    hit.token = std::clamp(static_cast<int>((pos.x() - (g.x.front() - g.step / 2)) / g.step), 0, g.tokens - 1);
    if (pos.x() < g.x.front() - g.step / 2 || pos.x() > g.x.back() + g.step / 2)
        hit.token = -1;
    return hit;
}

namespace {

struct Active {
    int token = -1;
    bool isKey = false;
};

// Opacity and width of a link follow its weight on the colour scale.
struct Stroke {
    double alpha;
    double width;
};
// `spacing` is the distance between neighbouring tokens: when tokens are packed closer than a line is wide,
// lines thin out with them so hundreds of tokens read as a pattern instead of a solid block.
Stroke linkStroke(const ArcsScene &scene, float weight, bool active, double spacing) {
    const float t = scene.style.scale.toUnit(weight);
    const double density = std::clamp(spacing / 14.0, 0.12, 1.0);
    return {std::clamp((active ? 0.25 : 0.12) + (active ? 0.75 : 0.6) * t, 0.0, 1.0),
            (0.8 + (active ? 4.0 : 2.5) * t) * (active ? std::max(density, 0.5) : density) * scene.style.lineScale};
}

QPen strokePen(const QColor &colour, const Stroke &s) {
    QColor c = colour;
    c.setAlphaF(s.alpha);
    QPen pen(c, s.width);
    pen.setCapStyle(Qt::FlatCap);
    return pen;
}

// Links go to a translucent layer drawn by line_raster (fast) or, for vector output, straight to the painter.
class LinkCanvas {
public:
    LinkCanvas(QPainter &p, bool vector) : m_p(p), m_vector(vector) {
        if (m_vector)
            return;
        // The layer covers the device in logical coordinates. A widget's window() is logical already; an image's
        // counts device pixels.
        m_dpr = p.device()->devicePixelRatioF();
        m_area = p.window();
        if (const auto *image = dynamic_cast<const QImage *>(p.device()))
            m_area = QRect(QPoint(0, 0), (QSizeF(image->size()) / m_dpr).toSize());
        // One layer per thread, kept between paints: a new image each time cost its page faults on every keystroke.
        static thread_local QImage layer;
        const QSize size = (QSizeF(m_area.size()) * m_dpr).toSize();
        if (layer.size() != size)
            layer = QImage(size, QImage::Format_ARGB32_Premultiplied);
        layer.fill(Qt::transparent);
        m_layer = &layer;
    }
    void line(QPointF a, QPointF b, const QColor &colour, const Stroke &s) {
        if (m_vector) {
            m_p.setPen(strokePen(colour, s));
            m_p.drawLine(a, b);
            return;
        }
        blendLine(*m_layer, a * m_dpr, b * m_dpr, s.width * m_dpr, colour.rgb(), s.alpha);
    }
    // Half-ellipse from x1 to x2 standing on baseline, height h.
    void arc(double x1, double x2, double baseline, double h, const QColor &colour, const Stroke &s) {
        const double left = std::min(x1, x2), right = std::max(x1, x2);
        const double cx = (left + right) / 2, r = (right - left) / 2;
        if (m_vector) {
            QPainterPath path;
            path.moveTo(left, baseline);
            path.arcTo(QRectF(left, baseline - h, 2 * r, 2 * h), 180, -180);
            m_p.setPen(strokePen(colour, s));
            m_p.drawPath(path);
            return;
        }
        const double d = m_dpr;
        blendStroke(
            *m_layer, left * d, right * d,
            [&](double x) {
                const double u = std::clamp((x / d - cx) / r, -1.0, 1.0);
                return (baseline - h * std::sqrt(1.0 - u * u)) * d;
            },
            s.width * d, colour.rgb(), s.alpha);
    }
    void finish() {
        if (m_vector)
            return;
        m_layer->setDevicePixelRatio(m_dpr);
        m_p.drawImage(m_area.topLeft(), *m_layer);
    }

private:
    QPainter &m_p;
    bool m_vector;
    qreal m_dpr = 1;
    QRect m_area;
    QImage *m_layer = nullptr;
};

bool linkShown(const Link &l, const Active &a) {
    if (a.token < 0)
        return true;
    return a.isKey ? l.key == a.token : l.query == a.token;
}

// The series whose weights label the other side while a token is active: the first enabled one.
const ArcSeries *labelSeries(const ArcsScene &scene) {
    for (const ArcSeries &s : scene.series)
        if (s.enabled && s.matrix)
            return &s;
    return nullptr;
}

} // namespace

void paintArcs(QPainter &p, const ArcsGeometry &g, const ArcsScene &scene, const QFont &font, const ArcsMarks &marks) {
    const ViewStyle &style = scene.style;
    const QFontMetricsF fm(font);
    QFont bold = font;
    bold.setBold(true);
    p.save();
    p.setRenderHint(QPainter::Antialiasing);
    p.setFont(bold);
    p.setPen(style.text);
    p.drawText(g.title, Qt::AlignLeft | Qt::AlignVCenter,
               QFontMetricsF(bold).elidedText(scene.title, Qt::ElideRight, g.title.width()));
    p.setFont(font);

    // Legend: filled swatch = shown, outline = hidden (click to toggle).
    for (std::size_t k = 0; k < scene.series.size() && k < g.legend.size(); ++k) {
        const ArcSeries &s = scene.series[k];
        const QRectF r = g.legend[k];
        const QRectF swatch(r.left(), r.center().y() - kSwatch / 2, kSwatch, kSwatch);
        p.setPen(QPen(s.colour, 2));
        p.setBrush(s.enabled ? QBrush(s.colour) : Qt::NoBrush);
        p.drawRoundedRect(swatch.adjusted(1, 1, -1, -1), 3, 3);
        p.setPen(s.enabled ? style.text : style.muted);
        p.drawText(QRectF(swatch.right() + (g.compactLegend ? 4 : 6), r.top(), r.width() - kSwatch - 4, r.height()),
                   Qt::AlignLeft | Qt::AlignVCenter, g.compactLegend ? legendName(s) : s.name);
    }
    if (g.compactLegend) {
        p.setPen(style.muted);
        p.drawText(g.legendLabel, Qt::AlignLeft | Qt::AlignVCenter, legendHeading());
    }
    p.setBrush(Qt::NoBrush);
    if (g.tokens == 0) {
        p.restore();
        return;
    }

    Active active;
    if (marks.hoverToken >= 0)
        active = {marks.hoverToken, marks.hoverIsKey};
    else if (marks.focus.query >= 0)
        active = {marks.focus.query, false};
    const Focus &focus = marks.focus;
    const ArcSeries *weights = active.token >= 0 ? labelSeries(scene) : nullptr;
    auto weightAt = [&](int other) -> float {
        const int q = active.isKey ? other : active.token;
        const int k = active.isKey ? active.token : other;
        if (!weights || weights->matrix->masked(q, k))
            return -1;
        return weights->matrix->at(q, k);
    };
    auto labelColour = [&](int i, bool keySide) {
        if (i == active.token && keySide == active.isKey)
            return marks.hoverToken >= 0 ? style.hover : style.selection;
        if (focus.isCell() && keySide && i == focus.key)
            return style.selection;
        return style.text;
    };

    if (g.layout == ArcsLayout::Columns) {
        p.setPen(style.muted);
        const double headY = g.y.front() - g.rowHeight / 2 - fm.height() * 1.3;
        p.drawText(QRectF(g.queryX - 6 - g.labelWidth, headY, g.labelWidth, fm.height()),
                   Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("query"));
        p.drawText(QRectF(g.keyX + 6, headY, g.labelWidth, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                   QStringLiteral("key"));
        LinkCanvas canvas(p, marks.vector);
        for (const ArcSeries &s : scene.series) {
            if (!s.enabled)
                continue;
            for (const Link &l : s.links)
                if (linkShown(l, active))
                    canvas.line(QPointF(g.queryX, g.y[static_cast<std::size_t>(l.query)]),
                                QPointF(g.keyX, g.y[static_cast<std::size_t>(l.key)]), s.colour,
                                linkStroke(scene, l.weight, active.token >= 0, g.rowHeight));
        }
        canvas.finish();
        if (focus.isCell() && focus.query < g.tokens && focus.key < g.tokens) {
            p.setPen(QPen(style.selection, 3.5, Qt::SolidLine, Qt::RoundCap));
            p.drawLine(QPointF(g.queryX, g.y[static_cast<std::size_t>(focus.query)]),
                       QPointF(g.keyX, g.y[static_cast<std::size_t>(focus.key)]));
        }
        const double weightW = fm.horizontalAdvance(QStringLiteral("0.00")) + 6;
        // When labels are thinned out, the active token's strongest partners (up to three, weight >= 0.05) are
        // always named, and the thinned labels next to them make room: the thickest line never ends unlabelled.
        std::vector<char> strong(static_cast<std::size_t>(g.tokens), 0);
        if (weights && g.labelStep > 1) {
            std::vector<float> row(static_cast<std::size_t>(g.tokens));
            for (int i = 0; i < g.tokens; ++i)
                row[static_cast<std::size_t>(i)] = weightAt(i);
            strong = strongPartnerLabels(row, g.labelStep);
        }
        auto shownOnOtherSide = [&](int i) {
            if (strong[static_cast<std::size_t>(i)])
                return true;
            if (i % g.labelStep != 0)
                return false;
            for (int j = std::max(0, i - g.labelStep + 1); j < std::min(g.tokens, i + g.labelStep); ++j)
                if (strong[static_cast<std::size_t>(j)])
                    return false;
            return true;
        };
        const bool otherIsKey = !active.isKey;
        for (int i = 0; i < g.tokens; ++i) {
            const double y = g.y[static_cast<std::size_t>(i)];
            const QRectF left(g.queryX - 6 - g.labelWidth, y - fm.height() / 2, g.labelWidth, fm.height());
            const QRectF right(g.keyX + 6, y - fm.height() / 2, g.labelWidth, fm.height());
            const bool leftActive = i == active.token && !active.isKey;
            const bool rightActive = (i == active.token && active.isKey) || (focus.isCell() && i == focus.key);
            const bool leftShown = active.token >= 0 && !otherIsKey ? shownOnOtherSide(i) : i % g.labelStep == 0;
            const bool rightShown = active.token >= 0 && otherIsKey ? shownOnOtherSide(i) : i % g.labelStep == 0;
            if (leftShown || leftActive || (focus.query == i)) {
                p.setFont(leftActive ? bold : font);
                p.setPen(labelColour(i, false));
                p.drawText(left, Qt::AlignRight | Qt::AlignVCenter,
                           fm.elidedText(scene.labels[i], Qt::ElideRight, g.labelWidth - 8));
            }
            if (rightShown || rightActive) {
                p.setFont(rightActive ? bold : font);
                p.setPen(labelColour(i, true));
                p.drawText(right, Qt::AlignLeft | Qt::AlignVCenter,
                           fm.elidedText(scene.labels[i], Qt::ElideRight, g.labelWidth - 8));
            }
            // The active token's weights beside the tokens on the other side.
            if (weights && (otherIsKey ? rightShown : leftShown)) {
                const float w = weightAt(i);
                if (w >= 0.01f) { // smaller ones would read as 0.00
                    p.setFont(font);
                    p.setPen(weights->colour);
                    const QRectF r = active.isKey ? QRectF(left.left() - weightW, left.top(), weightW, fm.height())
                                                  : QRectF(right.left() + g.labelWidth, right.top(), weightW, fm.height());
                    p.drawText(r, (active.isKey ? Qt::AlignRight : Qt::AlignLeft) | Qt::AlignVCenter,
                               weightLabel(w));
                }
            }
        }
    } else {
        p.setPen(QPen(style.muted, 1));
        p.drawLine(QPointF(g.x.front() - g.step / 2, g.baseline), QPointF(g.x.back() + g.step / 2, g.baseline));
        const double loop = std::min(g.step * 0.35, 10.0); // attention to itself: a small loop above the token
        auto arcHeight = [&](int from, int to) {
            return std::min(g.arcSpace, std::abs(g.x[static_cast<std::size_t>(to)] - g.x[static_cast<std::size_t>(from)]) * 0.45);
        };
        LinkCanvas canvas(p, marks.vector);
        std::vector<std::pair<const ArcSeries *, const Link *>> loops;
        for (const ArcSeries &s : scene.series) {
            if (!s.enabled)
                continue;
            for (const Link &l : s.links) {
                if (!linkShown(l, active))
                    continue;
                if (l.query == l.key)
                    loops.emplace_back(&s, &l);
                else
                    canvas.arc(g.x[static_cast<std::size_t>(l.query)], g.x[static_cast<std::size_t>(l.key)], g.baseline,
                               arcHeight(l.query, l.key), s.colour, linkStroke(scene, l.weight, active.token >= 0, g.step));
            }
        }
        canvas.finish();
        for (const auto &[s, l] : loops) {
            p.setPen(strokePen(s->colour, linkStroke(scene, l->weight, active.token >= 0, g.step)));
            p.drawEllipse(QPointF(g.x[static_cast<std::size_t>(l->query)], g.baseline - loop), loop * 0.7, loop);
        }
        auto arc = [&](int from, int to) {
            QPainterPath path;
            const double x1 = g.x[static_cast<std::size_t>(from)], x2 = g.x[static_cast<std::size_t>(to)];
            if (from == to) {
                path.addEllipse(QPointF(x1, g.baseline - loop), loop * 0.7, loop);
                return path;
            }
            const double left = std::min(x1, x2), h = arcHeight(from, to);
            path.moveTo(left, g.baseline);
            path.arcTo(QRectF(left, g.baseline - h, std::abs(x2 - x1), 2 * h), 180, -180);
            return path;
        };
        if (focus.isCell() && focus.query < g.tokens && focus.key < g.tokens) {
            p.setPen(QPen(style.selection, 3.5, Qt::SolidLine, Qt::RoundCap));
            p.drawPath(arc(focus.query, focus.key));
        }
        // Token dots and labels.
        for (int i = 0; i < g.tokens; ++i) {
            const double x = g.x[static_cast<std::size_t>(i)];
            const bool isActive = i == active.token || (focus.isCell() && i == focus.key);
            p.setPen(Qt::NoPen);
            p.setBrush(isActive ? QBrush(labelColour(i, i != active.token)) : QBrush(style.muted));
            p.drawEllipse(QPointF(x, g.baseline), 2.5, 2.5);
            p.setBrush(Qt::NoBrush);
            if (!(i % g.labelStep == 0 || isActive))
                continue;
            p.setFont(isActive ? bold : font);
            p.setPen(labelColour(i, i != active.token));
            const QString text = fm.elidedText(scene.labels[i], Qt::ElideRight, g.rotateLabels ? g.labelWidth - 8 : g.step);
            if (g.rotateLabels) {
                p.save();
                p.translate(x, g.baseline + 6);
                p.rotate(90);
                p.drawText(QRectF(0, -fm.height() / 2, g.labelWidth, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                           text);
                p.restore();
            } else {
                p.drawText(QRectF(x - g.step / 2, g.baseline + 4, g.step, fm.height()), Qt::AlignHCenter | Qt::AlignTop,
                           text);
            }
        }
        // The active token's weights above the tokens it attends to: strongest first, skipping any label that
        // would overlap one already placed, and none under 0.01 (they would read as 0.00).
        if (weights) {
            p.setFont(font);
            p.setPen(weights->colour);
            std::vector<std::pair<float, int>> order;
            for (int i = 0; i < g.tokens; ++i) {
                const float w = weightAt(i);
                if (w >= 0.01f)
                    order.emplace_back(w, i);
            }
            std::sort(order.begin(), order.end(), [](const auto &a, const auto &b) { return a.first > b.first; });
            std::vector<QRectF> placed;
            for (const auto &[w, i] : order) {
                const QString text = weightLabel(w);
                const double tw = fm.horizontalAdvance(text) + 4;
                const double x = g.x[static_cast<std::size_t>(i)];
                const double lift = i == active.token ? std::min(g.step * 0.35, 10.0) * 2 : 0; // above a self loop
                const QRectF r(x - tw / 2, g.baseline - fm.height() * 1.05 - lift, tw, fm.height());
                if (std::any_of(placed.begin(), placed.end(), [&](const QRectF &o) { return o.intersects(r); }))
                    continue;
                placed.push_back(r);
                p.drawText(r, Qt::AlignCenter, text);
            }
        }
    }

    p.setFont(font);
    p.setPen(style.muted);
    QString footer = scene.threshold > 0 ? QStringLiteral("lines for weights ≥ %1").arg(weightLabel(scene.threshold))
                                         : QStringLiteral("all weights");
    if (scene.topK > 0)
        footer += QStringLiteral(", strongest %1 per token").arg(scene.topK);
    if (marks.hints)
        footer += QStringLiteral(" · hover a token to see its lines, click to pin");
    // Key: what a weight of 0.1, 0.5 and 1 looks like (opacity and width follow the colour scale), at the right.
    const ArcSeries *keySeries = labelSeries(scene);
    const QColor keyColour = keySeries ? keySeries->colour : style.text;
    const double sample = fm.height() * 1.6;
    const float keyWeights[] = {0.1f, 0.5f, 1.0f};
    double keyWidth = 0;
    for (const float w : keyWeights)
        keyWidth += sample + 4 + fm.horizontalAdvance(weightLabel(w)) + 12;
    double textWidth = g.footer.width();
    if (g.footer.width() > keyWidth + fm.horizontalAdvance(footer) * 0.5) {
        textWidth = g.footer.width() - keyWidth - 12;
        double x = g.footer.right() - keyWidth;
        const double y = g.footer.center().y();
        for (const float w : keyWeights) {
            p.setPen(strokePen(keyColour, linkStroke(scene, w, active.token >= 0, 14)));
            p.drawLine(QPointF(x, y), QPointF(x + sample, y));
            x += sample + 4;
            p.setPen(style.muted);
            const QString label = weightLabel(w);
            p.drawText(QRectF(x, g.footer.top(), fm.horizontalAdvance(label) + 2, g.footer.height()),
                       Qt::AlignLeft | Qt::AlignVCenter, label);
            x += fm.horizontalAdvance(label) + 12;
        }
    }
    p.setPen(style.muted);
    p.drawText(QRectF(g.footer.left(), g.footer.top(), textWidth, g.footer.height()), Qt::AlignLeft | Qt::AlignVCenter,
               fm.elidedText(footer, Qt::ElideRight, textWidth));
    p.restore();
}

} // namespace attnscope
