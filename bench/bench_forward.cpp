// Forward pass + full attention capture on stories260K at 16, 64, 256 and 512 tokens (BM_Forward), and the same
// model read from llama.cpp's GGUF (BM_ForwardGguf) and from our Q8_0 conversion (BM_ForwardGgufQ8_0), so the
// formats can be compared on the same tokens. BM_ForwardValue*/256: the same with value-weighted attention
// (capture plus the measure). BM_HeadRoles/512: the head-role scores of every head. BM_Forward/<family>/256: each
// reference model of ../shared/reference (gemma, gemma2, gemma3, qwen3, phi3, gptneox: 64 wide, 3-4 layers) at 256
// tokens of the same story in its own vocabulary, so the cost of each family's blocks (windows, softcaps, QK-norm,
// fused projections) shows next to stories260K's.
// Run: build/release/bench/bench_forward --benchmark_format=json
// Model: $ATTNSCOPE_MODEL (any model file) or stories260K from ../shared/models.
#include <attnscope/engine.h>
#include <attnscope/head_step.h>
#include <attnscope/gguf_writer.h>
#include <attnscope/head_roles.h>
#include <attnscope/measures.h>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

using namespace attnscope;

namespace {

const Engine *engine() {
    static std::shared_ptr<const Engine> e = [] {
        const char *env = std::getenv("ATTNSCOPE_MODEL");
        const std::string path = env ? env : std::string(ATTNSCOPE_SHARED_DIR) + "/models/stories260K/stories260K.bin";
        auto loaded = Engine::load(path);
        if (!loaded) {
            std::fprintf(stderr, "bench_forward: %s\n", loaded.error().message.c_str());
            return std::shared_ptr<const Engine>();
        }
        return loaded.value();
    }();
    return e.get();
}

// A real story, repeated until it has n tokens (BOS included), in `model`'s vocabulary.
std::vector<Token> storyTokens(int n, const Engine *model = nullptr) {
    if (!model)
        model = engine();
    std::string text;
    const std::string story = "Once upon a time, there was a little girl named Lily. She loved to play outside in "
                              "the park. One day, she saw a big, red ball. She wanted to play with it, but it was "
                              "too high. Lily asked her mom for help. ";
    std::vector<Token> tokens;
    while (true) {
        text += story;
        auto encoded = model->tokenizer().encode(text);
        if (encoded && static_cast<int>(encoded->size()) >= n) {
            tokens = std::move(encoded.value());
            break;
        }
    }
    tokens.resize(static_cast<std::size_t>(n));
    return tokens;
}

const Engine *ggufEngine(bool q8) {
    static std::shared_ptr<const Engine> f32, quantized;
    std::shared_ptr<const Engine> &e = q8 ? quantized : f32;
    if (!e) {
        std::string path = std::string(ATTNSCOPE_SHARED_DIR) + "/gguf/stories260K.gguf";
        if (q8 && engine()) {
            path = (std::filesystem::temp_directory_path() / "attnscope-bench-stories260K-q8_0.gguf").string();
            GgufWriteParams params;
            params.matrixType = GgmlType::Q8_0;
            if (!writeGguf(engine()->model(), engine()->tokenizer(), path, params))
                return nullptr;
        }
        if (auto loaded = Engine::load(path))
            e = loaded.value();
    }
    return e.get();
}

// measure Value: the forward pass with value-norm capture plus the value-weighted matrices (withMeasure), all a
// user waits for when switching to that measure.
void runForward(benchmark::State &state, const Engine *model, Measure measure = Measure::Raw, int tokenCount = 0) {
    if (!model || !engine()) {
        state.SkipWithError("model not found");
        return;
    }
    const int n = tokenCount > 0 ? tokenCount : static_cast<int>(state.range(0));
    const std::vector<Token> tokens = storyTokens(n, model);
    AnalyzeParams params;
    params.valueNorms = measure == Measure::Value;
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        auto result = model->analyzeTokens(tokens, params);
        if (!result) {
            state.SkipWithError(result.error().message.c_str());
            return;
        }
        benchmark::DoNotOptimize(result->dense().data());
        if (measure != Measure::Raw) {
            const auto measured = withMeasure(result.value(), measure);
            benchmark::DoNotOptimize(measured->dense().data());
        }
    }
    // Wall time per pass, whatever clock the benchmark's own time uses (CPU time of the main thread where a name
    // must stay exact; the pass runs on every core).
    const double wallMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    state.counters["wall_ms"] = benchmark::Counter(wallMs, benchmark::Counter::kAvgIterations);
    const auto &cfg = model->info().config;
    state.counters["tokens"] = n;
    state.counters["attention_MB"] = double(cfg.layers) * cfg.heads * n * n * sizeof(float) / (1024.0 * 1024.0);
}

