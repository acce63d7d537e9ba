// Model discovery: the search roots of every store and a walk of each that knows its layout — AttnScope's folders,
// the Hugging Face cache, Ollama's manifests and blobs, LM Studio's publisher/repo folders, llama.cpp's cache.
#include "attnscope/model_locator.h"
#include "io/json.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

namespace attnscope {

namespace fs = std::filesystem;

const char *storeKey(StoreKind kind) {
    switch (kind) {
    case StoreKind::Own: return "attnscope";
    case StoreKind::HuggingFace: return "huggingface";
    case StoreKind::Ollama: return "ollama";
    case StoreKind::LmStudio: return "lmstudio";
    case StoreKind::LlamaCpp: return "llama.cpp";
    }
    return "attnscope";
}

namespace {

std::string env(const char *name) {
    const char *v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

bool hasSuffix(const std::string &s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The entries of a directory, sorted (directory order differs between file systems; listings should not).
std::vector<fs::path> listDir(const fs::path &dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        out.push_back(it->path());
    std::sort(out.begin(), out.end());
    return out;
}

bool isDir(const fs::path &p) {
    std::error_code ec;
    return fs::is_directory(p, ec);
}

bool isFile(const fs::path &p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

// A GGUF that is not the first part of a split: the first part stands for the whole model.
bool laterSplitPart(const std::string &fileName) {
    int part = 0;
    return ggufSplitParts(fileName, &part) > 0 && part > 1;
}

class Scan {
public:
    std::vector<ModelEntry> found;

    // Within one Hugging Face repo: the paths (relative to their snapshot) listed from a snapshot a ref names, so
    // that an older snapshot's copy of the same file or folder is not listed again. Null elsewhere.
    std::set<std::string> *m_listedInRepo = nullptr;
    fs::path m_snapshot;
    bool m_stale = false; // walking a snapshot no ref names

    // Adds what `path` is, unless it was listed already or is not a model at all.
    void add(const fs::path &path, const SearchRoot &root, const std::string &repo = {},
             const std::string &revision = {}, const std::string &name = {}) {
        if (m_listedInRepo) {
            const std::string relative = path.lexically_relative(m_snapshot).generic_string();
            if (m_stale && m_listedInRepo->count(relative))
                return; // an older snapshot's copy of what a snapshot a ref names has
            m_listedInRepo->insert(relative);
        }
        std::error_code ec;
        const fs::path canonical = fs::canonical(path, ec);
        if (ec || !m_seen.insert(canonical.string()).second)
            return;
        ModelEntry e = inspectModel(path.string());
        if (e.format.empty())
            return;
        e.store = root.kind;
        e.root = root.dir;
        e.source = root.label;
        e.repo = repo;
        e.revision = revision;
        if (!name.empty())
            e.name = name;
        found.push_back(std::move(e));
    }

    // GGUF files and model folders (config.json) in `dir` and below, `depth` levels down; folders are named by
    // `folderName` at the top.
    void models(const fs::path &dir, const SearchRoot &root, int depth, const std::string &repo,
                const std::string &revision, const std::string &folderName) {
        if (isFile(dir / "config.json"))
            add(dir, root, repo, revision, folderName);
        for (const fs::path &p : listDir(dir)) {
            const std::string n = p.filename().string();
            if (!n.empty() && n[0] == '.')
                continue;
            if (isDir(p)) {
                if (depth > 0)
                    models(p, root, depth - 1, repo, revision, folderName + "/" + n);
            } else if (hasSuffix(n, ".gguf") && !laterSplitPart(n)) {
                add(p, root, repo, revision);
            }
        }
    }

    // models--<org>--<name>/snapshots/<commit>/: the snapshots refs/ names first (main before the others), then
    // the rest, whose files are listed only when no named snapshot has the same one.
    void huggingFace(const fs::path &cache, const SearchRoot &root) {
        for (const fs::path &repoDir : listDir(cache)) {
            const std::string repo = repoFromHfCacheFolder(repoDir.filename().string());
            if (repo.empty() || !isDir(repoDir / "snapshots"))
                continue;
            const std::string shortName = repo.substr(repo.find('/') + 1);
            std::vector<std::string> named = refCommits(repoDir / "refs");
            std::set<std::string> listed;
            m_listedInRepo = &listed;
            const auto walk = [&](const fs::path &snapshot, bool stale) {
                m_snapshot = snapshot;
                m_stale = stale;
                models(snapshot, root, 3, repo, snapshot.filename().string(), shortName);
            };
            for (const std::string &commit : named)
                if (isDir(repoDir / "snapshots" / commit))
                    walk(repoDir / "snapshots" / commit, false);
            for (const fs::path &snapshot : listDir(repoDir / "snapshots"))
                if (isDir(snapshot) && std::find(named.begin(), named.end(), snapshot.filename().string()) == named.end())
                    walk(snapshot, !named.empty());
            m_listedInRepo = nullptr;
        }
    }

    // The commits refs/ names (refs/main first, then refs/pr/1, tags, ... in path order), each once.
    static std::vector<std::string> refCommits(const fs::path &refs) {
        std::vector<std::pair<std::string, std::string>> found; // (ref, commit)
        std::error_code ec;
        for (fs::recursive_directory_iterator it(refs, ec), end; !ec && it != end; it.increment(ec)) {
            if (it.depth() > 4 || !isFile(it->path()))
                continue;
            std::ifstream in(it->path());
            std::string commit;
            std::getline(in, commit);
            if ((commit.size() == 40 || commit.size() == 64) &&
                commit.find_first_not_of("0123456789abcdef") == std::string::npos)
                found.emplace_back(it->path().lexically_relative(refs).generic_string(), commit);
        }
        std::sort(found.begin(), found.end(), [](const auto &a, const auto &b) {
            return (a.first == "main") != (b.first == "main") ? a.first == "main" : a.first < b.first;
        });
        std::vector<std::string> commits;
        for (const auto &[ref, commit] : found)
            if (std::find(commits.begin(), commits.end(), commit) == commits.end())
                commits.push_back(commit);
        return commits;
    }

    // manifests/<registry>/<namespace>/<model>/<tag>: a JSON manifest whose model layer is blobs/sha256-<hex>.
    void ollama(const fs::path &store, const SearchRoot &root) {
        for (const fs::path &registry : listDir(store / "manifests"))
            for (const fs::path &ns : listDir(registry))
                for (const fs::path &model : listDir(ns))
                    for (const fs::path &tag : listDir(model)) {
                        if (!isFile(tag))
                            continue;
                        const std::string blob = ollamaModelBlob(tag);
                        if (blob.empty() || !isFile(store / "blobs" / blob))
                            continue;
                        std::string display = model.filename().string() + ":" + tag.filename().string();
                        if (ns.filename() != "library" || registry.filename() != "registry.ollama.ai")
                            display = ns.filename().string() + "/" + display;
                        if (registry.filename() != "registry.ollama.ai")
                            display = registry.filename().string() + "/" + display;
                        add(store / "blobs" / blob, root, display, {}, display);
                    }
    }

    // <publisher>/<repo>/<files>.
    void lmStudio(const fs::path &dir, const SearchRoot &root) {
        for (const fs::path &publisher : listDir(dir))
            if (isDir(publisher))
                for (const fs::path &repo : listDir(publisher))
                    if (isDir(repo)) {
                        const std::string id = publisher.filename().string() + "/" + repo.filename().string();
                        models(repo, root, 2, id, {}, repo.filename().string());
                    }
    }

    // Flat <org>_<repo>_<file>.gguf files, each with a <file>.json that records the URL it came from; newer
    // versions keep a Hugging Face layout, walked as such.
    void llamaCpp(const fs::path &dir, const SearchRoot &root) {
        for (const fs::path &p : listDir(dir)) {
            const std::string n = p.filename().string();
            if (isFile(p) && hasSuffix(n, ".gguf") && !laterSplitPart(n))
                add(p, root, repoFromLlamaCppMetadata(fs::path(p.string() + ".json")));
        }
        huggingFace(dir, root);
    }

    void own(const fs::path &dir, const SearchRoot &root) {
        auto consider = [&](const fs::path &p) {
            const std::string n = p.filename().string();
            if (isFile(p) && (hasSuffix(n, ".gguf") || hasSuffix(n, ".bin")) && !laterSplitPart(n))
                add(p, root);
            else if (isDir(p) && isFile(p / "config.json"))
                add(p, root);
        };
        for (const fs::path &p : listDir(dir)) {
            consider(p);
            if (isDir(p))
                for (const fs::path &q : listDir(p))
                    consider(q);
        }
    }

private:
    std::set<std::string> m_seen;

    static std::string ollamaModelBlob(const fs::path &manifest) {
        auto doc = json::Document::readFile(manifest.string(), 1u << 20);
        if (!doc)
            return {};
        const auto layers = json::member(doc.value()->root(), "layers");
        if (!layers)
            return {};
        for (const json::Element &layer : json::items(*layers)) {
            if (json::stringMember(layer, "mediaType").value_or("") != "application/vnd.ollama.image.model")
                continue;
            const std::string digest(json::stringMember(layer, "digest").value_or(""));
            // sha256:<64 hex>, stored as sha256-<64 hex>; anything else could point outside the store
            if (digest.size() != 71 || digest.compare(0, 7, "sha256:") != 0 ||
                digest.find_first_not_of("0123456789abcdef", 7) != std::string::npos)
                return {};
            return "sha256-" + digest.substr(7);
        }
        return {};
    }

    static std::string repoFromLlamaCppMetadata(const fs::path &metadata) {
        if (!isFile(metadata))
            return {};
        auto doc = json::Document::readFile(metadata.string(), 1u << 20);
        if (!doc)
            return {};
        const std::string url(json::stringMember(doc.value()->root(), "url").value_or(""));
        // https://huggingface.co/<org>/<repo>/resolve/<rev>/<file>
        const std::size_t resolve = url.find("/resolve/");
        const std::size_t scheme = url.find("://");
        if (resolve == std::string::npos || scheme == std::string::npos)
            return {};
        const std::size_t hostEnd = url.find('/', scheme + 3);
        if (hostEnd == std::string::npos || hostEnd >= resolve)
            return {};
        return url.substr(hostEnd + 1, resolve - hostEnd - 1);
    }
};

} // namespace

std::string hfCacheFolderName(const std::string &repo) {
    std::string out = "models--";
    for (char c : repo)
        out += c == '/' ? std::string("--") : std::string(1, c);
    return out;
}

std::string repoFromHfCacheFolder(const std::string &folder) {
    if (folder.rfind("models--", 0) != 0)
        return {};
    const std::string rest = folder.substr(8);
    const std::size_t sep = rest.find("--");
    if (sep == std::string::npos || sep == 0 || sep + 2 >= rest.size())
        return rest.empty() ? std::string() : rest; // a repo without an organisation ("gpt2")
    return rest.substr(0, sep) + "/" + rest.substr(sep + 2);
}

StoreLocations StoreLocations::fromEnvironment(std::vector<std::string> startDirs, std::string userDataDir) {
    StoreLocations w;
    w.home = env("HOME");
    w.attnscopeModelDir = env("ATTNSCOPE_MODEL_DIR");
    w.startDirs = std::move(startDirs);
    w.userDataDir = std::move(userDataDir);
    w.hfHubCache = env("HF_HUB_CACHE");
    if (w.hfHubCache.empty())
        w.hfHubCache = env("HUGGINGFACE_HUB_CACHE"); // huggingface_hub's older name, still honoured
    w.hfHome = env("HF_HOME");
    w.xdgCache = env("XDG_CACHE_HOME");
    w.ollamaModels = env("OLLAMA_MODELS");
    w.llamaCache = env("LLAMA_CACHE");
    return w;
}

std::string hfHubCacheDir(const StoreLocations &w) {
    if (!w.hfHubCache.empty())
        return w.hfHubCache;
    if (!w.hfHome.empty())
        return (fs::path(w.hfHome) / "hub").string();
    const fs::path cache = !w.xdgCache.empty() ? fs::path(w.xdgCache) : fs::path(w.home) / ".cache";
    return (cache / "huggingface" / "hub").string();
}

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

std::vector<SearchRoot> allSearchRoots(const StoreLocations &w) {
    std::vector<SearchRoot> roots = modelSearchRoots(w.attnscopeModelDir, w.startDirs, w.userDataDir);
    const fs::path home(w.home);
    const fs::path cache = !w.xdgCache.empty() ? fs::path(w.xdgCache) : home / ".cache";
    roots.push_back({hfHubCacheDir(w), "Hugging Face cache", StoreKind::HuggingFace});
    if (!w.ollamaModels.empty())
        roots.push_back({w.ollamaModels, "Ollama (OLLAMA_MODELS)", StoreKind::Ollama});
    if (!w.home.empty())
        roots.push_back({(home / ".ollama" / "models").string(), "Ollama", StoreKind::Ollama});
    roots.push_back({"/usr/share/ollama/.ollama/models", "Ollama (system service)", StoreKind::Ollama});
    if (!w.home.empty()) {
        roots.push_back({(home / ".lmstudio" / "models").string(), "LM Studio", StoreKind::LmStudio});
        roots.push_back({(home / ".cache" / "lm-studio" / "models").string(), "LM Studio", StoreKind::LmStudio});
    }
    if (!w.llamaCache.empty())
        roots.push_back({w.llamaCache, "llama.cpp cache (LLAMA_CACHE)", StoreKind::LlamaCpp});
    roots.push_back({(cache / "llama.cpp").string(), "llama.cpp cache", StoreKind::LlamaCpp});
    if (!w.home.empty() && cache != home / ".cache")
        roots.push_back({(home / ".cache" / "llama.cpp").string(), "llama.cpp cache", StoreKind::LlamaCpp});
    // One root per directory: OLLAMA_MODELS is often ~/.ollama/models itself.
    std::vector<SearchRoot> unique;
    std::set<std::string> dirs;
    std::error_code ec;
    for (SearchRoot &r : roots)
        if (dirs.insert(fs::weakly_canonical(r.dir, ec).string()).second)
            unique.push_back(std::move(r));
    return unique;
}

std::vector<ModelEntry> findModels(const std::vector<SearchRoot> &roots) {
    Scan scan;
    for (const SearchRoot &root : roots) {
        if (!isDir(root.dir))
            continue;
        switch (root.kind) {
        case StoreKind::Own: scan.own(root.dir, root); break;
        case StoreKind::HuggingFace: scan.huggingFace(root.dir, root); break;
        case StoreKind::Ollama: scan.ollama(root.dir, root); break;
        case StoreKind::LmStudio: scan.lmStudio(root.dir, root); break;
        case StoreKind::LlamaCpp: scan.llamaCpp(root.dir, root); break;
        }
    }
    return std::move(scan.found);
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
