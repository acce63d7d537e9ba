// Memory of a quantized model: peak resident memory while loading a Q8_0 GGUF and analysing 256 tokens, against
// the file size plus the attention result. The model is a synthetic Llama (width 512, 8 layers, 8 heads, FFN 1408,
// the 32k Llama vocabulary from ../shared/gguf; about 60 MB in Q8_0), written once to $TMPDIR. Each measurement runs
// in a fresh child process so its peak (VmHWM) is its own.
// Run: build/release/bench/bench_load --benchmark_format=json
// Counters: file_MB, attention_MB, logits_MB, peak_MB (the child's peak RSS growth over its start),
// ratio = peak / (file + attention).
#include "random_llama.h"

#include <attnscope/engine.h>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

using namespace attnscope;

namespace {

constexpr int kDim = 512, kLayers = 8, kHeads = 8, kHidden = 1408, kTokens = 256;

double statusMb(const char *field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field, 0) == 0)
            return std::atof(line.c_str() + std::strlen(field)) / 1024.0; // kB -> MB
    return 0;
}

std::string modelPath() {
    const std::filesystem::path path = std::filesystem::temp_directory_path() / "attnscope-bench-q8_0.gguf";
    if (std::filesystem::exists(path))
        return path.string();
    testsupport::RandomLlama spec;
    spec.layers = kLayers;
    spec.dim = kDim;
    spec.heads = kHeads;
    spec.hidden = kHidden;
    spec.type = GgmlType::Q8_0;
    const bool written = testsupport::writeRandomLlama(
        std::string(ATTNSCOPE_SHARED_DIR) + "/gguf/vocab/ggml-vocab-llama-spm.gguf", path.string(), spec);
    return written ? path.string() : std::string();
}

// In a child: load, analyse kTokens tokens, report the growth of the peak RSS through a pipe.
double childPeakMb(const std::string &path, bool allLogits) {
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    const pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        const double before = statusMb("VmHWM:");
        double peak = -1;
        if (auto engine = Engine::load(path)) {
            std::vector<Token> tokens;
            for (int i = 0; i < kTokens; ++i)
                tokens.push_back(Token{i == 0 ? 1 : 1000 + i, "", 0, 0, i == 0, false});
            AnalyzeParams params;
            params.allPositionLogits = allLogits;
            if (engine.value()->analyzeTokens(tokens, params))
                peak = statusMb("VmHWM:") - before;
        }
        if (write(fds[1], &peak, sizeof peak) != sizeof peak)
            _exit(1);
        _exit(0);
    }
    close(fds[1]);
    double peak = -1;
    if (read(fds[0], &peak, sizeof peak) != sizeof peak)
        peak = -1;
    close(fds[0]);
    waitpid(pid, nullptr, 0);
    return peak;
}

void BM_LoadQ8_0PeakRss(benchmark::State &state) {
    const std::string path = modelPath();
    if (path.empty()) {
        state.SkipWithError("could not write the synthetic model (../shared/gguf missing?)");
        return;
    }
    double peak = 0;
    const bool allLogits = state.range(0) != 0;
    for (auto _ : state)
        peak = childPeakMb(path, allLogits);
    const double fileMb = static_cast<double>(std::filesystem::file_size(path)) / (1 << 20);
    const double attentionMb = double(kLayers) * kHeads * kTokens * kTokens * 4 / (1 << 20);
    state.counters["file_MB"] = fileMb;
    state.counters["attention_MB"] = attentionMb;
    state.counters["peak_MB"] = peak;
    state.counters["ratio"] = peak / (fileMb + attentionMb);
    state.counters["logits_MB"] = (allLogits ? double(kTokens) : 1.0) * 32000 * 4 / (1 << 20);
}

} // namespace

// /0: logits of the last position only; /1: logits of every position (what the app keeps today: T x vocab floats).
BENCHMARK(BM_LoadQ8_0PeakRss)->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
