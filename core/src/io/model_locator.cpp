// Model discovery: the search roots in lookup order and a shallow scan of each for llama2.c checkpoints.
#include "attnscope/model_locator.h"
#include "attnscope/engine.h"
#include "attnscope/gguf.h"
#include "attnscope/model.h"

#include <algorithm>
#include <filesystem>
#include <set>

namespace attnscope {

namespace fs = std::filesystem;

std::vector<SearchRoot> modelSearchRoots(const std::string &envModelDir, const std::vector<std::string> &startDirs,
                                         const std::string &userDataDir) {
    std::vector<SearchRoot> roots;
    std::error_code ec;
    if (!envModelDir.empty())
        roots.push_back({envModelDir, "ATTNSCOPE_MODEL_DIR"});
    // ../shared/models next to the checkout: walk up from the executable (or source) directory.
    for (const std::string &start : startDirs) {
        if (start.empty())
            continue;
        for (fs::path dir = fs::weakly_canonical(start, ec); !dir.empty(); dir = dir.parent_path()) {
            const fs::path candidate = dir / "shared" / "models";
            if (fs::is_directory(candidate, ec)) {
                const std::string dirName = fs::weakly_canonical(candidate, ec).string();
                const bool known =
                    std::any_of(roots.begin(), roots.end(), [&](const SearchRoot &r) { return r.dir == dirName; });
                if (!known)
                    roots.push_back({dirName, "shared/models next to the checkout"});
                break;
            }
            if (dir == dir.parent_path())
                break;
        }
    }
    if (!userDataDir.empty())
        roots.push_back({(fs::path(userDataDir) / "models").string(), "user data"});
    return roots;
}

std::vector<ModelEntry> findModels(const std::vector<SearchRoot> &roots) {
    std::vector<ModelEntry> found;
    std::set<std::string> seen;
    std::error_code ec;
    auto consider = [&](const fs::path &file, const SearchRoot &root) {
        const bool isGguf = file.extension() == ".gguf";
        if ((file.extension() != ".bin" && !isGguf) || !fs::is_regular_file(file, ec))
            return;
        const std::string canonical = fs::weakly_canonical(file, ec).string();
        if (!seen.insert(canonical).second)
            return;
        if (isGguf) {
            const auto gguf = gguf::File::open(file.string());
            if (gguf && loadGgufModel(gguf.value(), file.string()) && gguf.value()->getString("tokenizer.ggml.model"))
                found.push_back({file.stem().string(), file.string(), {}, root.label, true});
            return; // vocabulary-only, unsupported or broken: opening it explicitly gives the reason
        }
        auto model = loadLlama2c(file.string());
        if (!model)
            return; // not a checkpoint (or broken): opening it explicitly gives the reason
        found.push_back({file.stem().string(), file.string(),
                         findTokenizerBeside(file.string(), model.value()->config().vocabSize), root.label});
    };
    for (const SearchRoot &root : roots) {
        if (!fs::is_directory(root.dir, ec))
            continue;
        std::vector<fs::path> level1;
        for (fs::directory_iterator it(root.dir, ec), end; !ec && it != end; it.increment(ec))
            level1.push_back(it->path());
        std::sort(level1.begin(), level1.end());
        for (const fs::path &p : level1) {
            if (fs::is_directory(p, ec)) {
                std::vector<fs::path> level2;
                for (fs::directory_iterator it(p, ec), end; !ec && it != end; it.increment(ec))
                    level2.push_back(it->path());
                std::sort(level2.begin(), level2.end());
                for (const fs::path &q : level2)
                    consider(q, root);
            } else {
                consider(p, root);
            }
        }
    }
    return found;
}

ModelEntry defaultModel(const std::vector<ModelEntry> &models) {
    for (const ModelEntry &m : models)
        if (m.name == "stories260K" && m.ready())
            return m;
    for (const ModelEntry &m : models)
        if (m.ready())
            return m;
    return {};
}

} // namespace attnscope