void BM_Forward(benchmark::State &state) {
    runForward(state, engine());
}

void BM_ForwardValue(benchmark::State &state) {
    runForward(state, engine(), Measure::Value);
}

void BM_ForwardValueQ8_0(benchmark::State &state) { // W_O dequantized once per layer for the norms
    runForward(state, ggufEngine(true), Measure::Value);
}

// Head-role scores (entropy, previous-token, self, first-token, distance, induction) of all 40 heads.
void BM_HeadRoles(benchmark::State &state) {
    if (!engine()) {
        state.SkipWithError("model not found");
        return;
    }
    const int n = static_cast<int>(state.range(0));
    const auto result = engine()->analyzeTokens(storyTokens(n));
    if (!result) {
        state.SkipWithError(result.error().message.c_str());
        return;
    }
    for (auto _ : state) {
        const auto roles = allHeadRoles(result.value());
        benchmark::DoNotOptimize(roles.data());
    }
    state.counters["tokens"] = n;
    state.counters["heads"] = result->layers * result->heads;
}

// What the step-by-step page waits for: the q, k, v of one layer (the forward pass up to it, arg 1 = layer), then
// one head's worked example for the last token.
void BM_TraceLayer(benchmark::State &state) {
    if (!engine()) {
        state.SkipWithError("model not found");
        return;
    }
    const int n = static_cast<int>(state.range(0)), layer = static_cast<int>(state.range(1));
    const std::vector<Token> tokens = storyTokens(n);
    for (auto _ : state) {
        auto trace = engine()->traceLayer(tokens, layer);
        if (!trace) {
            state.SkipWithError(trace.error().message.c_str());
            return;
        }
        const auto step = headStep(trace.value(), 0, n - 1);
        benchmark::DoNotOptimize(step->weights.data());
    }
    state.counters["tokens"] = n;
}

// Choosing another query token or head of the traced layer: one headStep, on the GUI thread.
void BM_HeadStep(benchmark::State &state) {
    if (!engine()) {
        state.SkipWithError("model not found");
        return;
    }
    const int n = static_cast<int>(state.range(0));
    const auto trace = engine()->traceLayer(storyTokens(n), 4);
    if (!trace) {
        state.SkipWithError(trace.error().message.c_str());
        return;
    }
    for (auto _ : state) {
        const auto step = headStep(trace.value(), 3, n - 1);
        benchmark::DoNotOptimize(step->output.data());
    }
    state.counters["tokens"] = n;
}

void BM_ForwardGguf(benchmark::State &state) {
    runForward(state, ggufEngine(false));
}

void BM_ForwardGgufQ8_0(benchmark::State &state) {
    runForward(state, ggufEngine(true));
}

const Engine *familyEngine(const std::string &family) {
    static std::map<std::string, std::shared_ptr<const Engine>> engines;
    auto &e = engines[family];
    if (!e)
        if (auto loaded = Engine::load(std::string(ATTNSCOPE_SHARED_DIR) + "/reference/" + family + "/model.gguf"))
            e = loaded.value();
    return e.get();
}

// BM_Forward/<family>/256, registered by name so the family is part of it. The forward-pass benchmarks keep their
// names exact (no UseRealTime(), which appends /real_time); their wall_ms counter has the wall time.
const bool kFamiliesRegistered = [] {
    for (const char *family : {"gemma", "gemma2", "gemma3", "qwen3", "phi3", "gptneox"})
        benchmark::RegisterBenchmark((std::string("BM_Forward/") + family + "/256").c_str(),
                                     [family](benchmark::State &state) {
                                         runForward(state, familyEngine(family), Measure::Raw, 256);
                                     })
            ->Unit(benchmark::kMillisecond);
    return true;
}();

} // namespace

BENCHMARK(BM_Forward)->Arg(16)->Arg(64)->Arg(256)->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForwardValue)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForwardValueQ8_0)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_HeadRoles)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_TraceLayer)->Args({512, 0})->Args({512, 4})->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_HeadStep)->Arg(512)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_ForwardGguf)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ForwardGgufQ8_0)->Arg(256)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
