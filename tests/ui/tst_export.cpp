// Exported images and files, checked from their bytes: PNGs decode at the requested pixel size and the
// brightest heatmap cell is the largest weight; SVGs parse and carry the token labels as text; PDFs have one
// page; NPY round-trips bit for bit; atomic writes leave nothing behind when they fail; file names are
// predictable.
#include "test_support.h"

#include "export/export_files.h"
#include "export/image_export.h"
#include "models/head_grid_model.h"
#include "models/heatmap_model.h"

#include <attnscope/engine.h>
#include <attnscope/npy.h>

#include <QBuffer>
#include <QImageReader>
#include <QSvgRenderer>
#include <QXmlStreamReader>
#include <QLabel>
#include <QtTest>

#include <cstring>
#include <random>

using namespace attnscope;

namespace {

// (1, 1, T, T) causal result with random rows (seeded) summing to 1 and one dominant weight at (9, 4).
std::shared_ptr<AttentionResult> dominantResult(int T) {
    auto r = std::make_shared<AttentionResult>();
    r->layers = 1;
    r->heads = 1;
    r->text = "synthetic";
    r->tokens.resize(static_cast<std::size_t>(T));
    for (int i = 0; i < T; ++i)
        r->tokens[static_cast<std::size_t>(i)].piece = std::string("w").append(std::to_string(i));
    r->attention.assign(static_cast<std::size_t>(T) * T, 0.0f);
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> dist(0.1f, 1.0f);
    float *m = r->attention.data();
    for (int i = 0; i < T; ++i) {
        float sum = 0;
        for (int j = 0; j <= i; ++j)
            sum += (m[i * T + j] = (i == 9 && j == 4) ? 40.0f : dist(rng));
        for (int j = 0; j <= i; ++j)
            m[i * T + j] /= sum;
    }
    return r;
}

double luminance(QRgb c) {
    return 0.2126 * qRed(c) + 0.7152 * qGreen(c) + 0.0722 * qBlue(c);
}

QStringList svgTexts(const QByteArray &svg) {
    QStringList texts;
    QXmlStreamReader xml(svg);
    while (!xml.atEnd()) {
        if (xml.readNext() == QXmlStreamReader::StartElement && xml.name() == QLatin1String("text"))
            texts << xml.readElementText(QXmlStreamReader::IncludeChildElements).trimmed();
    }
    return xml.hasError() ? QStringList{QStringLiteral("XML error: ") + xml.errorString()} : texts;
}

int pdfPages(const QByteArray &pdf) {
    // Page objects are "/Type /Page" (the page tree is "/Type /Pages").
    int pages = 0;
    for (qsizetype at = pdf.indexOf("/Type /Page"); at >= 0; at = pdf.indexOf("/Type /Page", at + 1))
        pages += at + 11 < pdf.size() && pdf[at + 11] != 's';
    return pages;
}

} // namespace

class TestExport : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void pngHasRequestedPixelSize();
    void pngBrightestCellIsLargestWeight();
    void svgIsVectorWithTextLabels();
    void pdfHasOnePage();
    void everyViewInEveryFormat();
    void longTextsFitTheImageLimits();
    void asOnScreenDrawsThePinnedToken();
    void npyRoundTripIsBitExact();
    void atomicWriteFailuresLeaveNothing();
    void fileNamesArePredictable();
    void panelViewsCarryTitleAndCaption();

private:
    ImageSpec spec(ExportView view, ImageFormat format, QSizeF size = {900, 800}) const;
    std::shared_ptr<const Engine> m_engine;
    ResultPtr m_result;
    HeatmapModel m_model;
    HeadGridModel m_grid;
    QLabel m_panelWidget; // stands in for the step page, the next-token bars and the compare window
    ExportSources m_sources; // the models and the panels
};

void TestExport::initTestCase() {
    auto engine = Engine::load(testsupport::stories260K(), testsupport::tok512());
    QVERIFY(engine.ok());
    m_engine = engine.value();
    auto r = m_engine->analyze("Lily saw a big red ball. She said, \"Look, a ball!\"");
    QVERIFY(r.ok());
    m_result = std::make_shared<const AttentionResult>(std::move(r).value());
    m_model.setResult(m_result);
    m_model.setLayerHead(1, 2);
    m_grid.setSourceModel(&m_model);
    m_panelWidget.setText(QStringLiteral("q·k 0.25 → softmax 41.7%"));
    m_panelWidget.resize(600, 200);
    m_sources = {&m_model, &m_grid, {}};
    for (const ExportView v : {ExportView::Step, ExportView::NextToken, ExportView::Compare})
        m_sources.panels[v] = {&m_panelWidget, QStringLiteral("layer 1 · head 2 · %1").arg(viewId(v)),
                               QStringLiteral("Lily saw a big red ball.")};
}

