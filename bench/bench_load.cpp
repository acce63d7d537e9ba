// Memory of a quantized model: peak resident memory while loading a Q8_0 GGUF and analysing 256 tokens, against
// the file size plus the attention result. The model is a synthetic Llama (width 512, 8 layers, 8 heads, FFN 1408,
// the 32k Llama vocabulary from ../shared/gguf; about 60 MB in Q8_0), written once to $TMPDIR. Each measurement runs
// in a fresh child process so its peak (VmHWM) is its own.
// Run: build/release/bench/bench_load --benchmark_format=json
// Counters: file_MB, attention_MB, logits_MB, peak_MB (the child's peak RSS growth over its start),
// ratio = peak / (file + attention).
#include <attnscope/engine.h>
#include <attnscope/gguf.h>
#include <attnscope/gguf_writer.h>

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
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
    const auto vocab = gguf::File::open(std::string(ATTNSCOPE_SHARED_DIR) + "/gguf/vocab/ggml-vocab-llama-spm.gguf");
    if (!vocab)
        return {};
    const gguf::File &v = *vocab.value();
    GgufBuilder b;
    b.setString("general.architecture", "llama");
    b.setU32("llama.embedding_length", kDim);
    b.setU32("llama.block_count", kLayers);
    b.setU32("llama.attention.head_count", kHeads);
    b.setU32("llama.feed_forward_length", kHidden);
    b.setU32("llama.context_length", 2048);
    b.setString("tokenizer.ggml.model", "llama");
    const gguf::Array *tokens = v.getArray("tokenizer.ggml.tokens");
    const gguf::Array *scores = v.getArray("tokenizer.ggml.scores");
    const gguf::Array *types = v.getArray("tokenizer.ggml.token_type");
    std::vector<std::string> t(tokens->strings.begin(), tokens->strings.end());
    std::vector<float> s;
    std::vector<std::int32_t> ty;
    for (std::uint64_t i = 0; i < tokens->count; ++i) {
        s.push_back(static_cast<float>(scores->number(i)));
        ty.push_back(static_cast<std::int32_t>(types->integer(i)));
    }
    b.setStringArray("tokenizer.ggml.tokens", t);
    b.setF32Array("tokenizer.ggml.scores", s);
    b.setI32Array("tokenizer.ggml.token_type", ty);
    b.setU32("tokenizer.ggml.bos_token_id", 1);
    b.setU32("tokenizer.ggml.unknown_token_id", 0);
    const std::int64_t vocabSize = static_cast<std::int64_t>(tokens->count);
    std::mt19937 rng(1);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    auto q8 = [&](const std::string &name, std::int64_t rows, std::int64_t cols) {
        std::vector<float> row(static_cast<std::size_t>(cols));
        std::string bytes(static_cast<std::size_t>(rows * cols / 32 * 34), '\0');
        for (std::int64_t r = 0; r < rows; ++r) {
            for (float &x : row)
                x = normal(rng);
            quantizeRowQ8_0(row.data(), bytes.data() + r * cols / 32 * 34, cols);
        }
        b.addTensor(name, {cols, rows}, GgmlType::Q8_0, std::move(bytes));
    };
    const std::vector<float> ones(kDim, 1.0f);
    q8("token_embd.weight", vocabSize, kDim);
    b.addF32("output_norm.weight", {kDim}, ones.data());
    q8("output.weight", vocabSize, kDim);
    for (int l = 0; l < kLayers; ++l) {
        const std::string p = "blk." + std::to_string(l) + ".";
        b.addF32(p + "attn_norm.weight", {kDim}, ones.data());
        b.addF32(p + "ffn_norm.weight", {kDim}, ones.data());
        for (const char *m : {"attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight"})
            q8(p + m, kDim, kDim);
        q8(p + "ffn_gate.weight", kHidden, kDim);
        q8(p + "ffn_up.weight", kHidden, kDim);
        q8(p + "ffn_down.weight", kDim, kHidden);
    }
    return b.write(path.string()) ? path.string() : std::string();
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
