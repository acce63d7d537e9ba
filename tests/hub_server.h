// A stand-in for the Hugging Face Hub's HTTP API, for tests only: an HTTP/1.1 server on 127.0.0.1 (ephemeral port)
// that a test starts in-process, fills with repos, and points the downloader at. It answers the routes the
// downloader uses (revision info, tree listings, resolve with LFS redirects to a CDN that honours Range) with the
// status codes and X-Error-Code headers huggingface.co sends, and can inject faults: a connection dropped mid-body,
// corrupted bytes under the true sha256, and a throttled transfer. POSIX sockets and std::thread; no Qt.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace testsupport {

// Every member has an initializer so that brace-initialising only the first few stays quiet under -Wextra
// (-Wmissing-field-initializers).
struct HubFile {
    std::string path{};    // relative to the repo root, '/'-separated: "config.json", "sub/dir/x.gguf"
    std::string content{}; // the bytes served
    bool lfs = false;      // served as the Hub serves LFS files: resolve redirects (302) to the CDN
};

struct HubRepo {
    std::string id{};     // "org/name"
    std::string commit{}; // 40 hex chars; the revision "main" resolves to
    std::vector<HubFile> files{};
    bool gated = false;  // api, tree and resolve need "Authorization: Bearer <token>"
    std::string token{}; // the Bearer token that grants access when gated
};

struct HubRequest {
    std::string method{};                         // "GET", "HEAD"
    std::string target{};                         // as sent, query included: "/org/name/resolve/main/a.bin"
    std::map<std::string, std::string> headers{}; // names lower-cased; a repeated header keeps its last value
};

class StandInHub {
public:
    // Binds 127.0.0.1 on an ephemeral port and starts accepting; throws std::runtime_error if it cannot.
    StandInHub();
    // Stops accepting, shuts every connection down (even one mid-transfer or throttled) and joins all threads.
    ~StandInHub();
    StandInHub(const StandInHub &) = delete;
    StandInHub &operator=(const StandInHub &) = delete;

    std::string endpoint() const; // "http://127.0.0.1:PORT", no trailing slash

    // Adds a repo, or replaces the one with the same id. Thread-safe, also while requests are being served.
    void addRepo(HubRepo repo);

    // Faults, keyed by repo id and file path; they apply to body transfers of that file (the resolve 200 of a
    // non-LFS file, the CDN response of an LFS file), never to HEAD.
    //
    // The next `times` body transfers send the full headers (full Content-Length) but only the first `bytes`
    // bytes of this response's body (with Range: counted from the range's start), then close the connection.
    // times <= 0 clears the fault.
    void dropAfter(const std::string &repo, const std::string &path, std::size_t bytes, int times = 1);
    // From now on serve the content with every byte flipped (same length), still advertising the true sha256/oid.
    void corrupt(const std::string &repo, const std::string &path);
    // Caps every body transfer at this rate; 0 = unlimited. Re-read as a transfer goes, so a test can slow one down
    // or, with 0, let one finish at full speed.
    void throttle(std::size_t bytesPerSecond);

    std::vector<HubRequest> requests() const; // every request received, in order of arrival
    void clearRequests();

    static std::string sha256Hex(const std::string &data);
    static std::string gitBlobSha1Hex(const std::string &data); // sha1 of "blob <len>\0" + data: a git/Hub oid

private:
    class Private;
    std::unique_ptr<Private> d;
};

} // namespace testsupport