ImageSpec TestExport::spec(ExportView view, ImageFormat format, QSizeF size) const {
    ImageSpec s;
    s.view = view;
    s.format = format;
    s.size = size;
    s.font = defaultExportFont(size);
    s.modelName = QStringLiteral("stories260K");
    return s;
}

void TestExport::pngHasRequestedPixelSize() {
    for (const double scale : {1.0, 2.0, 4.0}) {
        ImageSpec s = spec(ExportView::Heatmap, ImageFormat::Png, {700, 600});
        s.scale = scale;
        QString error;
        const QByteArray png = encodeImage({&m_model, &m_grid}, s, &error);
        QVERIFY2(!png.isEmpty(), qPrintable(error));
        QImage image;
        QVERIFY(image.loadFromData(png, "PNG"));
        QCOMPARE(image.size(), QSize(qRound(700 * scale), qRound(600 * scale)));
        // Same physical size at every scale: 96 logical pixels per inch.
        QVERIFY(std::abs(image.dotsPerMeterX() * 0.0254 - 96 * scale) < 1);
        QCOMPARE(image.pixel(2, 2), qRgb(255, 255, 255));
    }
    // Below 1x (previews, thumbnails) the whole picture is reduced, not cropped: the colour bar's yellow top
    // (weight 1) is still in the right-hand part.
    ImageSpec half = spec(ExportView::Heatmap, ImageFormat::Png, {700, 600});
    half.scale = 0.5;
    QImage small;
    QVERIFY(small.loadFromData(encodeImage({&m_model, &m_grid}, half, nullptr), "PNG"));
    QCOMPARE(small.size(), QSize(350, 300));
    const QColor top = ViewStyle().map->color(1.0f);
    bool yellow = false;
    for (int y = 0; y < small.height() && !yellow; ++y)
        for (int x = small.width() * 3 / 4; x < small.width() && !yellow; ++x) {
            const QColor c = small.pixelColor(x, y);
            yellow = std::abs(c.red() - top.red()) + std::abs(c.green() - top.green()) + std::abs(c.blue() - top.blue()) < 30;
        }
    QVERIFY(yellow);
    // Transparent background: the corner is fully transparent; the token strip is as tall as its chips.
    ImageSpec s = spec(ExportView::Tokens, ImageFormat::Png, {800, 0});
    s.transparent = true;
    QImage image;
    QVERIFY(image.loadFromData(encodeImage({&m_model, &m_grid}, s, nullptr), "PNG"));
    QCOMPARE(image.width(), 800);
    QVERIFY(image.height() > 60 && image.height() < 400);
    QVERIFY(image.hasAlphaChannel());
    QCOMPARE(qAlpha(image.pixel(1, 1)), 0);
}

void TestExport::pngBrightestCellIsLargestWeight() {
    HeatmapModel model;
    model.setResult(dominantResult(14));
    ImageSpec s = spec(ExportView::Heatmap, ImageFormat::Png, {640, 600});
    s.scale = 2;
    QImage image;
    QVERIFY(image.loadFromData(encodeImage({&model, nullptr}, s, nullptr), "PNG"));
    const HeatmapGeometry g = heatmapExportGeometry({&model, nullptr}, s);
    QCOMPARE(g.tokens, 14);
    QVERIFY(g.cell > 10);
    QPoint brightest;
    double best = -1;
    for (int i = 1; i < 14; ++i) // row 0 is 1.0 on itself in any causal head
        for (int j = 0; j <= i; ++j) {
            const QPointF c(g.grid.left() + g.cell * (j + 0.5), g.grid.top() + g.cell * (i + 0.5));
            const double l = luminance(image.pixel((c * 2).toPoint()));
            if (l > best) {
                best = l;
                brightest = {i, j};
            }
        }
    QCOMPARE(brightest, QPoint(9, 4));
    const QPointF masked(g.grid.left() + g.cell * 8.5, g.grid.top() + g.cell * 2.5);
    QCOMPARE(QColor(image.pixel((masked * 2).toPoint())), ViewStyle().empty());
}

