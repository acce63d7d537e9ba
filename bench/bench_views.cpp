// View painting on synthetic attention (no model needed), each through the widget's own paintEvent
// (QWidget::render into an image):
//   BM_HeatmapPaint/N   the heatmap (N x N, 1000x900 view; at 2048 drawn from a max-pooled level)
//   BM_HeatmapHover/N   one mouse move over the heatmap plus the repaint it causes
//   BM_HeatmapZoom/N    one Ctrl+wheel zoom step plus the repaint
//   BM_HeatmapScene/N   colour-mapping and level-of-detail pyramid, done once per data/style change
//   BM_GridPaint/N      the 5 x 8 all-heads grid; BM_GridScene/N its thumbnails (once per result)
//   BM_ArcsPaint/N      the two-column arcs of one head, and /N with a pinned token
//   BM_ExportHeatmap/N/F  File > Export of the clean heatmap (1200x1080) to bytes: F = 0 PNG 1x, 1 PNG 2x, 2 SVG,
//                         3 PDF (rendering and encoding, no disk)
//   BM_ExportLineArcs/N/F the same for the one-line arcs of one head, every link over 0.05 drawn
// Run: QT_QPA_PLATFORM=offscreen build/release/bench/bench_views --benchmark_format=json
#include "export/image_export.h"
#include "models/focus.h"
#include "models/head_grid_model.h"
#include "models/heatmap_model.h"
#include "views/arcs_view.h"
#include "views/head_grid_view.h"
#include "views/heatmap_view.h"

#include <QApplication>
#include <QImage>
#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include "qt_benchmark_main.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <functional>
#include <numeric>
#include <random>

using namespace attnscope;

namespace {

// A causal (layers, heads, T, T) result with random rows that sum to 1, and token labels.
ResultPtr syntheticResult(int T, int layers = 1, int heads = 1) {
    auto r = std::make_shared<AttentionResult>();
    r->layers = layers;
    r->heads = heads;
    r->vocabSize = 1;
    r->causal = true;
    r->tokens.resize(static_cast<std::size_t>(T));
    for (int i = 0; i < T; ++i)
        r->tokens[static_cast<std::size_t>(i)].piece = "\xE2\x96\x81tok" + std::to_string(i);
    r->attention.resize(static_cast<std::size_t>(layers) * heads * T * T);
    std::mt19937 rng(42);
    std::exponential_distribution<float> dist(1.0f);
    for (int i = 0; i < T * layers * heads; ++i) {
        float *row = r->attention.data() + static_cast<std::size_t>(i) * T;
        const int q = i % T;
        float sum = 0;
        for (int j = 0; j < T; ++j) {
            row[j] = j <= q ? dist(rng) : 0.0f;
            sum += row[j];
        }
        for (int j = 0; j <= q; ++j)
            row[j] /= sum;
    }
    return r;
}

// Renders `view` through its paintEvent once per iteration, after `step(k)` (an input event) when given.
void renderLoop(benchmark::State &state, QWidget &view, const std::function<void(int)> &step = {}) {
    QImage target(view.size(), QImage::Format_ARGB32_Premultiplied);
    int k = 0;
    for (auto _ : state) {
        if (step)
            step(k++);
        view.render(&target);
        benchmark::DoNotOptimize(target.constBits());
    }
}

// A 1000x900 heatmap view over a synthetic (1, 1, T, T) result.
struct HeatmapFixture {
    explicit HeatmapFixture(int T) {
        model.setResult(syntheticResult(T));
        view.resize(1000, 900);
        view.setModel(&model);
    }
    HeatmapModel model;
    HeatmapView view;
};

void BM_HeatmapPaint(benchmark::State &state) {
    const int T = static_cast<int>(state.range(0));
    HeatmapFixture f(T);
    renderLoop(state, f.view);
    state.counters["tokens"] = T;
}

void BM_HeatmapHover(benchmark::State &state) {
    const int T = static_cast<int>(state.range(0));
    HeatmapFixture f(T);
    const QRectF grid = f.view.geometry().viewport;
    renderLoop(state, f.view, [&](int k) {
        // Walk the pointer along the grid so every move hovers a new cell.
        const QPointF pos(grid.left() + std::fmod(k * 7.3, grid.width()), grid.top() + std::fmod(k * 3.1, grid.height()));
        QMouseEvent move(QEvent::MouseMove, pos, f.view.mapToGlobal(pos), Qt::NoButton, Qt::NoButton, {});
        QApplication::sendEvent(&f.view, &move);
    });
    state.counters["tokens"] = T;
}

void BM_HeatmapZoom(benchmark::State &state) {
    const int T = static_cast<int>(state.range(0));
    HeatmapFixture f(T);
    const QPointF centre = f.view.geometry().viewport.center();
    renderLoop(state, f.view, [&](int k) {
        // In and out by turns between fit and 1.25^8, so every step changes the level of detail in use.
        const int dy = (k / 8) % 2 == 0 ? 120 : -120;
        QWheelEvent wheel(centre, f.view.mapToGlobal(centre), {}, QPoint(0, dy), Qt::NoButton, Qt::ControlModifier,
                          Qt::NoScrollPhase, false);
        QApplication::sendEvent(&f.view, &wheel);
    });
    state.counters["tokens"] = T;
}

void BM_GridPaint(benchmark::State &state) {
    const int T = static_cast<int>(state.range(0));
    HeatmapModel model;
    model.setResult(syntheticResult(T, 5, 8));
    HeadGridModel grid;
    grid.setSourceModel(&model);
    HeadGridView view;
    view.resize(600, 420);
    view.setModel(&grid);
    renderLoop(state, view);
    state.counters["tokens"] = T;
}

void BM_GridScene(benchmark::State &state) {
    const int T = static_cast<int>(state.range(0));
    const ResultPtr a = syntheticResult(T, 5, 8);
    const ResultPtr b = std::make_shared<AttentionResult>(*a);
    HeatmapModel model;
    HeadGridModel grid;
    grid.setSourceModel(&model);
    int k = 0;
    for (auto _ : state) {
        model.setResult(k++ % 2 ? a : b); // a new result: thumbnails and patterns of all 40 heads
        GridScene scene = makeGridScene(grid, ViewStyle{});
        benchmark::DoNotOptimize(scene.thumbnails.data());
    }
    state.counters["tokens"] = T;
}

void BM_ArcsPaint(benchmark::State &state) {
    const int T = static_cast<int>(state.range(0));
    HeatmapModel model;
    model.setResult(syntheticResult(T, 1, 8));
    QItemSelectionModel selection(&model);
    ArcsView view;
    view.resize(600, 900);
    view.setModel(&model);
    view.setSelectionModel(&selection);
    for (int h = 0; h < 8; ++h)
        view.setHeadEnabled(h, true); // all eight heads overlaid
    if (state.range(1))
        focusToken(&selection, T / 2);
    renderLoop(state, view);
    state.counters["tokens"] = T;
    state.counters["links"] = static_cast<double>(
        std::accumulate(view.scene().series.begin(), view.scene().series.end(), std::size_t(0),
                        [](std::size_t n, const ArcSeries &s) { return n + s.links.size(); }));
}

void BM_HeatmapScene(benchmark::State &state) {
    const int T = static_cast<int>(state.range(0));
    HeatmapModel model;
    model.setResult(syntheticResult(T));
    for (auto _ : state) {
        HeatmapScene scene = makeHeatmapScene(model, QStringLiteral("synthetic"), ViewStyle{});
        benchmark::DoNotOptimize(scene.levels.front().constBits());
    }
    state.counters["tokens"] = T;
}

} // namespace

