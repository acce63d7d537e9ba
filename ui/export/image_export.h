// Export of any view as PNG, SVG or PDF, painted by the same renderers the on-screen views use. An exported
// image carries what a reader needs without the app: a title line (model, layer, head or aggregate, measure),
// the colour key, token labels, and the analysed sentence as the caption. Works without a display.
#pragma once

#include "models/focus.h"
#include "views/heatmap_renderer.h"
#include "views/view_style.h"

#include <QByteArray>
#include <QFont>
#include <QImage>
#include <QPointF>
#include <QSizeF>
#include <QString>

#include <map>
#include <optional>
#include <vector>

class QMimeData;
class QPainter;
class QWidget;

namespace attnscope {

class HeadGridModel;
class HeatmapModel;

enum class ExportView { Heatmap, Arcs, LineArcs, Grid, Tokens, Step, NextToken, Compare };
enum class ImageFormat { Png, Svg, Pdf };

// "heatmap", "arcs", "line-arcs", "grid", "tokens", "step", "next-token", "compare" (command line and file names), and
// back.
QString viewId(ExportView view);
std::optional<ExportView> viewFromId(const QString &id);
QString viewDisplayName(ExportView view); // "Heatmap", "Arcs (two columns)", ...
const std::vector<ExportView> &allExportViews();
// "png", "svg", "pdf" (also the file suffix), and back.
QString formatId(ImageFormat format);
std::optional<ImageFormat> formatFromId(const QString &id);

// What the user did to a view, drawn when exporting "as on screen"; a clean full view leaves it at the defaults.
struct ViewState {
    Focus focus;                    // pinned token or selected cell
    double zoom = 1;                // heatmap zoom (1 = whole matrix)
    QPointF panFraction;            // heatmap: top-left of the viewport as a fraction of the zoomed grid
    std::vector<bool> enabledHeads; // arcs: heads drawn (empty = all)
    bool outlineSelection = false;  // grid: outline the head (or layer) the other views show
};

struct ImageSpec {
    ExportView view = ExportView::Heatmap;
    ImageFormat format = ImageFormat::Png;
    QSizeF size{1200, 1000}; // logical pixels (1/96 inch in PDF); height <= 0: as tall as the view needs
    double scale = 1;        // PNG only: image pixels per logical pixel ("2x" for slides and retina screens)
    bool transparent = false;
    QFont font;              // labels; the title is its bold
    bool caption = true;     // the analysed sentence under the view
    QString modelName;
    ViewStyle style;
    float threshold = 0.05f; // arcs: lines for weights at least this
    int topK = 0;            // arcs: at most this many lines per token (0 = all)
    ViewState state;
};

// A classroom view that its on-screen widget draws (the step-by-step page, the next-token bars, the compare panel):
// the export puts the title line above what the widget paints (QWidget::render, so SVG text stays text) and the
// sentence under it.
struct ExportPanel {
    QWidget *widget = nullptr; // laid out at the size it should be drawn at (scaled to the picture, never stretched)
    QString title;             // what it shows, after the model's name: "layer 1 · head 3 · step by step for “ball”"
    QString caption;           // the sentence (compare: both)
};
// Step, NextToken and Compare: drawn by widgets (ExportSources::panels).
bool isPanelView(ExportView view);

// The models an export reads: the heatmap model's layer/head/aggregation/hidden tokens are what is drawn.
struct ExportSources {
    const HeatmapModel *heatmap = nullptr;
    const HeadGridModel *grid = nullptr; // needed for ExportView::Grid only
    std::map<ExportView, ExportPanel> panels = {}; // the panel views there are to export
};

// A size that suits each view when nothing else is asked for (landscape for the one-line arcs).
QSizeF defaultExportSize(ExportView view);
// Labels legible at that size: DejaVu Sans (the font the packages install), about 1/60 of the smaller side.
QFont defaultExportFont(QSizeF size);

// "stories260K · layer 1 · head 3 · attention weights".
QString exportTitle(const ExportSources &sources, const ImageSpec &spec);
// spec.size, with a height <= 0 filled in: what the token strip or two-column arcs need, else the default aspect.
QSizeF resolvedSize(const ExportSources &sources, const ImageSpec &spec);
// Draws the whole image into a painter whose coordinates span resolvedSize(); `vector` selects the paths the
// SVG and PDF outputs need. The background is the caller's.
void paintExport(QPainter &painter, const ExportSources &sources, const ImageSpec &spec, bool vector);

// Where the cells of an exported heatmap lie, in logical pixels (for image maps, and for checking pixels).
HeatmapGeometry heatmapExportGeometry(const ExportSources &sources, const ImageSpec &spec);

// The spec as it will be drawn: a token strip or two-column arcs that a long text would make taller than an
// image can be get a fixed height of the limit (smaller labels, thinner rows, not every row labelled), and a PNG
// scale that would exceed the pixel limits is lowered. *note (if given) says what changed, empty when nothing did.
ImageSpec fittedSpec(const ExportSources &sources, const ImageSpec &spec, QString *note);
// The picture as pixels (size x scale, with the device pixel ratio and DPI set to match), fitted first.
QImage renderImage(const ExportSources &sources, const ImageSpec &spec);
// The bytes of the file spec.format names, fitted first (*note says how); empty with *error set when something
// could not be encoded.
QByteArray encodeImage(const ExportSources &sources, const ImageSpec &spec, QString *error, QString *note = nullptr);
// A rendered picture as PNG bytes with its title in the metadata (thread-safe: callers may compress off the GUI
// thread). Empty when encoding failed.
QByteArray encodePng(const QImage &image, const QString &title);
// For the clipboard: the pixels (spec.scale), the same picture as SVG for applications that paste vectors, and
// the title as text. nullptr with *error set when nothing can be drawn. The caller owns the result.
QMimeData *clipboardData(const ExportSources &sources, const ImageSpec &spec, QString *error);

} // namespace attnscope
