// Where models live: the lookup order explicit path -> $ATTNSCOPE_MODEL_DIR -> ../shared/models next to the
// checkout -> the user's data dir, and a scan of those directories for every usable model.
#pragma once

#include <string>
#include <vector>

namespace attnscope {

struct ModelEntry {
    std::string name;          // e.g. "stories260K"
    std::string modelPath;     // the checkpoint
    std::string tokenizerPath; // the sentencepiece model beside it ("" if none found or not needed)
    std::string source;        // which search root found it, for display
    bool selfContained = false; // the tokenizer is inside the model file (GGUF)
    bool ready() const { return selfContained || !tokenizerPath.empty(); }
};

struct SearchRoot {
    std::string dir;
    std::string label; // "ATTNSCOPE_MODEL_DIR", "checkout", "user data", ...
};

// The search roots in lookup order. envModelDir is the value of ATTNSCOPE_MODEL_DIR (may be empty);
// startDirs are directories to walk up from looking for shared/models (the executable's dir, the source dir);
// userDataDir is the platform's per-user application data directory.
std::vector<SearchRoot> modelSearchRoots(const std::string &envModelDir, const std::vector<std::string> &startDirs,
                                         const std::string &userDataDir);

// Every llama2.c checkpoint (*.bin with a valid header) found in the roots, up to two directory levels deep,
// in lookup order, without duplicates.
std::vector<ModelEntry> findModels(const std::vector<SearchRoot> &roots);

// The bundled default (stories260K) if present, else the first model found. Empty modelPath if nothing.
ModelEntry defaultModel(const std::vector<ModelEntry> &models);

} // namespace attnscope