void exportLoop(benchmark::State &state, ExportView view) {
    const int T = static_cast<int>(state.range(0));
    const int f = static_cast<int>(state.range(1));
    HeatmapModel model;
    model.setResult(syntheticResult(T));
    ImageSpec spec;
    spec.view = view;
    spec.size = defaultExportSize(view);
    spec.font = defaultExportFont(spec.size);
    spec.format = f < 2 ? ImageFormat::Png : (f == 2 ? ImageFormat::Svg : ImageFormat::Pdf);
    spec.scale = f == 1 ? 2 : 1;
    qint64 bytes = 0;
    for (auto _ : state) {
        const QByteArray out = encodeImage({&model, nullptr}, spec, nullptr);
        bytes = out.size();
        benchmark::DoNotOptimize(out.constData());
    }
    state.counters["tokens"] = T;
    state.counters["file_kb"] = static_cast<double>(bytes) / 1024;
}

void BM_ExportHeatmap(benchmark::State &state) {
    exportLoop(state, ExportView::Heatmap);
}

void BM_ExportLineArcs(benchmark::State &state) {
    exportLoop(state, ExportView::LineArcs);
}

BENCHMARK(BM_HeatmapPaint)->Arg(64)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HeatmapScene)->Arg(64)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HeatmapHover)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HeatmapZoom)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GridPaint)->Arg(64)->Arg(265)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GridScene)->Arg(64)->Arg(265)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ArcsPaint)->Args({64, 0})->Args({64, 1})->Args({265, 0})->Args({265, 1})->Unit(benchmark::kMillisecond);

BENCHMARK(BM_ExportHeatmap)->ArgsProduct({{64, 512}, {0, 1, 2, 3}})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ExportLineArcs)->ArgsProduct({{64}, {0, 2, 3}})->Unit(benchmark::kMillisecond);

ATTNSCOPE_QT_BENCHMARK_MAIN()
