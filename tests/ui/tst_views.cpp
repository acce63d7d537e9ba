// The views tell the truth in pixels, offscreen: the heatmap's brightest cell is the largest weight and the
// masked triangle has the empty colour (also at 2048 tokens, where level of detail must keep a one-token
// diagonal visible); the arcs draw the pinned token's strongest link and nothing under the threshold; the
// grid model passes QAbstractItemModelTester; hover tooltips, zoom and the token strip behave.
#include "models/focus.h"
#include "models/head_grid_model.h"
#include "models/heatmap_model.h"
#include "views/arcs_view.h"
#include "views/head_grid_view.h"
#include "views/heatmap_view.h"
#include "views/token_strip_view.h"

#include <QAbstractItemModelTester>
#include <QToolTip>
#include <QtTest>

#include <numeric>
#include <random>

using namespace attnscope;

namespace {

// (layers, heads, T, T) causal result with random rows (seeded) that sum to 1; token 0 is a special BOS.
std::shared_ptr<AttentionResult> randomResult(int layers, int heads, int T, unsigned seed = 7) {
    auto r = std::make_shared<AttentionResult>();
    r->layers = layers;
    r->heads = heads;
    r->causal = true;
    r->tokens.resize(static_cast<std::size_t>(T));
    for (int i = 0; i < T; ++i)
        r->tokens[static_cast<std::size_t>(i)].piece = std::string("w").append(std::to_string(i % 1000));
    r->tokens[0].piece = "<s>";
    r->tokens[0].special = true;
    r->attention.assign(static_cast<std::size_t>(layers) * heads * T * T, 0.0f);
    std::mt19937 rng(seed);
    std::exponential_distribution<float> dist(1.0f);
    for (int k = 0; k < layers * heads; ++k) {
        float *m = r->attention.data() + static_cast<std::size_t>(k) * T * T;
        for (int i = 0; i < T; ++i) {
            float sum = 0;
            for (int j = 0; j <= i; ++j)
                sum += (m[i * T + j] = dist(rng));
            for (int j = 0; j <= i; ++j)
                m[i * T + j] /= sum;
        }
    }
    return r;
}

double luminance(QRgb c) {
    return 0.2126 * qRed(c) + 0.7152 * qGreen(c) + 0.0722 * qBlue(c);
}

QPoint cellCentre(const HeatmapGeometry &g, int query, int key) {
    return QPoint(int(g.grid.left() + g.cell * (key + 0.5)), int(g.grid.top() + g.cell * (query + 0.5)));
}

} // namespace

class TestViews : public QObject {
    Q_OBJECT
private slots:
    void heatmapBrightestCellIsLargestWeight();
    void heatmapLevelOfDetailKeepsDiagonal();
    void heatmapHoverTooltipAndZoom();
    void heatmapClickSelectsCell();
    void arcsDrawPinnedStrongestAndRespectThreshold();
    void arcsLineLayoutAndLegend();
    void arcsNameTheStrongestPartners();
    void gridModelAndView();
    void tokenStripChipsAndFocus();
};

void TestViews::heatmapBrightestCellIsLargestWeight() {
    for (const ColorMap *map : ColorMap::all()) {
        if (map == &ColorMap::purpleOrange())
            continue; // diverging: brightness is not monotonic in the weight
        auto r = randomResult(1, 1, 12);
        // One dominant weight at (9, 4), the row renormalised. Row 0 is 1.0 on itself in any causal head, so
        // the comparison below is over rows >= 1.
        float *row9 = r->attention.data() + 9 * 12;
        row9[4] += 30.0f;
        const float sum = std::accumulate(row9, row9 + 12, 0.0f);
        std::for_each(row9, row9 + 12, [sum](float &w) { w /= sum; });
        HeatmapModel model;
        model.setResult(r);
        HeatmapView view;
        ViewStyle style;
        style.map = map;
        view.setStyle(style);
        view.setModel(&model);
        view.resize(700, 600);
        const QImage image = view.grab().toImage();
        const HeatmapGeometry &g = view.geometry();
        QVERIFY(g.cell > 10);
        QPoint brightest;
        double best = -1;
        for (int i = 0; i < 12; ++i)
            for (int j = 0; j < 12; ++j) {
                const QRgb px = image.pixel(cellCentre(g, i, j));
                if (j > i) {
                    QCOMPARE(QColor(px), map->empty()); // masked upper triangle: the empty colour
                    continue;
                }
                QCOMPARE(QColor(px), QColor(map->rgb(model.matrix().at(i, j))));
                if (i > 0 && luminance(px) > best) {
                    best = luminance(px);
                    brightest = {i, j};
                }
            }
        QCOMPARE(brightest, QPoint(9, 4));
    }
}

