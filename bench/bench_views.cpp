// View painting on synthetic attention (no model needed): BM_HeatmapPaint/N paints the on-screen heatmap view
// (paintEvent via QWidget::render), BM_HeatmapScene/N the colour-mapping done once per data change.
// Run: QT_QPA_PLATFORM=offscreen build/release/bench/bench_views --benchmark_format=json
#include "models/heatmap_model.h"
#include "views/heatmap_view.h"

#include <QApplication>
#include <QImage>
#include <QPainter>

#include <benchmark/benchmark.h>

#include <random>

using namespace attnscope;

namespace {

// A causal (1 layer, 1 head, T, T) result with random rows that sum to 1, and token labels.
ResultPtr syntheticResult(int T) {
    auto r = std::make_shared<AttentionResult>();
    r->layers = 1;
    r->heads = 1;
    r->vocabSize = 1;
    r->causal = true;
    r->tokens.resize(static_cast<std::size_t>(T));
    for (int i = 0; i < T; ++i)
        r->tokens[static_cast<std::size_t>(i)].piece = "\xE2\x96\x81tok" + std::to_string(i);
    r->attention.resize(static_cast<std::size_t>(T) * T);
    std::mt19937 rng(42);
    std::exponential_distribution<float> dist(1.0f);
    for (int i = 0; i < T; ++i) {
        float *row = r->attention.data() + static_cast<std::size_t>(i) * T;
        float sum = 0;
        for (int j = 0; j < T; ++j) {
            row[j] = j <= i ? dist(rng) : 0.0f;
            sum += row[j];
        }
        for (int j = 0; j <= i; ++j)
            row[j] /= sum;
    }
    return r;
}

void BM_HeatmapPaint(benchmark::State &state) {
    const int T = static_cast<int>(state.range(0));
    HeatmapModel model;
    model.setResult(syntheticResult(T));
    HeatmapView view;
    view.resize(1000, 900);
    view.setModel(&model);
    QImage target(view.size(), QImage::Format_ARGB32_Premultiplied);
    for (auto _ : state) {
        view.render(&target);
        benchmark::DoNotOptimize(target.constBits());
    }
    state.counters["tokens"] = T;
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

BENCHMARK(BM_HeatmapPaint)->Arg(64)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HeatmapScene)->Arg(64)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond);

int main(int argc, char **argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
