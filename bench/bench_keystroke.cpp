// BM_KeystrokeToPaint/N: one keystroke in the main window to the repainted views, end to end with
// stories260K from ../shared: the text changes (debounce set to 0, so it is excluded), the worker thread
// tokenizes and runs the forward pass, the result crosses back to the GUI thread, every model and view
// rebuilds (heatmap, arcs, grid thumbnails, token strip), and the window repaints synchronously. The window is as it
// opens on a 1366x768 screen (1280 x 728 and the Insights dock).
// Run: QT_QPA_PLATFORM=offscreen build/release/bench/bench_keystroke --benchmark_format=json
#include "main_window.h"
#include "presenters/analysis_presenter.h"
#include "models/heatmap_model.h"
#include "widgets/inference_worker.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QPlainTextEdit>
#include <QTimer>

#include <functional>

#include "qt_benchmark_main.h"

#include <benchmark/benchmark.h>

using namespace attnscope;

namespace {

QString sharedModel() {
    const QByteArray env = qgetenv("ATTNSCOPE_SHARED_DIR");
    return (env.isEmpty() ? QStringLiteral(ATTNSCOPE_SHARED_DIR) : QString::fromLocal8Bit(env)) +
           QStringLiteral("/models/stories260K/stories260K.bin");
}

// Two TinyStories-like texts that differ in their last keystroke and both have exactly `tokens` tokens
// (BOS included) with this tokenizer; empty when no prefix of the story gets there.
std::pair<QString, QString> textsOfTokens(const Engine &engine, int tokens) {
    static const char *words[] = {"Lily", "saw", "a", "big", "red", "ball", "in", "the", "park", "and", "she",
                                  "wanted", "to", "play", "with", "it", "."};
    auto count = [&](const std::string &t) {
        const auto r = engine.analyze(t);
        return r.ok() ? r->seqLen() : -1;
    };
    std::string text = words[0];
    std::vector<std::string> fits;
    for (int k = 1; k < 400 && count(text) < tokens; ++k) {
        for (const char *suffix : {" a", " I", " it", " he", " the", " and", " to", " is", " saw", " Lily", " sad"})
            if (count(text + suffix) == tokens)
                fits.push_back(text + suffix);
        if (fits.size() >= 2)
            return {QString::fromStdString(fits[0]), QString::fromStdString(fits[1])};
        text += std::string(" ") + words[k % 17];
    }
    return {};
}

// Sleeps in an event loop (as the app does) until done() holds; a busy-waiting GUI thread would steal the
// CPU from the worker's OpenMP threads and measure that instead.
bool waitFor(QObject *source, const char *signal, const std::function<bool()> &done) {
    QEventLoop loop;
    QTimer timeout;
    timeout.setSingleShot(true);
    QObject::connect(&timeout, &QTimer::timeout, &loop, &QEventLoop::quit);
    QObject::connect(source, signal, &loop, SLOT(quit()));
    timeout.start(10000);
    while (!done() && timeout.isActive())
        loop.exec();
    return done();
}

void BM_KeystrokeToPaint(benchmark::State &state) {
    const int tokens = static_cast<int>(state.range(0));
    MainWindow::Options options;
    options.modelPath = sharedModel();
    options.debounceMs = 0;
    MainWindow window(options); // as it opens on the 1366x768 laptop screen of qt_benchmark_main.h
    window.show();
    if (!waitFor(window.presenter()->heatmapModel(), SIGNAL(viewChanged()),
                 [&] { return window.presenter()->service()->engine() && window.presenter()->heatmapModel()->tokenCount() > 0; })) {
        state.SkipWithError("model did not load (is ../shared there?)");
        return;
    }
    const auto [first, second] = textsOfTokens(*window.presenter()->service()->engine(), tokens);
    if (first.isEmpty()) {
        state.SkipWithError("could not build a text of that many tokens");
        return;
    }
    const QString texts[2] = {first, second};
    int k = 0;
    int seen = 0;
    for (auto _ : state) {
        const QString &text = texts[k++ % 2];
        window.findChild<QPlainTextEdit *>(QStringLiteral("text"))->setPlainText(text);
        if (!waitFor(window.presenter()->heatmapModel(), SIGNAL(viewChanged()), [&] {
                const ResultPtr &r = window.presenter()->heatmapModel()->result();
                return r && QString::fromStdString(r->text) == text;
            })) {
            state.SkipWithError("no result");
            return;
        }
        window.repaint(); // synchronous paint of every visible view
        seen = window.presenter()->heatmapModel()->result()->seqLen();
    }
    state.counters["tokens"] = seen;
}

} // namespace

BENCHMARK(BM_KeystrokeToPaint)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

ATTNSCOPE_QT_BENCHMARK_MAIN()
