// Real sizes (issue 20). Run: build/release/bench/bench_scale --benchmark_format=json
//  - BM_Prefill/<model>/<tokens>: an analysis from nothing (tokens in, head statistics, the cache every head is
//    recomputed from, the last position's logits), with the process's peak resident memory so far as a counter
//    (peak_rss_mb; the runs go from small to large, so each one's peak is its own or an earlier run's).
//  - BM_AppendToken/512: a 512-token text, then the same text plus one more word, to what the views need after it:
//    the roles of every head, the new rows of every head, the next-token list. Only the new tokens run.
//  - BM_HeadOnDemand/<tokens>: one head's (T, T) weights recomputed from the cache.
//  - BM_MatmulQ8_0/<rows>: rows activations times a Llama 3.2 1B FFN matrix (8192 x 2048, Q8_0), the product that
//    dominates a prefill (rows 512) and a new token (rows 1); the counter is the weights' bytes read per second.
//  - Beyond attention (issue 22): BM_Lens/512, the logit lens of a 512-token text (top 5 at every layer boundary and
//    position, residuals captured in the same pass); BM_GenerateToken/512, one generated token after a 512-token
//    analysis (one decode step on its cache, then sampling); BM_Flow/256, the information-flow importances of every
//    layer; BM_AblationSweep/128, every head of stories260K ablated alone at the last of 128 tokens.
// Models: stories260K from ../shared, and the GGUF named by ATTNSCOPE_BENCH_GGUF (the Llama 3.2 1B shape that
// write_random_model writes) or, when it is not set, a random Llama of the bench's own (8 layers, d 512, Q8_0), so a
// full run stays short. ATTNSCOPE_BENCH_TOKENS (comma-separated) replaces the prefill lengths of that model.
#include "random_llama.h"

#include <attnscope/engine.h>
#include <attnscope/head_roles.h>
#include <attnscope/insights.h>
#include <attnscope/interpret.h>
#include <attnscope/quant.h>

#include "runtime/matmul.h"

#include <benchmark/benchmark.h>

#include <sys/resource.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>

using namespace attnscope;

namespace {

double peakRssMb() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_maxrss) / 1024.0;
}

std::shared_ptr<const Engine> loadOrDie(const std::string &path) {
    auto e = Engine::load(path);
    if (!e) {
        std::fprintf(stderr, "bench_scale: %s\n", e.error().message.c_str());
        std::exit(1);
    }
    return e.value();
}

const Engine &stories() {
    static auto e = loadOrDie(std::string(ATTNSCOPE_SHARED_DIR) + "/models/stories260K/stories260K.bin");
    return *e;
}

const Engine &large() {
    static auto e = [] {
        if (const char *env = std::getenv("ATTNSCOPE_BENCH_GGUF"))
            return loadOrDie(env);
        const std::string path = (std::filesystem::temp_directory_path() / "attnscope-bench-scale.gguf").string();
        testsupport::RandomLlama spec; // 8 layers, d 512, 8 heads, FFN 1024, Q8_0
        spec.context = 16384;
        if (!testsupport::writeRandomLlama(std::string(ATTNSCOPE_SHARED_DIR) + "/gguf/stories260K.gguf", path, spec)) {
            std::fprintf(stderr, "bench_scale: could not write %s\n", path.c_str());
            std::exit(1);
        }
        return loadOrDie(path);
    }();
    return *e;
}

// Words of a story, repeated with variation until the text has n tokens in the engine's vocabulary.
std::string storyText(const Engine &engine, int n) {
    static const char *words[] = {"once", "upon", "a", "time", "there", "was", "a", "little", "girl", "named",
                                  "Lily", "she", "loved", "to", "play", "in", "the", "park", "with", "her",
                                  "big", "red", "ball", "and", "the", "sun", "was", "warm", "birds", "sang"};
    std::string text;
    std::uint32_t state = 1;
    for (;;) {
        for (int i = 0; i < 64; ++i) {
            if (!text.empty())
                text.push_back(' ');
            text.append(words[testsupport::nextRandom(state) % 30]);
        }
        auto tokens = engine.tokenizer().encode(text);
        if (tokens && static_cast<int>(tokens->size()) >= n) {
            text.resize(static_cast<std::size_t>((*tokens)[static_cast<std::size_t>(n - 1)].byteEnd));
            return text;
        }
    }
}

