// Downloads from the Hugging Face Hub (or any server speaking its HTTP API) into huggingface_hub's cache layout —
// blobs/<etag>, snapshots/<commit>/<file> as relative symlinks, refs/<revision> — so that Python tools and AttnScope
// share one cache; or into a plain folder. Resumes partial files with Range requests, checks every LFS file's
// sha256, honours HF_TOKEN, HF_ENDPOINT and HF_HUB_OFFLINE as huggingface_hub does. HTTP through libcurl.
#pragma once

#include "attnscope/model_locator.h"
#include "attnscope/result.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace attnscope::hub {

struct HubSettings {
    std::string endpoint = "https://huggingface.co"; // no trailing slash
    std::string token;                                // sent as Authorization: Bearer; "" = anonymous
    std::string cacheDir;                             // the hub cache (…/huggingface/hub)
    std::string tokenFile;                            // where huggingface-cli login keeps the token
    bool offline = false;                             // HF_HUB_OFFLINE: no request at all
    long connectTimeoutSeconds = 15; // an unreachable hub is an error well within 20 s
    long stallSeconds = 15;          // a connection that sends nothing this long is given up (and a file resumed)
    int retries = 5;               // attempts after the first when a transfer drops
    double firstBackoffSeconds = 0.5; // doubled after each retry
    // HF_ENDPOINT, HF_TOKEN (else the file $HF_TOKEN_PATH or $HF_HOME/token), HF_HUB_OFFLINE, and the cache
    // directory of `where`.
    static HubSettings fromEnvironment(const StoreLocations &where);
};

struct DownloadRequest {
    std::string repo;                 // "org/name"
    std::string revision = "main";    // a branch, tag or commit
    std::vector<std::string> files;   // exact paths in the repo
    std::vector<std::string> include; // globs (fnmatch, `*` crosses `/` as in huggingface_hub); none + no files = all
    std::string localDir;             // plain files there instead of the cache
    bool force = false;               // download again even when present
};

struct DownloadProgress {
    std::string file;              // the repo path being downloaded
    int fileIndex = 0, fileCount = 0;
    std::uint64_t fileDone = 0, fileTotal = 0; // bytes of this file (total 0 when unknown)
    std::uint64_t done = 0, total = 0;         // bytes of the whole request
    double bytesPerSecond = 0;                 // over the last few seconds
};
// Called often during a download; returning false cancels (the partial file is kept for the next run).
using DownloadProgressFn = std::function<bool(const DownloadProgress &)>;

// What a repo holds at a revision, for choosing what to download.
struct RepoEntry {
    std::string path;
    std::uint64_t size = 0; // 0 when the hub did not say
    bool lfs = false;
};
struct RepoListing {
    std::string commit;
    std::vector<RepoEntry> files; // sorted by path
};
// `progress` is only asked whether to go on (returning false cancels).
Result<RepoListing> listFiles(const HubSettings &settings, const std::string &repo, const std::string &revision = "main",
                              const DownloadProgressFn &progress = {});

struct DownloadResult {
    std::string commit;
    std::string folder;               // the snapshot folder (cache) or the local dir
    std::vector<std::string> paths;   // every requested file's final path, in request order
    std::vector<std::string> notes;   // things worth telling (served from the cache because the hub was unreachable)
    std::uint64_t downloadedBytes = 0;
};

// Error::cancelled is set when progress returned false. Every other error is one sentence saying what to do.
Result<DownloadResult> download(const HubSettings &settings, const DownloadRequest &request,
                                const DownloadProgressFn &progress = {});

// The snapshot folder of `repo` at `revision` in the hub cache (refs/<revision> names its commit, or the revision is
// a commit); "" when the cache does not have it.
std::string cachedSnapshot(const std::string &cacheDir, const std::string &repo, const std::string &revision);

// Writes `token` to `path` (HubSettings::tokenFile: $HF_TOKEN_PATH, else $HF_HOME/token), owner-only and
// atomically, as huggingface-cli login does.
Status saveToken(const std::string &path, const std::string &token);

// A repo id as the Hub accepts it ("org/name" or "name"; letters, digits, '-', '_', '.'; no "--" or "..").
bool validRepoId(const std::string &repo);

// A path inside a repo that may become a path on disk (relative, no "..", no empty part), and a revision name.
bool validRepoPath(const std::string &path);
bool validRevision(const std::string &revision);

} // namespace attnscope::hub
