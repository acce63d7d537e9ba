// Where models live and what they are: AttnScope's own folders (explicit path -> $ATTNSCOPE_MODEL_DIR ->
// ../shared/models next to the checkout -> the user's data dir) and the stores other tools keep — the Hugging Face
// cache, Ollama's blob store, LM Studio's folder, llama.cpp's cache. A scan reads headers only (GGUF metadata and
// tensor directory, safetensors JSON headers, config.json, Ollama manifests), never a whole file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace attnscope {

// Which tool's store a search root is; it decides how the root is laid out and what an entry's repo means.
enum class StoreKind {
    Own,         // AttnScope's folders: checkpoints and model folders up to two levels deep
    HuggingFace, // models--<org>--<name>/snapshots/<commit>/...
    Ollama,      // manifests/<registry>/<namespace>/<model>/<tag> -> blobs/sha256-<hex>
    LmStudio,    // <publisher>/<repo>/<file>.gguf
    LlamaCpp,    // <org>_<repo>_<file>.gguf with <file>.json beside it (or a Hugging Face layout)
};
const char *storeKey(StoreKind kind); // "attnscope", "huggingface", "ollama", "lmstudio", "llama.cpp"

struct SearchRoot {
    std::string dir;
    std::string label; // for people: "ATTNSCOPE_MODEL_DIR", "Hugging Face cache", "Ollama", ...
    StoreKind kind = StoreKind::Own;
};

struct ModelEntry {
    std::string name;           // e.g. "stories260K", "Qwen3-0.6B-Q8_0", "llama3.2:1b"
    std::string modelPath;      // the file (GGUF, llama2.c) or folder (Hugging Face) to open
    std::string tokenizerPath;  // the sentencepiece model beside a llama2.c checkpoint ("" if none or not needed)
    std::string source;         // the search root's label, for display
    bool selfContained = false; // the tokenizer is inside the model (GGUF, a Hugging Face folder)

    StoreKind store = StoreKind::Own;
    std::string root;         // the search root's directory
    std::string repo;         // "org/name" (Hugging Face, LM Studio, llama.cpp) or "model:tag" (Ollama); "" if none
    std::string revision;     // the Hugging Face snapshot's commit
    std::string format;       // "GGUF", "safetensors", "llama2.c"
    std::string architecture; // GGUF general.architecture or config.json's class, as stored
    std::string family;       // the family's name for people ("Qwen 3"), "" when unsupported
    std::int64_t parameters = 0;  // elements of every weight tensor
    std::string weightType;       // the type holding most of the weights' bytes: "Q8_0", "BF16", ...
    std::uint64_t fileSize = 0;   // bytes of the weights (every shard of a folder)
    bool supported = false;
    std::string reason;           // why not, when !supported

    bool ready() const { return supported && (selfContained || !tokenizerPath.empty()); }
};

// Where each store lives, from the environment (HF_HUB_CACHE, HF_HOME, XDG_CACHE_HOME, OLLAMA_MODELS, LLAMA_CACHE,
// ATTNSCOPE_MODEL_DIR, HOME) plus the directories to walk up from for shared/models and the user's data dir.
struct StoreLocations {
    std::string home;
    std::string attnscopeModelDir; // $ATTNSCOPE_MODEL_DIR
    std::vector<std::string> startDirs;
    std::string userDataDir;
    std::string hfHubCache;  // $HF_HUB_CACHE
    std::string hfHome;      // $HF_HOME
    std::string xdgCache;    // $XDG_CACHE_HOME
    std::string ollamaModels; // $OLLAMA_MODELS
    std::string llamaCache;  // $LLAMA_CACHE
    // Reads the environment variables (startDirs and userDataDir are the caller's).
    static StoreLocations fromEnvironment(std::vector<std::string> startDirs, std::string userDataDir);
};

// AttnScope's own roots in lookup order. envModelDir is the value of ATTNSCOPE_MODEL_DIR (may be empty);
// startDirs are directories to walk up from looking for shared/models (the executable's dir, the source dir);
// userDataDir is the platform's per-user application data directory.
std::vector<SearchRoot> modelSearchRoots(const std::string &envModelDir, const std::vector<std::string> &startDirs,
                                         const std::string &userDataDir);
// Every root: AttnScope's own, then the Hugging Face cache, Ollama, LM Studio and llama.cpp's cache. Roots that do
// not exist are kept (a scan skips them) so that a listing can say where it looked.
std::vector<SearchRoot> allSearchRoots(const StoreLocations &where);

// Every model in the roots, in root order then by path (in a Hugging Face repo, the snapshots refs/ names first; an
// unnamed older snapshot only adds files the named ones lack), each file once (a blob shared by two snapshots or
// reached through two roots is listed the first time). Unsupported models are listed with the reason; files that
// are not models at all (a .bin that is no checkpoint, a config.json alone) are not.
std::vector<ModelEntry> findModels(const std::vector<SearchRoot> &roots);

// What one file or Hugging Face folder is, from its headers; `supported` false with the reason when it is not a
// model AttnScope can run (not a model at all: reason set, format empty).
ModelEntry inspectModel(const std::string &path);

// llama.cpp's split GGUF files, "<name>-00002-of-00003.gguf": the number of parts (and this one's number in
// *part), or 0 when the name is not one.
int ggufSplitParts(const std::string &fileName, int *part = nullptr);

// The family's name for people ("Qwen 3") for a GGUF architecture ("qwen3"); "" when AttnScope does not run it.
std::string familyTitle(const std::string &architecture);

// The bundled default (stories260K) if present, else the first ready model. Empty modelPath if nothing.
ModelEntry defaultModel(const std::vector<ModelEntry> &models);

// huggingface_hub's folder for a repo in the cache: "models--org--name"; and back ("" when not a model folder).
std::string hfCacheFolderName(const std::string &repo);
std::string repoFromHfCacheFolder(const std::string &folder);
// The hub cache directory huggingface_hub uses: $HF_HUB_CACHE, else $HF_HOME/hub, else
// $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub.
std::string hfHubCacheDir(const StoreLocations &where);

} // namespace attnscope