void prefill(benchmark::State &state, const Engine &engine) {
    const int n = static_cast<int>(state.range(0));
    const std::string text = storyText(engine, n);
    for (auto _ : state) {
        auto r = engine.analyze(text);
        if (!r) {
            state.SkipWithError(r.error().message.c_str());
            return;
        }
        benchmark::DoNotOptimize(allHeadRoles(r.value()));
    }
    state.counters["tokens"] = n;
    state.counters["tokens_per_s"] = benchmark::Counter(n, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["peak_rss_mb"] = peakRssMb();
}

void BM_AppendToken(benchmark::State &state) {
    const Engine &engine = large();
    const int n = static_cast<int>(state.range(0));
    const std::string text = storyText(engine, n);
    const auto base = engine.analyze(text);
    if (!base) {
        state.SkipWithError(base.error().message.c_str());
        return;
    }
    const std::string longer = text + " happy";
    AnalyzeParams params;
    params.previous = &base.value();
    int added = 0;
    for (auto _ : state) {
        auto r = engine.analyze(longer, params);
        if (!r) {
            state.SkipWithError(r.error().message.c_str());
            return;
        }
        const int T = r->seqLen(), first = base->seqLen() - 1; // the rows a view repaints: the changed ones
        added = T - first;
        std::vector<float> rows(static_cast<std::size_t>(added) * T);
        for (int l = 0; l < r->layers; ++l)
            for (int h = 0; h < r->heads; ++h)
                r->rows(l, h, first, added, rows.data());
        benchmark::DoNotOptimize(allHeadRoles(r.value()));
        benchmark::DoNotOptimize(nextTokenPredictions(r.value(), engine.tokenizer(), T - 1, 10));
    }
    state.counters["new_rows"] = added;
    state.counters["peak_rss_mb"] = peakRssMb();
}

void BM_HeadOnDemand(benchmark::State &state) {
    const Engine &engine = large();
    const int n = static_cast<int>(state.range(0));
    const auto r = engine.analyze(storyText(engine, n));
    if (!r) {
        state.SkipWithError(r.error().message.c_str());
        return;
    }
    std::vector<float> head(static_cast<std::size_t>(n) * n);
    int k = 0;
    for (auto _ : state) {
        const int l = k % r->layers, h = (k / r->layers) % r->heads;
        r->source->rows(l, h, 0, n, head.data()); // straight from the cache: no materialised head is reused
        benchmark::DoNotOptimize(head.data());
        ++k;
    }
}

void BM_MatmulQ8_0(benchmark::State &state) {
    const std::int64_t rows = state.range(0), N = 8192, K = 2048;
    const std::int64_t rowBytes = K / 32 * 34;
    std::vector<unsigned char> weights(static_cast<std::size_t>(N * rowBytes));
    std::vector<float> line(static_cast<std::size_t>(K));
    std::uint32_t seed = 7;
    for (std::int64_t r = 0; r < N; ++r) {
        for (float &x : line)
            x = testsupport::randomWeight(seed);
        quantizeRowQ8_0(line.data(), weights.data() + r * rowBytes, K);
    }
    std::vector<float> x(static_cast<std::size_t>(rows * K)), out(static_cast<std::size_t>(rows * N));
    for (float &v : x)
        v = testsupport::randomWeight(seed);
    const Tensor w{GgmlType::Q8_0, weights.data(), N, K};
    for (auto _ : state) {
        multiply(x.data(), rows, w, out.data());
        benchmark::DoNotOptimize(out.data());
    }
    state.counters["weight_GB_per_s"] =
        benchmark::Counter(static_cast<double>(weights.size()) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

std::vector<Token> storyTokens(const Engine &engine, int n) {
    auto tokens = engine.tokenizer().encode(storyText(engine, n));
    if (!tokens) {
        std::fprintf(stderr, "bench_scale: %s\n", tokens.error().message.c_str());
        std::exit(1);
    }
    return std::move(tokens.value());
}

void BM_Lens(benchmark::State &state) {
    const Engine &engine = large();
    const std::vector<Token> tokens = storyTokens(engine, static_cast<int>(state.range(0)));
    for (auto _ : state) {
        auto lens = logitLens(engine, tokens, 5);
        if (!lens) {
            state.SkipWithError(lens.error().message.c_str());
            return;
        }
        benchmark::DoNotOptimize(lens->top.data());
    }
    state.counters["tokens"] = static_cast<double>(tokens.size());
    state.counters["peak_rss_mb"] = peakRssMb();
}

void BM_GenerateToken(benchmark::State &state) {
    const Engine &engine = large();
    const std::vector<Token> tokens = storyTokens(engine, static_cast<int>(state.range(0)));
    auto base = engine.analyzeTokens(tokens);
    if (!base) {
        state.SkipWithError(base.error().message.c_str());
        return;
    }
    GenerateParams params;
    params.maxTokens = 2; // the first comes from the base analysis's logits, the second costs one decode step
    params.stopAtEos = false;
    params.previous = std::make_shared<const AttentionResult>(std::move(base.value()));
    for (auto _ : state) {
        auto g = generate(engine, tokens, params);
        if (!g) {
            state.SkipWithError(g.error().message.c_str());
            return;
        }
        benchmark::DoNotOptimize(g->ids.data());
    }
    state.counters["peak_rss_mb"] = peakRssMb();
}

void BM_Flow(benchmark::State &state) {
    const Engine &engine = large();
    const std::vector<Token> tokens = storyTokens(engine, static_cast<int>(state.range(0)));
    for (auto _ : state) {
        auto flow = informationFlow(engine, tokens);
        if (!flow) {
            state.SkipWithError(flow.error().message.c_str());
            return;
        }
        benchmark::DoNotOptimize(flow->importance.data());
    }
    state.counters["peak_rss_mb"] = peakRssMb();
}

void BM_AblationSweep(benchmark::State &state) {
    const Engine &engine = stories();
    const int n = static_cast<int>(state.range(0));
    const std::vector<Token> tokens = storyTokens(engine, n);
    for (auto _ : state) {
        auto sweep = ablationSweep(engine, tokens, n - 1);
        if (!sweep) {
            state.SkipWithError(sweep.error().message.c_str());
            return;
        }
        benchmark::DoNotOptimize(sweep->heads.data());
    }
    state.counters["heads"] = engine.model().config().layers * engine.model().config().heads;
}

void registerPrefills() {
    for (int n : {64, 512})
        benchmark::RegisterBenchmark("BM_Prefill/stories260K", [](benchmark::State &s) { prefill(s, stories()); })
            ->Arg(n)->Unit(benchmark::kMillisecond)->UseRealTime();
    std::vector<int> lengths = {512, 2048};
    if (const char *env = std::getenv("ATTNSCOPE_BENCH_TOKENS")) {
        lengths.clear();
        std::stringstream in(env);
        for (std::string item; std::getline(in, item, ',');)
            if (const int n = std::atoi(item.c_str()); n > 0)
                lengths.push_back(n);
    }
    const std::string name = std::getenv("ATTNSCOPE_BENCH_GGUF")
                                 ? std::filesystem::path(std::getenv("ATTNSCOPE_BENCH_GGUF")).stem().string()
                                 : std::string("random-8x512");
    for (int n : lengths)
        benchmark::RegisterBenchmark(("BM_Prefill/" + name).c_str(), [](benchmark::State &s) { prefill(s, large()); })
            ->Arg(n)->Unit(benchmark::kMillisecond)->UseRealTime();
}

} // namespace

BENCHMARK(BM_AppendToken)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_HeadOnDemand)->Arg(512)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MatmulQ8_0)->Arg(1)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Lens)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_GenerateToken)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Flow)->Arg(256)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_AblationSweep)->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char **argv) {
    benchmark::AddCustomContext("attnscope_kernels", computeKernels());
    benchmark::AddCustomContext("attnscope_threads", std::to_string(computeThreads()));
    registerPrefills();
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