void TestExport::svgIsVectorWithTextLabels() {
    QString error;
    const QByteArray svg = encodeImage({&m_model, &m_grid}, spec(ExportView::Heatmap, ImageFormat::Svg), &error);
    QVERIFY2(!svg.isEmpty(), qPrintable(error));
    QSvgRenderer renderer(svg);
    QVERIFY(renderer.isValid());
    QCOMPARE(renderer.defaultSize(), QSize(900, 800));
    const QStringList texts = svgTexts(svg);
    QVERIFY2(!texts.isEmpty() && !texts.front().startsWith("XML error"), qPrintable(texts.join('|')));
    QVERIFY(texts.contains(QStringLiteral("stories260K · layer 1 · head 2 · attention weights")));
    for (int row = 0; row < m_model.tokenCount(); ++row) // every token, on both axes
        QVERIFY2(texts.count(m_model.tokenText(row)) >= 2, qPrintable(m_model.tokenText(row)));
    QVERIFY(texts.contains(QString::fromUtf8("“Lily saw a big red ball. She said, \"Look, a ball!\"”")));
    QVERIFY(!svg.contains("<image")); // cells are rectangles, not an embedded picture
    // Arcs as vector paths with the pinned token's weights as text.
    ImageSpec arcs = spec(ExportView::LineArcs, ImageFormat::Svg, {1200, 0});
    arcs.state.focus = Focus{5, -1};
    const QByteArray arcsSvg = encodeImage({&m_model, &m_grid}, arcs, nullptr);
    QVERIFY(QSvgRenderer(arcsSvg).isValid());
    QVERIFY(arcsSvg.contains("<path"));
    QVERIFY(svgTexts(arcsSvg).contains(QStringLiteral("head 2")));
}

void TestExport::pdfHasOnePage() {
    for (const ExportView view : allExportViews()) {
        QString error;
        const QByteArray pdf = encodeImage(m_sources, spec(view, ImageFormat::Pdf), &error);
        QVERIFY2(pdf.startsWith("%PDF-"), qPrintable(viewId(view) + error));
        QCOMPARE(pdfPages(pdf), 1);
        QVERIFY(pdf.trimmed().endsWith("%%EOF"));
    }
}

void TestExport::everyViewInEveryFormat() {
    for (const ExportView view : allExportViews())
        for (const ImageFormat format : {ImageFormat::Png, ImageFormat::Svg, ImageFormat::Pdf}) {
            QString error;
            const QByteArray bytes = encodeImage(m_sources, spec(view, format, {1000, 0}), &error);
            const QString what = viewId(view) + QLatin1Char('.') + formatId(format);
            QVERIFY2(!bytes.isEmpty(), qPrintable(what + ": " + error));
            if (format == ImageFormat::Png) {
                QImage image;
                QVERIFY2(image.loadFromData(bytes, "PNG"), qPrintable(what));
                QCOMPARE(image.width(), 1000);
                QSet<QRgb> colours; // not blank
                for (int y = 0; y < image.height(); y += 3)
                    for (int x = 0; x < image.width(); x += 3)
                        colours.insert(image.pixel(x, y));
                QVERIFY2(colours.size() > 10, qPrintable(what));
            } else if (format == ImageFormat::Svg) {
                QVERIFY2(QSvgRenderer(bytes).isValid(), qPrintable(what));
            }
        }
    // Nothing analysed yet: a clear error, no bytes.
    HeatmapModel empty;
    QString error;
    QVERIFY(encodeImage({&empty, nullptr}, spec(ExportView::Heatmap, ImageFormat::Png), &error).isEmpty());
    QVERIFY(error.contains("nothing to export"));
    // Too large a scale: drawn at the largest scale that fits, and the note says so (not an allocation failure).
    ImageSpec huge = spec(ExportView::Heatmap, ImageFormat::Png, {16000, 16000});
    huge.scale = 4;
    QString note;
    const ImageSpec fitted = fittedSpec({&m_model, &m_grid}, huge, &note);
    QCOMPARE(fitted.scale, 0.72); // sqrt(2^27 / 16000^2), rounded down
    QVERIFY2(note.contains("drawn at 0.72x instead of 4x"), qPrintable(note));
    QVERIFY(fittedSpec({&m_model, &m_grid}, spec(ExportView::Heatmap, ImageFormat::Png), &note).scale == 1);
    QVERIFY2(note.isEmpty(), qPrintable(note));
    // Outside the logical limits on purpose (an explicit size): refused with the limits named.
    QVERIFY(encodeImage({&m_model, &m_grid}, spec(ExportView::Heatmap, ImageFormat::Png, {20000, 800}), &error).isEmpty());
    QVERIFY2(error.contains("16384"), qPrintable(error));
}