void TestViews::heatmapLevelOfDetailKeepsDiagonal() {
    // 2048 tokens in a ~600 px grid: 3+ tokens per pixel. Every row puts 0.9 on the previous token; a
    // nearest-neighbour downscale would drop most of that diagonal, max-pooling keeps every pixel of it.
    const int T = 2048;
    auto r = std::make_shared<AttentionResult>();
    r->layers = r->heads = 1;
    r->tokens.resize(T);
    r->attention.assign(static_cast<std::size_t>(T) * T, 0.0f);
    r->attention[0] = 1;
    for (int i = 1; i < T; ++i) {
        r->attention[static_cast<std::size_t>(i) * T + i - 1] = 0.9f;
        r->attention[static_cast<std::size_t>(i) * T + i] = 0.1f;
    }
    HeatmapModel model;
    model.setResult(r);
    HeatmapView view;
    view.setModel(&model);
    view.resize(800, 700);
    const QImage image = view.grab().toImage();
    const HeatmapGeometry &g = view.geometry();
    QVERIFY2(g.cell < 0.5, qPrintable(QString::number(g.cell)));
    const QRgb bright = ColorMap::viridis().rgb(0.9f);
    int missing = 0, rows = 0;
    for (int y = int(g.viewport.top()) + 2; y < int(g.viewport.bottom()) - 2; ++y, ++rows) {
        // On the diagonal of this pixel row (within two pixels), some pixel must be the 0.9 colour.
        const double x = g.viewport.left() + (y - g.viewport.top());
        bool found = false;
        for (int dx = -3; dx <= 3 && !found; ++dx)
            found = image.pixel(int(x) + dx, y) == bright;
        missing += found ? 0 : 1;
    }
    QVERIFY2(missing == 0, qPrintable(QStringLiteral("%1 of %2 rows lost the diagonal").arg(missing).arg(rows)));
    QVERIFY(g.level > 0);
    // Far below the diagonal nothing is there: the colour of 0.
    QCOMPARE(image.pixel(int(g.viewport.left() + 5), int(g.viewport.bottom() - 5)), ColorMap::viridis().rgb(0));
}

