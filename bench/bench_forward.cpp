// Forward pass + full attention capture on stories260K at 16, 64, 256 and 512 tokens.
// Run: build/release/bench/bench_forward --benchmark_format=json
// Model: $ATTNSCOPE_MODEL (a llama2.c .bin) or stories260K from ../shared/models.
#include <attnscope/engine.h>

#include <benchmark/benchmark.h>

#include <cstdlib>
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

// A real story, repeated until it has n tokens (BOS included).
std::vector<Token> storyTokens(int n) {
    std::string text;
    const std::string story = "Once upon a time, there was a little girl named Lily. She loved to play outside in "
                              "the park. One day, she saw a big, red ball. She wanted to play with it, but it was "
                              "too high. Lily asked her mom for help. ";
    std::vector<Token> tokens;
    while (true) {
        text += story;
        auto encoded = engine()->tokenizer().encode(text);
        if (encoded && static_cast<int>(encoded->size()) >= n) {
            tokens = std::move(encoded.value());
            break;
        }
    }
    tokens.resize(static_cast<std::size_t>(n));
    return tokens;
}

void BM_Forward(benchmark::State &state) {
    if (!engine()) {
        state.SkipWithError("model not found");
        return;
    }
    const int n = static_cast<int>(state.range(0));
    const std::vector<Token> tokens = storyTokens(n);
    for (auto _ : state) {
        auto result = engine()->analyzeTokens(tokens);
        if (!result) {
            state.SkipWithError(result.error().message.c_str());
            return;
        }
        benchmark::DoNotOptimize(result->attention.data());
    }
    const auto &cfg = engine()->info().config;
    state.counters["tokens"] = n;
    state.counters["attention_MB"] = double(cfg.layers) * cfg.heads * n * n * sizeof(float) / (1024.0 * 1024.0);
}

} // namespace

BENCHMARK(BM_Forward)->Arg(16)->Arg(64)->Arg(256)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