void TestExport::longTextsFitTheImageLimits() {
    // 3,000 tokens: the two-column arcs and the token strip would be far taller than an image may be. Each view, in
    // every format, still exports: at most 16384 pixels per side, with thinner rows or smaller labels, and a note.
    HeatmapModel model;
    model.setResult(dominantResult(3000));
    HeadGridModel grid;
    grid.setSourceModel(&model);
    for (const ExportView view : {ExportView::Arcs, ExportView::Tokens, ExportView::Heatmap, ExportView::LineArcs,
                                  ExportView::Grid}) {
        ImageSpec s = spec(view, ImageFormat::Png, {1000, 0});
        s.font.setPixelSize(40);
        s.scale = 2;
        QString error, note;
        const QByteArray png = encodeImage({&model, &grid}, s, &error, &note);
        QVERIFY2(!png.isEmpty(), qPrintable(viewId(view) + ": " + error));
        QBuffer buffer;
        buffer.setData(png);
        QImageReader reader(&buffer, "PNG");
        const QSize pixels = reader.size();
        QVERIFY2(pixels.width() >= 1000 && pixels.width() <= 16384 && pixels.height() <= 16384,
                 qPrintable(QStringLiteral("%1: %2 x %3").arg(viewId(view)).arg(pixels.width()).arg(pixels.height())));
        if (view == ExportView::Arcs || view == ExportView::Tokens) {
            QVERIFY2(note.contains("px tall instead of"), qPrintable(viewId(view) + ": " + note));
            QVERIFY2(note.contains(view == ExportView::Tokens ? "labels" : "rows thinner"), qPrintable(note));
            if (view == ExportView::Arcs)
                QCOMPARE(pixels.height(), 16384); // the limit; the token strip re-flows to just under it
            else
                QVERIFY(pixels.height() > 8192);
        }
        for (const ImageFormat format : {ImageFormat::Svg, ImageFormat::Pdf}) {
            s.format = format;
            QVERIFY2(!encodeImage({&model, &grid}, s, &error).isEmpty(), qPrintable(viewId(view) + ": " + error));
        }
    }
}

void TestExport::asOnScreenDrawsThePinnedToken() {
    // The pinned token's label is drawn in the selection colour; a clean export has none of it.
    auto selectionPixels = [&](const ImageSpec &s) {
        QImage image;
        image.loadFromData(encodeImage({&m_model, &m_grid}, s, nullptr), "PNG");
        const QRgb blue = ViewStyle().selection.rgb();
        int n = 0;
        for (int y = 0; y < image.height(); ++y)
            for (int x = 0; x < image.width(); ++x) { // near the selection colour (text is antialiased)
                const QRgb c = image.pixel(x, y);
                n += std::abs(qRed(c) - qRed(blue)) + std::abs(qGreen(c) - qGreen(blue)) +
                         std::abs(qBlue(c) - qBlue(blue)) < 40;
            }
        return n;
    };
    ImageSpec clean = spec(ExportView::Arcs, ImageFormat::Png, {900, 0});
    ImageSpec pinned = clean;
    pinned.state.focus = Focus{5, -1};
    QCOMPARE(selectionPixels(clean), 0);
    QVERIFY(selectionPixels(pinned) > 20);
    // The grid outlines the shown head only when asked to.
    ImageSpec grid = spec(ExportView::Grid, ImageFormat::Png);
    QCOMPARE(selectionPixels(grid), 0);
    grid.state.outlineSelection = true;
    QVERIFY(selectionPixels(grid) > 100);
}

void TestExport::npyRoundTripIsBitExact() {
    const int T = m_result->seqLen();
    const std::string bytes = encodeNpy(m_result->dense().data(), {m_result->layers, m_result->heads, T, T});
    const auto back = decodeNpy(bytes, "attention.npy");
    QVERIFY(back.ok());
    QCOMPARE(back->shape, (std::vector<std::int64_t>{5, 8, T, T}));
    QCOMPARE(back->data.size(), m_result->dense().size());
    QCOMPARE(std::memcmp(back->data.data(), m_result->dense().data(), back->data.size() * sizeof(float)), 0);
}

