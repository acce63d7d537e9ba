// Tokenizers: loading a tokenizer.json (BM_LoadTokenizerJson/<family>: Llama 3's 128k, Qwen 3's 151k and Gemma 3's
// 262k vocabulary from ../shared/tokenizers) and tokenizing 100 KB of English prose with Llama 3's
// (BM_Tokenize; the licence texts Debian ships, /usr/share/common-licenses, cut to 100 KB; counters tokens/s
// and MB/s). The GGUF path of the same kind of vocabulary: BM_TokenizeGguf (GPT-2's from ../shared/gguf/vocab).
// Run: build/release/bench/bench_tokenizer --benchmark_format=json
#include <attnscope/gguf.h>
#include <attnscope/gguf_tokenizer.h>
#include <attnscope/hf_tokenizer.h>

#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>

using namespace attnscope;

namespace {

std::string shared(const std::string &relative) {
    const char *env = std::getenv("ATTNSCOPE_SHARED_DIR");
    return std::string(env && *env ? env : ATTNSCOPE_SHARED_DIR) + "/" + relative;
}

std::string prose() {
    std::string text;
    for (const char *f : {"GPL-3", "Apache-2.0", "LGPL-2.1", "MPL-2.0", "GFDL-1.3", "GPL-2"}) {
        std::ifstream in(std::string("/usr/share/common-licenses/") + f);
        std::stringstream s;
        s << in.rdbuf();
        text += s.str();
    }
    if (text.empty()) // no licence texts on this machine: a paragraph of prose, repeated
        text = "Once upon a time, in a small town by the sea, there lived a girl who loved to read. Every morning she "
               "walked to the library, borrowed a new book and read it under the old oak tree until the sun went down.\n";
    while (text.size() < 100 * 1024)
        text += text;
    return text.substr(0, 100 * 1024);
}

void BM_LoadTokenizerJson(benchmark::State &state, const std::string &family) {
    const std::string path = shared("tokenizers/" + family + "/tokenizer.json");
    for (auto _ : state) {
        auto t = loadTokenizerJson(path);
        if (!t) {
            state.SkipWithError(t.error().message.c_str());
            return;
        }
        benchmark::DoNotOptimize(t.value()->vocabSize());
    }
}
BENCHMARK_CAPTURE(BM_LoadTokenizerJson, llama3, std::string("llama3"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadTokenizerJson, qwen3, std::string("qwen3"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadTokenizerJson, gemma3, std::string("gemma3"))->Unit(benchmark::kMillisecond);

void tokenizeProse(benchmark::State &state, const Tokenizer &t) {
    const std::string text = prose();
    std::size_t tokens = 0;
    for (auto _ : state) {
        auto r = t.encode(text, false);
        if (!r) {
            state.SkipWithError(r.error().message.c_str());
            return;
        }
        tokens = r->size();
        benchmark::DoNotOptimize(r->data());
    }
    state.counters["tokens"] = static_cast<double>(tokens);
    state.counters["tokens_per_s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsIterationInvariantRate);
    state.counters["MB_per_s"] = benchmark::Counter(static_cast<double>(text.size()) / 1e6, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Tokenize(benchmark::State &state) {
    static const auto t = loadTokenizerJson(shared("tokenizers/llama3/tokenizer.json"));
    if (!t) {
        state.SkipWithError(t.error().message.c_str());
        return;
    }
    tokenizeProse(state, *t.value());
}
BENCHMARK(BM_Tokenize)->Unit(benchmark::kMillisecond);

void BM_TokenizeGguf(benchmark::State &state) {
    static const auto file = gguf::File::open(shared("gguf/vocab/ggml-vocab-gpt-2.gguf"));
    if (!file) {
        state.SkipWithError(file.error().message.c_str());
        return;
    }
    static const auto t = tokenizerFromGguf(*file.value());
    if (!t) {
        state.SkipWithError(t.error().message.c_str());
        return;
    }
    tokenizeProse(state, *t.value());
}
BENCHMARK(BM_TokenizeGguf)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
