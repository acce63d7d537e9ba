// Listing the models on disk (attnscope-cli models, File > Get Models): BM_ScanModels/<repos> walks a fake Hugging
// Face cache of that many repos — half GGUF repos (a real Qwen 3-layout GGUF or GPT-2's 50k-token vocabulary file,
// hard-linked so the disk holds one copy, with a README and .gitattributes beside), half safetensors folders
// (config.json, model.safetensors, tokenizer.json) — plus an Ollama store with a manifest per 10 repos. Counters:
// files in the store and models listed. The files are in the page cache after the first pass, as on a machine
// that has listed its models once.
// Run: build/release/bench/bench_scan --benchmark_format=json
#include <attnscope/model_locator.h>

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace attnscope;
namespace fs = std::filesystem;

namespace {

std::string shared(const std::string &relative) {
    const char *env = std::getenv("ATTNSCOPE_SHARED_DIR");
    return std::string(env && *env ? env : ATTNSCOPE_SHARED_DIR) + "/" + relative;
}

void write(const fs::path &p, const std::string &text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
}

// Builds the store once per size; returns the roots and the number of files.
std::vector<SearchRoot> store(int repos, std::size_t *files) {
    const fs::path root = fs::temp_directory_path() / ("attnscope-bench-scan-" + std::to_string(::getpid()) + "-" +
                                                       std::to_string(repos));
    fs::remove_all(root);
    const fs::path hub = root / "hub", ollama = root / "ollama";
    const fs::path ggufs[] = {shared("reference/qwen3/model.gguf"), shared("gguf/vocab/ggml-vocab-gpt-2.gguf")};
    const fs::path hfDir = shared("reference/gemma/hf");
    std::size_t n = 0;
    // one copy of each source on the store's file system, then hard links (copies where links are refused)
    fs::create_directories(root / "src");
    for (const fs::path &g : ggufs)
        fs::copy_file(g, root / "src" / g.filename().string().append(std::to_string(n++)));
    fs::copy_file(hfDir / "model.safetensors", root / "src" / "model.safetensors");
    n = 0;
    const auto link = [&](const fs::path &from, const fs::path &to) {
        fs::create_directories(to.parent_path());
        std::error_code ec;
        fs::create_hard_link(from, to, ec);
        if (ec)
            fs::copy_file(from, to);
        ++n;
    };
    std::vector<fs::path> sources(fs::directory_iterator(root / "src"), fs::directory_iterator{});
    std::sort(sources.begin(), sources.end());
    for (int i = 0; i < repos; ++i) {
        char commit[41];
        std::snprintf(commit, sizeof commit, "%040x", i + 1);
        char folder[64]; // snprintf rather than string concatenation, which GCC 12 warns about (-Wrestrict) here
        std::snprintf(folder, sizeof folder, "models--org%d--model-%d", i % 37, i);
        const fs::path repo = hub / folder;
        const fs::path snap = repo / "snapshots" / commit;
        write(repo / "refs" / "main", commit);
        write(snap / "README.md", "# model " + std::to_string(i) + "\n");
        write(snap / ".gitattributes", "*.gguf filter=lfs diff=lfs merge=lfs -text\n");
        n += 3;
        if (i % 2 == 0) {
            link(sources[std::size_t(i / 2) % 2], repo / "blobs" / ("blob" + std::to_string(i)));
            fs::create_directories(snap);
            fs::create_symlink("../../blobs/blob" + std::to_string(i), snap / "model-q8_0.gguf");
            ++n;
        } else {
            write(snap / "config.json", R"({"architectures": ["GemmaForCausalLM"], "model_type": "gemma"})");
            write(snap / "tokenizer.json", "{}");
            link(root / "src" / "model.safetensors", snap / "model.safetensors");
            n += 2;
        }
        if (i % 10 == 0) {
            const std::string digest(64, char('a' + i % 6));
            if (!fs::exists(ollama / "blobs" / ("sha256-" + digest)))
                link(sources[0], ollama / "blobs" / ("sha256-" + digest));
            std::snprintf(folder, sizeof folder, "m%d", i);
            write(ollama / "manifests" / "registry.ollama.ai" / "library" / folder / "latest",
                  R"({"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:)" + digest + "\"}]}");
            ++n;
        }
    }
    *files = n;
    return {{hub.string(), "Hugging Face cache", StoreKind::HuggingFace}, {ollama.string(), "Ollama", StoreKind::Ollama}};
}

void BM_ScanModels(benchmark::State &state) {
    std::size_t files = 0;
    const std::vector<SearchRoot> roots = store(int(state.range(0)), &files);
    std::size_t listed = 0;
    for (auto _ : state) {
        const std::vector<ModelEntry> found = findModels(roots);
        listed = found.size();
        benchmark::DoNotOptimize(found.data());
    }
    state.counters["files"] = double(files);
    state.counters["models"] = double(listed);
    fs::remove_all(fs::path(roots[0].dir).parent_path());
}
BENCHMARK(BM_ScanModels)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond)->UseRealTime();

} // namespace

BENCHMARK_MAIN();