void TestExport::atomicWriteFailuresLeaveNothing() {
    QTemporaryDir dir;
    const QString good = dir.filePath("a.png");
    QVERIFY(writeFileAtomically(good, "first").isEmpty());
    QVERIFY(writeFileAtomically(good, "second").isEmpty()); // replaced whole
    QFile f(good);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), QByteArray("second"));
    // A folder that does not exist, a folder where the file should be, a path through a file.
    QString error = writeFileAtomically(dir.filePath("missing/a.png"), "x");
    QVERIFY2(error.contains("does not exist"), qPrintable(error));
    error = writeFileAtomically(dir.path(), "x");
    QVERIFY2(error.contains("is a folder"), qPrintable(error));
    error = writeFileAtomically(good + "/b.png", "x");
    QVERIFY(!error.isEmpty());
    QCOMPARE(QDir(dir.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries), QStringList{"a.png"});
}

void TestExport::fileNamesArePredictable() {
    QCOMPARE(exportBaseName(ExportView::Heatmap, {1, 2, Aggregation::Head, false}, 5, 8),
             QStringLiteral("heatmap_L1_H2"));
    QCOMPARE(exportBaseName(ExportView::LineArcs, {3, 0, Aggregation::MeanOfHeads, false}, 12, 12),
             QStringLiteral("line-arcs_L03_mean"));
    QCOMPARE(exportBaseName(ExportView::Arcs, {11, 0, Aggregation::MaxOfHeads, false}, 12, 12),
             QStringLiteral("arcs_L11_max"));
    QCOMPARE(exportBaseName(ExportView::Heatmap, {0, 0, Aggregation::MeanOfAll, false}, 5, 8),
             QStringLiteral("heatmap_all_mean"));
    QCOMPARE(exportBaseName(ExportView::Grid, {1, 2, Aggregation::Head, false}, 5, 8), QStringLiteral("grid"));
    QCOMPARE(numbersBaseName({4, 7, Aggregation::Head, false}, 32, 32), QStringLiteral("attention_L04_H07"));
    for (const ExportView v : allExportViews())
        QCOMPARE(viewFromId(viewId(v)), std::optional<ExportView>(v));
    QCOMPARE(formatFromId("SVG"), std::optional<ImageFormat>(ImageFormat::Svg));
    QVERIFY(!formatFromId("gif"));
}

void TestExport::panelViewsCarryTitleAndCaption() {
    for (const ExportView v : {ExportView::Step, ExportView::NextToken, ExportView::Compare}) {
        QVERIFY(isPanelView(v));
        ImageSpec s = spec(v, ImageFormat::Svg, {1200, 0});
        s.modelName = QStringLiteral("stories260K");
        QString error;
        const QByteArray svg = encodeImage(m_sources, s, &error);
        QVERIFY2(!svg.isEmpty(), qPrintable(error));
        const QString texts = svgTexts(svg).join(QLatin1Char('\n'));
        QVERIFY2(texts.contains(QStringLiteral("stories260K · layer 1 · head 2 · ") + viewId(v)), qPrintable(texts));
        QVERIFY(texts.contains(QStringLiteral("41.7%")));           // the widget's own text stays text
        QVERIFY(texts.contains(QStringLiteral("Lily saw a big red ball."))); // the caption
        // Height 0: as tall as the widget drawn at the picture's width, plus the title and the caption.
        const QSizeF size = resolvedSize(m_sources, s);
        QVERIFY(size.height() > 200 * (1200 - 20) / 600.0 && size.height() < 200 * (1200 - 20) / 600.0 + 200);
        s.caption = false;
        QVERIFY(!svgTexts(encodeImage(m_sources, s, &error)).join(QLatin1Char('\n')).contains(QStringLiteral("Lily saw")));
        // Without its widget a panel view says why, rather than drawing nothing.
        QVERIFY(encodeImage({&m_model, &m_grid, {}}, s, &error).isEmpty());
        QVERIFY2(error.contains(v == ExportView::Compare ? QStringLiteral("Compare") : QStringLiteral("not available")), qPrintable(error));
    }
}

QTEST_MAIN(TestExport)
#include "tst_export.moc"