void TestViews::heatmapHoverTooltipAndZoom() {
    auto r = randomResult(1, 1, 40);
    HeatmapModel model;
    model.setResult(r);
    HeatmapView view;
    view.setModel(&model);
    view.resize(700, 600);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    const HeatmapGeometry g0 = view.geometry();
    QTest::mouseMove(&view, cellCentre(g0, 30, 12));
    QCOMPARE(view.hoveredCell(), QPoint(30, 12));
    QTRY_COMPARE(QToolTip::text(), model.cellDescription(30, 12));
    QVERIFY(QToolTip::text().startsWith(QStringLiteral("w30 -> w12: ")));

    // Ctrl+wheel zooms around the pointer: the cell under it stays under it.
    const QPoint at = cellCentre(g0, 30, 12);
    QWheelEvent wheel(at, view.mapToGlobal(at), {}, QPoint(0, 240), Qt::NoButton, Qt::ControlModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(&view, &wheel);
    QVERIFY(view.zoom() > 1.4);
    QCOMPARE(cellAt(view.geometry(), at), QPoint(30, 12));
    QVERIFY(view.geometry().cell > g0.cell * 1.4);
    QTest::keyClick(&view, Qt::Key_Plus);
    QVERIFY(view.geometry().grid.width() > view.geometry().viewport.width()); // now larger than the view: pans
    // Dragging pans.
    const QRectF before = view.geometry().grid;
    QTest::mousePress(&view, Qt::LeftButton, {}, at);
    QMouseEvent move(QEvent::MouseMove, QPointF(at + QPoint(-80, -60)), view.mapToGlobal(QPointF(at + QPoint(-80, -60))),
                     Qt::NoButton, Qt::LeftButton, {});
    QApplication::sendEvent(&view, &move);
    QTest::mouseRelease(&view, Qt::LeftButton, {}, at + QPoint(-80, -60));
    QVERIFY(view.geometry().grid.left() < before.left() - 40);
    QCOMPARE(focusOf(nullptr), Focus{}); // a drag is not a click
    QTest::keyClick(&view, Qt::Key_0);
    QCOMPARE(view.zoom(), 1.0);
    QCOMPARE(view.geometry().grid, g0.grid);
}

void TestViews::heatmapClickSelectsCell() {
    auto r = randomResult(1, 1, 10);
    HeatmapModel model;
    model.setResult(r);
    QItemSelectionModel selection(&model);
    HeatmapView view;
    view.setModel(&model);
    view.setSelectionModel(&selection);
    view.resize(600, 600);
    QTest::mouseClick(&view, Qt::LeftButton, {}, cellCentre(view.geometry(), 7, 3));
    QCOMPARE(focusOf(&selection), (Focus{7, 3}));
    // The focused row is outlined in the selection colour.
    const QImage image = view.grab().toImage();
    const HeatmapGeometry &g = view.geometry();
    const int y = int(g.grid.top() + g.cell * 7 + 0.5);
    QCOMPARE(QColor(image.pixel(int(g.grid.left() + g.cell * 8.5), y)), ViewStyle().selection);
    QTest::mouseClick(&view, Qt::LeftButton, {}, cellCentre(view.geometry(), 7, 3)); // again: unselects
    QCOMPARE(focusOf(&selection).query, -1);
}

void TestViews::arcsDrawPinnedStrongestAndRespectThreshold() {
    const int T = 8;
    auto r = randomResult(1, 2, T);
    // Row 6 of head 0: strongest key 1, key 0 under the threshold, the rest in between.
    float *row = r->attention.data() + static_cast<std::size_t>(6) * T;
    const float weights[T] = {0.02f, 0.55f, 0.06f, 0.2f, 0.07f, 0.04f, 0.06f, 0};
    std::copy(weights, weights + T, row);
    HeatmapModel model;
    model.setResult(r);
    QItemSelectionModel selection(&model);
    ArcsView view;
    view.setModel(&model);
    view.setSelectionModel(&selection);
    view.setThreshold(0.05f);
    view.resize(600, 500);
    focusToken(&selection, 6);
    const ArcsGeometry &g = view.geometry();
    auto midpoint = [&](int key) {
        return QPoint(int((g.queryX + g.keyX) / 2), int((g.y[6] + g.y[static_cast<std::size_t>(key)]) / 2));
    };
    QImage image = view.grab().toImage();
    QVERIFY2(QColor(image.pixel(midpoint(1))) != ViewStyle().background, "no line to the strongest key");
    QCOMPARE(QColor(image.pixel(midpoint(0))), ViewStyle().background); // 0.02 < 0.05: no line
    QCOMPARE(QColor(image.pixel(midpoint(5))), ViewStyle().background); // 0.04 < 0.05
    QVERIFY(QColor(image.pixel(midpoint(3))) != ViewStyle().background);
    // Lines of other queries are hidden while a token is pinned: row 2's link to key 2 does not show.
    // (its midpoint lies between y[2] and y[2]: on row 2 itself, away from row 6's fan)
    QCOMPARE(QColor(image.pixel(QPoint(int((g.queryX + g.keyX) / 2), int(g.y[2])))), ViewStyle().background);
    // The strongest line is drawn in head 0's colour, thicker and more opaque than a weaker one.
    const QColor strong(image.pixel(midpoint(1)));
    const QColor weak(image.pixel(midpoint(4)));
    QVERIFY(strong.blue() > strong.red());
    QVERIFY(luminance(strong.rgb()) < luminance(weak.rgb()));
    // Raising the threshold above the strongest weight removes it; top-1 keeps only the strongest.
    view.setThreshold(0.6f);
    image = view.grab().toImage();
    QCOMPARE(QColor(image.pixel(midpoint(1))), ViewStyle().background);
    view.setThreshold(0.0f);
    view.setTopK(1);
    image = view.grab().toImage();
    QVERIFY(QColor(image.pixel(midpoint(1))) != ViewStyle().background);
    QCOMPARE(QColor(image.pixel(midpoint(3))), ViewStyle().background);
}

void TestViews::arcsNameTheStrongestPartners() {
    // 20 keys, room for every 3rd label: the strongest (0.48 at key 14) is named although 14 % 3 != 0; key 13
    // (0.10) is too close to it and gives way to key 0 (0.10); a third partner; nothing under 0.05.
    std::vector<float> w(20, 0.01f);
    w[14] = 0.48f;
    w[13] = 0.10f;
    w[0] = 0.10f;
    w[7] = 0.06f;
    w[19] = 0.04f;
    w[18] = -1; // masked
    const std::vector<char> named = strongPartnerLabels(w, 3);
    std::vector<int> rows;
    for (int i = 0; i < 20; ++i)
        if (named[std::size_t(i)])
            rows.push_back(i);
    QCOMPARE(rows, (std::vector<int>{0, 7, 14}));
    QCOMPARE(strongPartnerLabels(std::vector<float>(5, 0.01f), 2), std::vector<char>(5, 0));
}

void TestViews::arcsLineLayoutAndLegend() {
    auto r = randomResult(2, 3, 12);
    HeatmapModel model;
    model.setResult(r);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setLayerHead(1, 2);
    ArcsView view;
    view.setModel(&model);
    view.setArcsLayout(ArcsLayout::Line);
    view.resize(800, 400);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    // The selected head is the one shown; the legend toggles others on and off.
    QCOMPARE(view.enabledHeads(), (std::vector<bool>{false, false, true}));
    const ArcsGeometry &g = view.geometry();
    QCOMPARE(g.x.size(), std::size_t(12));
    QVERIFY(g.x[1] > g.x[0]);
    QTest::mouseClick(&view, Qt::LeftButton, {}, g.legend[0].center().toPoint());
    QCOMPARE(view.enabledHeads(), (std::vector<bool>{true, false, true}));
    QCOMPARE(view.scene().series[0].links.empty(), false);
    QTest::mouseClick(&view, Qt::LeftButton, {}, view.geometry().legend[0].center().toPoint());
    QCOMPARE(view.enabledHeads(), (std::vector<bool>{false, false, true}));
    // Hovering a token makes it the active one.
    QTest::mouseMove(&view, QPoint(int(view.geometry().x[5]), int(view.geometry().baseline - 5)));
    QCOMPARE(view.hoveredToken(), 5);
    // An aggregate is one series.
    model.setAggregation(Aggregation::MeanOfHeads);
    QCOMPARE(view.scene().series.size(), std::size_t(1));
    QCOMPARE(view.scene().series[0].head, -1);
}

void TestViews::gridModelAndView() {
    auto r = randomResult(3, 4, 30);
    // Make layer 2 head 1 a clean previous-token head.
    float *m = r->attention.data() + static_cast<std::size_t>(2 * 4 + 1) * 30 * 30;
    std::fill(m, m + 900, 0.0f);
    m[0] = 1;
    for (int i = 1; i < 30; ++i)
        m[i * 30 + i - 1] = 1;
    HeatmapModel source;
    HeadGridModel grid;
    QAbstractItemModelTester tester(&grid, QAbstractItemModelTester::FailureReportingMode::QtTest);
    grid.setSourceModel(&source);
    QCOMPARE(grid.rowCount(), 0);
    source.setResult(r);
    QCOMPARE(grid.rowCount(), 3);
    QCOMPARE(grid.columnCount(), 4);
    QCOMPARE(grid.index(2, 1).data(HeadGridModel::PatternLabelRole).toString(), QStringLiteral("previous token"));
    QCOMPARE(grid.index(2, 1).data(HeadGridModel::PreviousTokenRole).toFloat(), 1.0f);
    QVERIFY(grid.index(2, 1).data(Qt::ToolTipRole).toString().contains("previous token 1.00"));
    QCOMPARE(grid.headerData(2, Qt::Vertical).toString(), QStringLiteral("L2"));
    source.setHideSpecial(true);
    source.setResult(nullptr);
    QCOMPARE(grid.rowCount(), 0);
    source.setResult(r);

    HeadGridView view;
    view.setModel(&grid);
    view.resize(500, 400);
    QSignalSpy clicked(&view, &HeadGridView::headClicked);
    QTest::mouseClick(&view, Qt::LeftButton, {}, view.geometry().thumbnail(2, 3).center().toPoint());
    QCOMPARE(clicked.count(), 1);
    QCOMPARE(clicked.first().at(0).toInt(), 2);
    QCOMPARE(clicked.first().at(1).toInt(), 3);
    // The selected head is outlined in the selection colour.
    source.setLayerHead(1, 2);
    const QImage image = view.grab().toImage();
    const QRectF t = view.geometry().thumbnail(1, 2);
    QCOMPARE(QColor(image.pixel(QPointF(t.center().x(), t.top() - 2.5).toPoint())), ViewStyle().selection);
}

void TestViews::tokenStripChipsAndFocus() {
    auto r = randomResult(1, 1, 6);
    r->text = "Hi \xE2\x80\x99";
    const char *pieces[] = {"<s>", "\xE2\x96\x81Hi", "\xE2\x96\x81", "<0xE2>", "<0x80>", "<0x99>"};
    for (int i = 0; i < 6; ++i)
        r->tokens[static_cast<std::size_t>(i)].piece = pieces[i];
    for (int i = 3; i < 6; ++i) {
        r->tokens[static_cast<std::size_t>(i)].byte = true;
        r->tokens[static_cast<std::size_t>(i)].byteBegin = i;
        r->tokens[static_cast<std::size_t>(i)].byteEnd = i + 1;
    }
    HeatmapModel model;
    model.setResult(r);
    QItemSelectionModel selection(&model);
    TokenStripView strip;
    strip.setModel(&model);
    strip.setSelectionModel(&selection);
    strip.resize(600, 80);
    QCOMPARE(strip.chips().size(), std::size_t(6));
    QCOMPARE(strip.chips()[1].text, QStringLiteral("Hi"));
    QCOMPARE(strip.chips()[3].text, QStringLiteral("E2")); // byte pieces as hex ...
    QCOMPARE(strip.captions().size(), std::size_t(1));
    QCOMPARE(strip.captions()[0].text, QString::fromUtf8("\xE2\x80\x99")); // ... and the character they spell
    QTest::mouseClick(&strip, Qt::LeftButton, {}, strip.chips()[1].rect.center().toPoint());
    QCOMPARE(focusOf(&selection), (Focus{1, -1}));
    // Hidden BOS: its chip stays (dimmed) but cannot be focused; rows shift and the strip follows.
    model.setHideSpecial(true);
    QCOMPARE(strip.chips()[0].row, -1);
    QCOMPARE(strip.chips()[1].row, 0);
    QTest::mouseClick(&strip, Qt::LeftButton, {}, strip.chips()[0].rect.center().toPoint());
    QCOMPARE(focusOf(&selection).query, -1);
    QTest::mouseClick(&strip, Qt::LeftButton, {}, strip.chips()[4].rect.center().toPoint());
    QCOMPARE(focusOf(&selection), (Focus{3, -1}));
}

QTEST_MAIN(TestViews)
#include "tst_views.moc"
