// Export framing (title, colour key, caption) around the shared renderers, and the PNG/SVG/PDF encoders.
#include "export/image_export.h"

#include "models/head_grid_model.h"
#include "models/heatmap_model.h"
#include "views/arcs_renderer.h"
#include "views/caption.h"
#include "views/grid_renderer.h"
#include "views/heatmap_renderer.h"
#include "views/token_strip_renderer.h"

#include <attnscope/measures.h>

#include <QBuffer>
#include <QFontInfo>
#include <QFontMetricsF>
#include <QLinearGradient>
#include <QMimeData>
#include <QPageSize>
#include <QPainter>
#include <QWidget>
#include <QPdfWriter>
#include <QSvgGenerator>

#include <algorithm>
#include <cmath>

namespace attnscope {

namespace {
constexpr double kMargin = 10;
constexpr int kMaxSide = 16384;                   // pixels per side of a PNG
constexpr qint64 kMaxPixels = qint64(1) << 27;    // 128 M pixels = 512 MB of image memory

struct ViewInfo {
    ExportView view;
    const char *id;
    const char *name;
};
constexpr ViewInfo kViews[] = {
    {ExportView::Heatmap, "heatmap", "Heatmap"},
    {ExportView::Arcs, "arcs", "Arcs (two columns)"},
    {ExportView::LineArcs, "line-arcs", "Arcs (one line)"},
    {ExportView::Grid, "grid", "All-heads grid"},
    {ExportView::Tokens, "tokens", "Token strip"},
    {ExportView::Step, "step", "Step by step"},
    {ExportView::NextToken, "next-token", "Next-token predictions"},
    {ExportView::Compare, "compare", "Compare two sentences"},
};

const ViewInfo &info(ExportView view) {
    for (const ViewInfo &v : kViews)
        if (v.view == view)
            return v;
    return kViews[0];
}

QString caption(const ExportSources &sources, const ImageSpec &spec, const QFontMetricsF &fm, double width) {
    if (!spec.caption || !sources.heatmap || !sources.heatmap->result())
        return {};
    return fitCaption(QString::fromStdString(sources.heatmap->result()->text), fm, width - 2 * kMargin);
}

// Space a caption takes under the content, including the gap above it.
double captionBand(const QString &text, const QFontMetricsF &fm, double width) {
    return text.isEmpty() ? 0 : captionHeight(text, fm, width - 2 * kMargin) + fm.height() * 0.8;
}

double colorKeyHeight(const QFontMetricsF &fm) {
    return fm.height() * 2.4;
}

// A horizontal colour key: "attention weight", the gradient, the scale's ticks under it.
void paintColorKey(QPainter &p, const QPointF &topLeft, double maxWidth, const ViewStyle &style, const QFont &font,
                   const QString &label) {
    const QFontMetricsF fm(font);
    p.save();
    p.setFont(font);
    p.setPen(style.text);
    const double labelW = fm.horizontalAdvance(label) + 10;
    p.drawText(QRectF(topLeft.x(), topLeft.y(), labelW, fm.height()), Qt::AlignLeft | Qt::AlignVCenter, label);
    const double barW = std::clamp(maxWidth - labelW - fm.horizontalAdvance(QStringLiteral("1.00")), 40.0, 360.0);
    const QRectF bar(topLeft.x() + labelW, topLeft.y() + fm.height() * 0.1, barW, fm.height() * 0.8);
    QLinearGradient gradient(bar.topLeft(), bar.topRight());
    for (int k = 0; k <= 16; ++k)
        gradient.setColorAt(k / 16.0, style.map->color(static_cast<float>(k / 16.0)));
    p.fillRect(bar, gradient);
    for (const float t : style.scale.ticks()) {
        const double x = bar.left() + style.scale.toUnit(t) * bar.width();
        p.drawLine(QPointF(x, bar.bottom()), QPointF(x, bar.bottom() + 4));
        const QString text = weightLabel(t);
        const double w = fm.horizontalAdvance(text) + 4;
        p.drawText(QRectF(x - w / 2, bar.bottom() + 4, w, fm.height()), Qt::AlignHCenter | Qt::AlignTop, text);
    }
    if (style.scale.kind != ColorScale::Kind::Linear) {
        p.setPen(style.muted);
        p.drawText(QRectF(bar.right() + 14, topLeft.y(), 200, fm.height()), Qt::AlignLeft | Qt::AlignVCenter,
                   QString::fromStdString(style.scale.name()) + QStringLiteral(" scale"));
    }
    p.restore();
}

void paintCaption(QPainter &p, const QString &text, double top, double width, const ViewStyle &style,
                  const QFont &font) {
    if (text.isEmpty())
        return;
    const QFontMetricsF fm(font);
    p.save();
    p.setFont(font);
    p.setPen(style.text);
    p.drawText(QRectF(kMargin, top + fm.height() * 0.8, width - 2 * kMargin, captionHeight(text, fm, width - 2 * kMargin) + 2),
               kCaptionFlags, text);
    p.restore();
}

void paintTitle(QPainter &p, const QString &title, double width, const ViewStyle &style, const QFont &font) {
    QFont bold = font;
    bold.setBold(true);
    const QFontMetricsF fm(bold);
    p.save();
    p.setFont(bold);
    p.setPen(style.text);
    p.drawText(QRectF(kMargin, kMargin, width - 2 * kMargin, fm.height() * 1.6), Qt::AlignLeft | Qt::AlignVCenter,
               fm.elidedText(title, Qt::ElideRight, width - 2 * kMargin));
    p.restore();
}

double titleBottom(const QFont &font) {
    return kMargin + QFontMetricsF(font).height() * 1.6;
}

HeatmapGeometry layoutHeatmapExport(const ImageSpec &spec, const HeatmapScene &scene, const QString &text,
                                    QSizeF size) {
    const double zoom = std::max(1.0, spec.state.zoom);
    HeatmapGeometry g = layoutHeatmap(size, scene, spec.font, text, zoom);
    if (zoom > 1) {
        const QPointF pan(spec.state.panFraction.x() * g.grid.width(), spec.state.panFraction.y() * g.grid.height());
        g = layoutHeatmap(size, scene, spec.font, text, zoom, pan);
    }
    return g;
}

HeatmapScene heatmapScene(const ExportSources &src, const ImageSpec &spec) {
    HeatmapScene scene = makeHeatmapScene(*src.heatmap, {}, spec.style);
    scene.title = exportTitle(src, spec);
    return scene;
}

void paintHeatmapExport(QPainter &p, const ExportSources &shown, const ImageSpec &spec, QSizeF size, bool vector) {
    const QFontMetricsF fm(spec.font);
    // A long text (or weights still on their way to the view): a model of the export's own computes what the picture
    // shows now, the overview and, zoomed in, the part in view at the picture's pixels.
    HeatmapModel own;
    ExportSources src = shown;
    if (!shown.heatmap->complete()) {
        own.setBackground(false);
        own.setHideSpecial(shown.heatmap->params().hideSpecial); // the view first: one computation, by setResult
        own.setAggregation(shown.heatmap->params().aggregation);
        own.setLayerHead(shown.heatmap->layer(), shown.heatmap->head());
        own.setResult(shown.heatmap->result());
        src.heatmap = &own;
    }
    HeatmapScene scene = heatmapScene(src, spec);
    const QString text = caption(src, spec, fm, size.width());
    HeatmapGeometry g = layoutHeatmapExport(spec, scene, text, size);
    if (own.large()) {
        requestVisibleDetail(own, g);
        if (own.detail()) {
            scene = heatmapScene(src, spec);
            g = layoutHeatmapExport(spec, scene, text, size);
        }
    }
    HeatmapMarks marks;
    marks.focus = spec.state.focus;
    marks.vector = vector; // marks.zoom stays 1: no "drag to pan" hint in a picture
    paintHeatmap(p, g, scene, spec.font, marks, text);
}

// The heads whose lines are drawn: as the user left the legend, or (clean) the head the selectors show.
std::vector<bool> arcsHeads(const ExportSources &src, const ImageSpec &spec) {
    std::vector<bool> enabled = spec.state.enabledHeads;
    const auto heads = static_cast<std::size_t>(std::max(0, src.heatmap->heads()));
    if (enabled.size() != heads || std::none_of(enabled.begin(), enabled.end(), [](bool b) { return b; })) {
        enabled.assign(heads, false);
        if (src.heatmap->head() >= 0 && static_cast<std::size_t>(src.heatmap->head()) < heads)
            enabled[static_cast<std::size_t>(src.heatmap->head())] = true;
    }
    return enabled;
}

ArcsScene arcsScene(const ExportSources &src, const ImageSpec &spec) {
    ArcsScene scene = makeArcsScene(*src.heatmap, arcsHeads(src, spec), spec.threshold, spec.topK, spec.style);
    scene.title = exportTitle(src, spec);
    // A picture has no clickable legend: list only the heads drawn.
    scene.series.erase(std::remove_if(scene.series.begin(), scene.series.end(), [](const ArcSeries &s) { return !s.enabled; }),
                       scene.series.end());
    return scene;
}

// Two-column arcs as tall as their rows need (the on-screen layout spreads rows at most 1.5 lines apart).
double naturalArcsHeight(const ExportSources &src, const ImageSpec &spec, double width) {
    const QFontMetricsF fm(spec.font);
    const ArcsScene scene = arcsScene(src, spec);
    const ArcsGeometry g = layoutArcs(QSizeF(width, 1e6), scene, spec.font, ArcsLayout::Columns);
    const double rows = g.y.empty() ? g.title.bottom() : g.y.back() + g.rowHeight / 2;
    return std::ceil(rows + fm.height() * 0.4 + fm.height() * 1.3 + kMargin +
                     captionBand(caption(src, spec, fm, width), fm, width) + kMargin);
}

// One-line arcs as tall as their highest arc: the longest link drawn (only the pinned token's when one is
// pinned) sets the arc space, so short-range heads do not leave a page of white above the sentence.
double naturalLineArcsHeight(const ExportSources &src, const ImageSpec &spec, double width) {
    const QFontMetricsF fm(spec.font);
    const ArcsScene scene = arcsScene(src, spec);
    constexpr double kProbe = 1e5;
    const ArcsGeometry g = layoutArcs(QSizeF(width, kProbe), scene, spec.font, ArcsLayout::Line);
    const int pinned = spec.state.focus.query;
    int span = 1;
    for (const ArcSeries &series : scene.series)
        for (const Link &l : series.links)
            if (pinned < 0 || l.query == pinned)
                span = std::max(span, std::abs(l.query - l.key));
    const double arcs = std::max(fm.height() * 4, span * g.step * 0.45 + 4);
    const double above = g.baseline - g.arcSpace; // title, legend and room for the weights
    const double below = kProbe - g.baseline;      // labels and footer
    return std::ceil(above + arcs + below + captionBand(caption(src, spec, fm, width), fm, width) + kMargin);
}

void paintArcsExport(QPainter &p, const ExportSources &src, const ImageSpec &spec, QSizeF size, bool vector) {
    const QFontMetricsF fm(spec.font);
    const ArcsScene scene = arcsScene(src, spec);
    const QString text = caption(src, spec, fm, size.width());
    const double band = captionBand(text, fm, size.width()) + (text.isEmpty() ? 0 : kMargin);
    const ArcsLayout layout = spec.view == ExportView::LineArcs ? ArcsLayout::Line : ArcsLayout::Columns;
    const ArcsGeometry g = layoutArcs(QSizeF(size.width(), size.height() - band), scene, spec.font, layout);
    ArcsMarks marks;
    marks.focus = spec.state.focus;
    marks.vector = vector;
    marks.hints = false;
    paintArcs(p, g, scene, spec.font, marks);
    paintCaption(p, text, size.height() - band, size.width(), spec.style, spec.font);
}

void paintGridExport(QPainter &p, const ExportSources &src, const ImageSpec &spec, QSizeF size, bool vector) {
    const QFontMetricsF fm(spec.font);
    GridScene scene = makeGridScene(*src.grid, spec.style);
    scene.title = exportTitle(src, spec);
    const QString text = caption(src, spec, fm, size.width());
    const double below = colorKeyHeight(fm) + fm.height() * 0.6 + captionBand(text, fm, size.width());
    const GridGeometry g = layoutGrid(QSizeF(size.width(), size.height() - below), scene, spec.font);
    GridMarks marks;
    marks.vector = vector;
    if (spec.state.outlineSelection) {
        const ViewParams &params = src.heatmap->params();
        marks.allLayers = params.aggregation == Aggregation::MeanOfAll;
        marks.layer = params.layer;
        marks.head = params.aggregation == Aggregation::Head ? params.head : -1;
    }
    paintGrid(p, g, scene, spec.font, marks);
    const double top = (g.area.isEmpty() ? g.title.bottom() : g.area.bottom()) + fm.height() * 0.8;
    paintColorKey(p, QPointF(g.area.isEmpty() ? kMargin : g.area.left(), top), size.width() - 2 * kMargin,
                  spec.style, spec.font,
                  src.grid->thumbnailSide() < src.heatmap->tokenCount()
                      ? QStringLiteral("attention weight (thumbnails show the max of each block of cells)")
                      : QStringLiteral("attention weight"));
    paintCaption(p, text, top + colorKeyHeight(fm), size.width(), spec.style, spec.font);
}

// Token strip: title, chips, colour key when a token is focused (the chips are tinted), caption.
struct TokensFrame {
    TokenStripLayout layout;
    double keyTop = 0;
    double captionTop = 0;
    double bottom = 0;
    QString caption;
};

TokensFrame layoutTokensExport(const ExportSources &src, const ImageSpec &spec, double width) {
    const QFontMetricsF fm(spec.font);
    TokensFrame f;
    f.layout = layoutTokenStrip(*src.heatmap, spec.font, width, QPointF(kMargin - 6, titleBottom(spec.font)));
    f.keyTop = titleBottom(spec.font) + f.layout.height + fm.height() * 0.4;
    f.captionTop = f.keyTop + (spec.state.focus.query >= 0 ? colorKeyHeight(fm) : 0);
    f.caption = caption(src, spec, fm, width);
    f.bottom = f.captionTop + captionBand(f.caption, fm, width) + kMargin;
    return f;
}

void paintTokensExport(QPainter &p, const ExportSources &src, const ImageSpec &spec, QSizeF size) {
    const TokensFrame f = layoutTokensExport(src, spec, size.width());
    paintTitle(p, exportTitle(src, spec), size.width(), spec.style, spec.font);
    TokenStripMarks marks;
    marks.focus = spec.state.focus;
    paintTokenStrip(p, f.layout, *src.heatmap, spec.style, spec.font, marks);
    if (spec.state.focus.query >= 0)
        paintColorKey(p, QPointF(kMargin, f.keyTop), size.width() - 2 * kMargin, spec.style, spec.font,
                      QStringLiteral("attention weight"));
    paintCaption(p, f.caption, f.captionTop, size.width(), spec.style, spec.font);
}

const ExportPanel *panelOf(const ExportSources &src, ExportView view) {
    const auto it = src.panels.find(view);
    return it != src.panels.end() && it->second.widget ? &it->second : nullptr;
}

QString panelCaption(const ExportPanel &panel, const ImageSpec &spec, const QFontMetricsF &fm, double width) {
    return spec.caption ? fitCaption(panel.caption, fm, width - 2 * kMargin) : QString();
}

// The title band, the widget scaled to the width between the margins, the caption band.
double naturalPanelHeight(const ExportPanel &panel, const ImageSpec &spec, double width) {
    const QSize w = panel.widget->size().expandedTo(QSize(1, 1));
    const double scale = (width - 2 * kMargin) / w.width();
    const QFontMetricsF fm(spec.font);
    return std::ceil(titleBottom(spec.font) + w.height() * scale + captionBand(panelCaption(panel, spec, fm, width), fm, width) +
                     kMargin);
}

void paintPanelExport(QPainter &p, const ExportSources &src, const ImageSpec &spec, QSizeF size) {
    const ExportPanel &panel = *panelOf(src, spec.view);
    paintTitle(p, exportTitle(src, spec), size.width(), spec.style, spec.font);
    const QFontMetricsF fm(spec.font);
    const QString text = panelCaption(panel, spec, fm, size.width());
    const double top = titleBottom(spec.font);
    const QRectF area(kMargin, top, size.width() - 2 * kMargin,
                      std::max(1.0, size.height() - top - captionBand(text, fm, size.width()) - kMargin));
    const QSize w = panel.widget->size().expandedTo(QSize(1, 1));
    const double scale = std::min(area.width() / w.width(), area.height() / w.height());
    p.save();
    p.translate(area.topLeft());
    p.scale(scale, scale);
    panel.widget->render(&p, QPoint(), QRegion(0, 0, w.width(), w.height()), QWidget::DrawChildren);
    p.restore();
    paintCaption(p, text, top + w.height() * scale, size.width(), spec.style, spec.font);
}

bool usable(const ExportSources &src, const ImageSpec &spec, QString *error) {
    QString message;
    if (isPanelView(spec.view) && !panelOf(src, spec.view))
        message = spec.view == ExportView::Compare ? QStringLiteral("nothing to compare yet: open View > Compare first")
                                                   : QStringLiteral("the %1 view is not available here").arg(viewDisplayName(spec.view).toLower());
    else if (isPanelView(spec.view))
        message.clear(); // drawn by its widget, whatever the heatmap holds
    else if (!src.heatmap || !src.heatmap->result() || src.heatmap->tokenCount() == 0)
        message = QStringLiteral("nothing to export yet: no analysed text");
    else if (spec.view == ExportView::Grid && !src.grid)
        message = QStringLiteral("the all-heads grid is not available");
    if (!message.isEmpty() && error)
        *error = message;
    return message.isEmpty();
}

} // namespace

QString viewId(ExportView view) {
    return QString::fromLatin1(info(view).id);
}

std::optional<ExportView> viewFromId(const QString &id) {
    for (const ViewInfo &v : kViews)
        if (id.compare(QLatin1String(v.id), Qt::CaseInsensitive) == 0)
            return v.view;
    return std::nullopt;
}

QString viewDisplayName(ExportView view) {
    return QString::fromLatin1(info(view).name);
}

const std::vector<ExportView> &allExportViews() {
    static const std::vector<ExportView> views = {ExportView::Heatmap, ExportView::Arcs,      ExportView::LineArcs,
                                                  ExportView::Grid,    ExportView::Tokens,    ExportView::Step,
                                                  ExportView::NextToken, ExportView::Compare};
    return views;
}

bool isPanelView(ExportView view) {
    return view == ExportView::Step || view == ExportView::NextToken || view == ExportView::Compare;
}

QString formatId(ImageFormat format) {
    switch (format) {
    case ImageFormat::Png: return QStringLiteral("png");
    case ImageFormat::Svg: return QStringLiteral("svg");
    case ImageFormat::Pdf: return QStringLiteral("pdf");
    }
    return QStringLiteral("png");
}

std::optional<ImageFormat> formatFromId(const QString &id) {
    for (const ImageFormat f : {ImageFormat::Png, ImageFormat::Svg, ImageFormat::Pdf})
        if (id.compare(formatId(f), Qt::CaseInsensitive) == 0)
            return f;
    return std::nullopt;
}

QSizeF defaultExportSize(ExportView view) {
    switch (view) {
    case ExportView::Heatmap: return {1200, 1080};
    case ExportView::Arcs: return {1000, 0};
    case ExportView::LineArcs: return {1600, 0};
    case ExportView::Grid: return {1200, 900};
    case ExportView::Tokens: return {1400, 0};
    case ExportView::Step: return {1200, 0};
    case ExportView::NextToken: return {900, 0};
    case ExportView::Compare: return {1500, 0};
    }
    return {1200, 1000};
}

QFont defaultExportFont(QSizeF size) {
    QFont font(QStringLiteral("DejaVu Sans"));
    // Views whose height follows their content (height <= 0) are sized from the width alone.
    const double side = size.height() > 0 ? std::min(size.width(), size.height()) : size.width() * 60 / 70;
    font.setPixelSize(std::clamp(static_cast<int>(std::lround(side / 60)), 12, 40));
    return font;
}

QString exportTitle(const ExportSources &src, const ImageSpec &spec) {
    QStringList parts;
    // What the numbers are: raw weights, value-weighted attention or rollout, as the result says.
    const QString measure = QString::fromLatin1(
        measureTitle(src.heatmap && src.heatmap->result() ? src.heatmap->result()->measure : Measure::Raw));
    if (!spec.modelName.isEmpty())
        parts << spec.modelName;
    const HeatmapModel *m = src.heatmap;
    const bool hidden = m && m->result() && m->tokenCount() < m->result()->seqLen();
    switch (spec.view) {
    case ExportView::Heatmap:
        if (m)
            parts << m->viewTitle();
        parts << measure;
        break;
    case ExportView::Arcs:
    case ExportView::LineArcs: {
        if (!m)
            break;
        QStringList heads;
        const std::vector<bool> enabled = arcsHeads(src, spec);
        for (std::size_t h = 0; h < enabled.size(); ++h)
            if (enabled[h])
                heads << QString::number(h);
        if (m->params().aggregation == Aggregation::Head && heads.size() > 1)
            parts << QStringLiteral("layer %1 · heads %2").arg(m->layer()).arg(heads.join(QStringLiteral(", ")));
        else
            parts << m->viewTitle();
        parts << measure;
        break;
    }
    case ExportView::Grid:
        if (m)
            parts << QStringLiteral("all %1 heads (%2 layers × %3)").arg(m->layers() * m->heads()).arg(m->layers()).arg(m->heads());
        if (hidden)
            parts << QStringLiteral("special tokens hidden, rows renormalised");
        parts << measure;
        break;
    case ExportView::Step:
    case ExportView::NextToken:
    case ExportView::Compare:
        if (const ExportPanel *panel = panelOf(src, spec.view))
            parts << panel->title;
        break;
    case ExportView::Tokens:
        parts << QStringLiteral("%1 tokens").arg(m && m->result() ? m->result()->seqLen() : 0);
        if (m && spec.state.focus.query >= 0 && spec.state.focus.query < m->tokenCount())
            parts << QStringLiteral("shaded by the %1 of %2 (%3)")
                         .arg(measure, m->tokenText(spec.state.focus.query), m->viewTitle());
        break;
    }
    return parts.join(QStringLiteral(" · "));
}

QSizeF resolvedSize(const ExportSources &src, const ImageSpec &spec) {
    if (spec.size.height() > 0 || !usable(src, spec, nullptr))
        return spec.size;
    const double w = spec.size.width();
    switch (spec.view) {
    case ExportView::Step:
    case ExportView::NextToken:
    case ExportView::Compare: return {w, naturalPanelHeight(*panelOf(src, spec.view), spec, w)};
    case ExportView::Tokens: return {w, std::ceil(layoutTokensExport(src, spec, w).bottom)};
    case ExportView::Arcs: return {w, naturalArcsHeight(src, spec, w)};
    case ExportView::LineArcs: return {w, naturalLineArcsHeight(src, spec, w)};
    default: {
        const QSizeF def = defaultExportSize(spec.view);
        return {w, def.height() > 0 ? std::ceil(w * def.height() / def.width()) : w};
    }
    }
}

void paintExport(QPainter &p, const ExportSources &src, const ImageSpec &spec, bool vector) {
    if (!usable(src, spec, nullptr))
        return;
    const QSizeF size = resolvedSize(src, spec);
    p.save();
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    p.setFont(spec.font);
    switch (spec.view) {
    case ExportView::Heatmap: paintHeatmapExport(p, src, spec, size, vector); break;
    case ExportView::Arcs:
    case ExportView::LineArcs: paintArcsExport(p, src, spec, size, vector); break;
    case ExportView::Grid: paintGridExport(p, src, spec, size, vector); break;
    case ExportView::Tokens: paintTokensExport(p, src, spec, size); break;
    case ExportView::Step:
    case ExportView::NextToken:
    case ExportView::Compare: paintPanelExport(p, src, spec, size); break;
    }
    p.restore();
}

HeatmapGeometry heatmapExportGeometry(const ExportSources &src, const ImageSpec &spec) {
    if (spec.view != ExportView::Heatmap || !usable(src, spec, nullptr))
        return {};
    const QSizeF size = resolvedSize(src, spec);
    const QFontMetricsF fm(spec.font);
    return layoutHeatmapExport(spec, heatmapScene(src, spec), caption(src, spec, fm, size.width()), size);
}

ImageSpec fittedSpec(const ExportSources &src, const ImageSpec &requested, QString *note) {
    ImageSpec spec = requested;
    if (!usable(src, spec, nullptr))
        return spec;
    QStringList notes;
    QSizeF size = resolvedSize(src, spec);
    // A long text makes the token strip and the two-column arcs taller than any image can be.
    if (spec.size.height() <= 0 && size.height() > kMaxSide) {
        const double natural = size.height();
        QString how = QStringLiteral("rows thinner, not every token labelled");
        if (spec.view == ExportView::Tokens) {
            // The chips flow in lines: their area goes with the square of the font size (kept in pixels).
            const auto pixels = [](const QFont &f) {
                return f.pixelSize() > 0 ? double(f.pixelSize()) : QFontInfo(f).pixelSize();
            };
            double px = pixels(spec.font);
            for (int tries = 0; tries < 12 && size.height() > kMaxSide && px > 4; ++tries) {
                px = std::max(4.0, std::floor(px * std::clamp(std::sqrt(kMaxSide / size.height()), 0.5, 0.95)));
                spec.font.setPixelSize(static_cast<int>(px));
                size = resolvedSize(src, spec);
            }
            how = QStringLiteral("labels %1 px instead of %2 px").arg(px).arg(pixels(requested.font));
        }
        if (size.height() > kMaxSide)
            size.setHeight(kMaxSide);
        spec.size = size;
        notes << QStringLiteral("%1 px tall instead of %2 (%3)").arg(qRound(size.height())).arg(qRound(natural)).arg(how);
    }
    // PNG pixels: at most kMaxSide per side and kMaxPixels in all; a smaller scale rather than a refusal.
    if (spec.format == ImageFormat::Png && size.width() >= 1 && size.height() >= 1 && size.width() <= kMaxSide &&
        size.height() <= kMaxSide) {
        const double room = std::min({kMaxSide / size.width(), kMaxSide / size.height(),
                                      std::sqrt(double(kMaxPixels) / (size.width() * size.height()))});
        const double scale = std::clamp(spec.scale, 0.25, 8.0);
        if (scale > room && room >= 0.25) {
            spec.scale = std::floor(room * 100) / 100;
            notes << QStringLiteral("drawn at %1x instead of %2x").arg(spec.scale).arg(scale);
        }
    }
    if (note)
        *note = notes.isEmpty() ? QString()
                                : notes.join(QStringLiteral(", ")) +
                                      QStringLiteral(" to stay within %1 pixels per side and %2 million in all")
                                          .arg(kMaxSide)
                                          .arg(kMaxPixels / 1000000);
    return spec;
}

QImage renderImage(const ExportSources &src, const ImageSpec &requested) {
    const ImageSpec spec = fittedSpec(src, requested, nullptr);
    const QSizeF size = resolvedSize(src, spec);
    const double scale = std::clamp(spec.scale, 0.25, 8.0);
    const QSize pixels(static_cast<int>(std::ceil(size.width() * scale - 1e-6)),
                       static_cast<int>(std::ceil(size.height() * scale - 1e-6)));
    if (pixels.width() < 1 || pixels.height() < 1 || pixels.width() > kMaxSide || pixels.height() > kMaxSide ||
        qint64(pixels.width()) * pixels.height() > kMaxPixels)
        return {};
    // QPainter does not draw below one device pixel per logical pixel: smaller scales are drawn at 1x and reduced.
    const double paintScale = std::max(1.0, scale);
    QImage image(scale < 1 ? QSize(static_cast<int>(std::ceil(size.width())), static_cast<int>(std::ceil(size.height())))
                           : pixels,
                 spec.transparent ? QImage::Format_ARGB32_Premultiplied : QImage::Format_RGB32);
    if (image.isNull())
        return {};
    image.setDevicePixelRatio(paintScale);
    // Printed at 96 logical pixels per inch, so a 2x image has the same physical size, twice as sharp.
    const int dotsPerMeter = static_cast<int>(std::lround(96.0 * scale / 0.0254));
    image.setDotsPerMeterX(dotsPerMeter);
    image.setDotsPerMeterY(dotsPerMeter);
    image.fill(spec.transparent ? QColor(Qt::transparent) : spec.style.background);
    {
        QPainter p(&image);
        paintExport(p, src, spec, false);
    }
    if (scale >= 1)
        return image;
    QImage reduced = image.scaled(pixels, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
    reduced.setDevicePixelRatio(scale);
    reduced.setDotsPerMeterX(dotsPerMeter);
    reduced.setDotsPerMeterY(dotsPerMeter);
    return reduced;
}

QByteArray encodeImage(const ExportSources &src, const ImageSpec &requested, QString *error, QString *note) {
    auto fail = [&](const QString &message) {
        if (error)
            *error = message;
        return QByteArray();
    };
    if (!usable(src, requested, error))
        return {};
    const ImageSpec spec = fittedSpec(src, requested, note);
    const QSizeF size = resolvedSize(src, spec);
    if (!(size.width() >= 50 && size.height() >= 50 && size.width() <= kMaxSide && size.height() <= kMaxSide))
        return fail(QStringLiteral("image size %1 x %2 is outside 50 to %3 pixels per side")
                        .arg(qRound(size.width()))
                        .arg(qRound(size.height()))
                        .arg(kMaxSide));
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    const QString title = exportTitle(src, spec);
    switch (spec.format) {
    case ImageFormat::Png: {
        const QImage image = renderImage(src, spec);
        if (image.isNull())
            return fail(QStringLiteral("%1 x %2 at %3x is too large an image (at most %4 pixels per side, %5 million "
                                       "in all); choose a smaller size or scale")
                            .arg(qRound(size.width()))
                            .arg(qRound(size.height()))
                            .arg(spec.scale)
                            .arg(kMaxSide)
                            .arg(kMaxPixels / 1000000));
        bytes = encodePng(image, title);
        if (bytes.isEmpty())
            return fail(QStringLiteral("could not encode the PNG"));
        return bytes;
    }
    case ImageFormat::Svg: {
        QSvgGenerator svg;
        svg.setOutputDevice(&buffer);
        svg.setSize(size.toSize());
        svg.setViewBox(QRectF(QPointF(0, 0), size));
        svg.setResolution(96);
        svg.setTitle(title);
        svg.setDescription(QStringLiteral("Made with AttnScope"));
        QPainter p;
        if (!p.begin(&svg))
            return fail(QStringLiteral("could not start the SVG"));
        if (!spec.transparent)
            p.fillRect(QRectF(QPointF(0, 0), size), spec.style.background);
        paintExport(p, src, spec, true);
        p.end();
        // QSvgGenerator states the size in millimetres, which viewers convert at 90 or 96 dpi as they please;
        // pixels mean the same everywhere.
        const qsizetype svgTag = bytes.indexOf("<svg");
        const qsizetype viewBox = bytes.indexOf("viewBox", svgTag);
        if (svgTag >= 0 && viewBox > svgTag)
            bytes.replace(svgTag, viewBox - svgTag,
                          QStringLiteral("<svg width=\"%1\" height=\"%2\"\n ")
                              .arg(qRound(size.width()))
                              .arg(qRound(size.height()))
                              .toUtf8());
        break;
    }
    case ImageFormat::Pdf: {
        QPdfWriter pdf(&buffer);
        pdf.setResolution(96);
        pdf.setPageSize(QPageSize(size * 72.0 / 96.0, QPageSize::Point, QString(), QPageSize::ExactMatch));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        pdf.setTitle(title);
        pdf.setCreator(QStringLiteral("AttnScope"));
        QPainter p;
        if (!p.begin(&pdf))
            return fail(QStringLiteral("could not start the PDF"));
        // One logical pixel = 1/96 inch whatever the writer rounded the page to.
        const double s = pdf.width() / size.width();
        p.scale(s, s);
        if (!spec.transparent)
            p.fillRect(QRectF(QPointF(0, 0), size), spec.style.background);
        paintExport(p, src, spec, true);
        p.end();
        break;
    }
    }
    if (bytes.isEmpty())
        return fail(QStringLiteral("the %1 came out empty").arg(formatId(spec.format).toUpper()));
    return bytes;
}

QByteArray encodePng(const QImage &image, const QString &title) {
    QImage tagged = image;
    tagged.setText(QStringLiteral("Title"), title);
    tagged.setText(QStringLiteral("Software"), QStringLiteral("AttnScope"));
    QByteArray bytes;
    QBuffer buffer(&bytes);
    if (!buffer.open(QIODevice::WriteOnly) || !tagged.save(&buffer, "PNG"))
        return {};
    return bytes;
}

QMimeData *clipboardData(const ExportSources &src, const ImageSpec &spec, QString *error) {
    ImageSpec png = spec;
    png.format = ImageFormat::Png;
    const QImage image = usable(src, spec, error) ? renderImage(src, png) : QImage();
    if (image.isNull()) {
        if (error && error->isEmpty())
            *error = QStringLiteral("the picture is too large for the clipboard");
        return nullptr;
    }
    auto *data = new QMimeData;
    data->setImageData(image);
    ImageSpec svg = spec;
    svg.format = ImageFormat::Svg;
    const QByteArray vector = encodeImage(src, svg, nullptr);
    if (!vector.isEmpty())
        data->setData(QStringLiteral("image/svg+xml"), vector);
    data->setText(exportTitle(src, spec));
    return data;
}

} // namespace attnscope
