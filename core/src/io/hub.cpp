// The Hugging Face Hub client: the revision and tree APIs for the commit, file list, sizes and LFS sha256; file
// transfers that follow the Hub's redirects to its CDN, resume with Range after a dropped connection, retry with
// backoff and check what they received; and huggingface_hub's cache layout. Every name that comes from the server
// (a commit, a file path, an etag) is checked before it becomes part of a path on disk.
#include "attnscope/hub.h"
#include "io/json.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace attnscope::hub {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxApiResponse = 64u << 20; // a tree listing of a repo with many thousands of files

std::string env(const char *name) {
    const char *v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

std::string trim(std::string s) {
    const auto notSpace = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), notSpace));
    s.erase(std::find_if(s.rbegin(), s.rend(), notSpace).base(), s.end());
    return s;
}

std::string lower(std::string s) {
    for (char &c : s)
        c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

bool isHex(const std::string &s, std::size_t length) {
    return s.size() == length && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string humanBytes(std::uint64_t n) {
    char buf[32];
    if (n >= (1ull << 30))
        std::snprintf(buf, sizeof buf, "%.1f GB", double(n) / double(1ull << 30));
    else if (n >= (1ull << 20))
        std::snprintf(buf, sizeof buf, "%.1f MB", double(n) / double(1ull << 20));
    else
        std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(n));
    return buf;
}

} // namespace

// A path inside a repo as it may become a path on disk: relative, '/'-separated, no empty, "." or ".." part.
bool validRepoPath(const std::string &p) {
    if (p.empty() || p.size() > 1024 || p.front() == '/' || p.find('\\') != std::string::npos ||
        p.find('\0') != std::string::npos)
        return false;
    std::size_t start = 0;
    while (start <= p.size()) {
        const std::size_t end = std::min(p.find('/', start), p.size());
        const std::string part = p.substr(start, end - start);
        if (part.empty() || part == "." || part == "..")
            return false;
        start = end + 1;
    }
    return std::none_of(p.begin(), p.end(), [](unsigned char c) { return c < 0x20; });
}

namespace {

std::uint64_t sizeIfPresent(const fs::path &p) {
    std::error_code ec;
    const std::uintmax_t n = fs::file_size(p, ec);
    return ec ? 0 : n;
}

std::string percentEncode(const std::string &s, bool keepSlash) {
    static const char *hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/'))
            out += char(c);
        else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

// etags come quoted and sometimes weak: W/"abc" -> abc.
std::string normalizeEtag(std::string e) {
    e = trim(e);
    if (e.rfind("W/", 0) == 0)
        e = e.substr(2);
    if (e.size() >= 2 && e.front() == '"' && e.back() == '"')
        e = e.substr(1, e.size() - 2);
    return e;
}

// A digest through OpenSSL's EVP interface: sha256 for LFS files, sha1 for git's object ids.
class Digest {
public:
    explicit Digest(const EVP_MD *md) : m_md(md), m_ctx(EVP_MD_CTX_new()) { reset(); }
    ~Digest() { EVP_MD_CTX_free(m_ctx); }
    Digest(const Digest &) = delete;
    Digest &operator=(const Digest &) = delete;
    void reset() { EVP_DigestInit_ex(m_ctx, m_md, nullptr); }
    void update(const void *data, std::size_t n) { EVP_DigestUpdate(m_ctx, data, n); }
    std::string hex() {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        EVP_DigestFinal_ex(m_ctx, digest, &n);
        static const char *digits = "0123456789abcdef";
        std::string out;
        for (unsigned int i = 0; i < n; ++i) {
            out += digits[digest[i] >> 4];
            out += digits[digest[i] & 15];
        }
        return out;
    }
private:
    const EVP_MD *m_md;
    EVP_MD_CTX *m_ctx;
};

class Sha256 : public Digest {
public:
    Sha256() : Digest(EVP_sha256()) {}
};

void curlInitOnce() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

using Headers = std::map<std::string, std::string>; // lower-case names

struct Response {
    long status = 0;
    CURLcode code = CURLE_OK;
    std::string curlMessage;
    Headers headers;      // of the last response (after redirects)
    Headers firstHeaders; // of the first response (the Hub's, before a CDN redirect)
    bool connected = false; // a connection was made (a timeout after it is a stalled server, not an absent one)
    bool connectFailed() const {
        return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
               code == CURLE_COULDNT_RESOLVE_PROXY || (code == CURLE_OPERATION_TIMEDOUT && !connected);
    }
    bool redirected() const { return !firstHeaders.empty(); }
    std::string header(const std::string &name) const {
        const auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
    std::string anyHeader(const std::string &name) const {
        if (auto it = headers.find(name); it != headers.end())
            return it->second;
        const auto it = firstHeaders.find(name);
        return it == firstHeaders.end() ? std::string() : it->second;
    }
};

// One transfer: a request with its headers, the response headers of every hop, and the body to a sink.
class Transfer {
public:
    // The body as it arrives, with the status and headers of the answer it belongs to; false = stop.
    using Sink = std::function<bool(const char *data, std::size_t n, long status, const Headers &headers)>;

    Transfer(const HubSettings &s, const std::string &url) : m_settings(s), m_url(url) {}

    Response run(const Sink &sink, const std::string &range = {}, bool head = false, bool follow = true,
                 const std::function<bool()> &keepGoing = {}) {
        curlInitOnce();
        Response r;
        std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
        if (!curl) {
            r.code = CURLE_FAILED_INIT;
            r.curlMessage = "could not start libcurl";
            return r;
        }
        CURL *c = curl.get();
        struct curl_slist *headers = nullptr;
        if (!m_settings.token.empty())
            headers = curl_slist_append(headers, ("Authorization: Bearer " + m_settings.token).c_str());
        headers = curl_slist_append(headers, "Accept-Encoding: identity");
        std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headerList(headers, &curl_slist_free_all);
        char errorBuffer[CURL_ERROR_SIZE] = {0};
        State state{&r, &sink, &keepGoing, 0, true};
        curl_easy_setopt(c, CURLOPT_URL, m_url.c_str());
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "attnscope/1 (libcurl)");
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, follow ? 1L : 0L);
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, m_settings.connectTimeoutSeconds);
        // A connection that delivers nothing for a while is dead: fail it (a file transfer's retry resumes it).
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, m_settings.stallSeconds);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errorBuffer);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &Transfer::onHeader);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &state);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &Transfer::onBody);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &state);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &Transfer::onProgress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &state);
        if (head)
            curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        if (!range.empty())
            curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());
        r.code = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
        curl_off_t connectTime = 0;
        curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connectTime);
        r.connected = connectTime > 0;
        if (r.code != CURLE_OK)
            r.curlMessage = errorBuffer[0] ? errorBuffer : curl_easy_strerror(r.code);
        return r;
    }

private:
    struct State {
        Response *response;
        const Sink *sink;
        const std::function<bool()> *keepGoing;
        long status;
        bool firstHop;
    };

    static size_t onHeader(char *data, size_t size, size_t count, void *user) {
        auto *s = static_cast<State *>(user);
        const std::string line(data, size * count);
        if (line.rfind("HTTP/", 0) == 0) { // a new hop: keep the first hop's headers apart
            if (!s->response->headers.empty() && s->firstHop) {
                s->response->firstHeaders = s->response->headers;
                s->firstHop = false;
            }
            s->response->headers.clear();
            const std::size_t space = line.find(' ');
            s->status = space == std::string::npos ? 0 : std::atol(line.c_str() + space + 1);
            return size * count;
        }
        const std::size_t colon = line.find(':');
        if (colon != std::string::npos)
            s->response->headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
        return size * count;
    }

    static size_t onBody(char *data, size_t size, size_t count, void *user) {
        auto *s = static_cast<State *>(user);
        const std::size_t n = size * count;
        if (s->status >= 300 || !*s->sink) // an error page (or a redirect's body): the status says it all
            return n;
        return (*s->sink)(data, n, s->status, s->response->headers) ? n : 0;
    }

    static int onProgress(void *user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
        auto *s = static_cast<State *>(user);
        return (*s->keepGoing && !(*s->keepGoing)()) ? 1 : 0;
    }

    const HubSettings &m_settings;
    std::string m_url;
};

// What the tree API tells of one file.
struct RepoFile {
    std::string path;
    std::uint64_t size = 0;
    bool sizeKnown = false;
    std::string oid;    // git blob sha1
    std::string sha256; // LFS files
    bool lfs() const { return !sha256.empty(); }
    std::string etag() const { return lfs() ? sha256 : oid; }
};

// `Content-Range: bytes A-B/T` -> A (nullopt when absent or malformed).
std::optional<std::uint64_t> rangeStart(const std::string &contentRange) {
    const std::string prefix = "bytes ";
    if (contentRange.rfind(prefix, 0) != 0)
        return std::nullopt;
    const std::size_t dash = contentRange.find('-', prefix.size());
    const std::string digits = contentRange.substr(prefix.size(), dash == std::string::npos ? 0 : dash - prefix.size());
    if (digits.empty() || digits.size() > 19 || digits.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return std::stoull(digits);
}

// `Link: <https://…?cursor=…>; rel="next"` -> the next page's URL ("" when there is none).
std::string nextPage(const std::string &link) {
    std::size_t at = 0;
    while (at < link.size()) {
        const std::size_t open = link.find('<', at), close = link.find('>', open == std::string::npos ? at : open);
        if (open == std::string::npos || close == std::string::npos)
            return {};
        const std::size_t end = link.find(',', close);
        const std::string params = link.substr(close + 1, end == std::string::npos ? std::string::npos : end - close - 1);
        if (params.find("rel=\"next\"") != std::string::npos || params.find("rel=next") != std::string::npos)
            return link.substr(open + 1, close - open - 1);
        if (end == std::string::npos)
            return {};
        at = end + 1;
    }
    return {};
}

class Client {
public:
    Client(const HubSettings &s, const DownloadRequest &r, const DownloadProgressFn &p)
        : m_s(s), m_r(r), m_progress(p), m_pin(r.revision) {}

    Result<DownloadResult> run();
    Result<RepoListing> listing();

private:
    const HubSettings &m_s;
    const DownloadRequest &m_r;
    const DownloadProgressFn &m_progress;
    // The revision in every URL after the first: the commit the revision named, so that a branch that moves
    // during a long download cannot mix two commits in one snapshot (the name only for a server that knows no
    // commits).
    std::string m_pin;
    DownloadProgress m_state;
    std::uint64_t m_doneBefore = 0; // bytes of the files finished (or found in the cache) so far
    std::chrono::steady_clock::time_point m_lastReport{};
    std::deque<std::pair<std::chrono::steady_clock::time_point, std::uint64_t>> m_window;
    bool m_cancelled = false;

    std::string apiUrl(const std::string &what) const {
        return m_s.endpoint + "/api/models/" + m_r.repo + "/" + what;
    }
    std::string resolveUrl(const std::string &path) const {
        return m_s.endpoint + "/" + m_r.repo + "/resolve/" + percentEncode(m_pin, false) + "/" + percentEncode(path, true);
    }
    std::string repoPage() const { return m_s.endpoint + "/" + m_r.repo; }
    fs::path repoCache() const { return fs::path(m_s.cacheDir) / hfCacheFolderName(m_r.repo); }
    std::function<bool()> keepGoing() {
        return [this] { return report(); };
    }

    Error hubError(const Response &r, const std::string &what) const;
    Result<std::shared_ptr<const json::Document>> getJson(const std::string &url, const std::string &what,
                                                          Response *out);
    Result<std::string> revisionInfo(std::vector<std::string> &siblings, Response *response);
    Status checkRequest() const;
    Result<std::vector<RepoFile>> repoFiles(std::string &commit, Response *first);
    Status listTree(const std::string &dir, std::map<std::string, RepoFile> &files, int depth);
    Result<std::vector<RepoFile>> select(const std::vector<RepoFile> &all) const;
    Result<DownloadResult> fromCache(const std::string &why);
    Status headOf(RepoFile &f);
    // `linked` receives the sha256 the Hub's X-Linked-Etag named ("" when it named none).
    Status fetchFile(const RepoFile &file, const fs::path &partial, const fs::path &finalPath, std::string &linked);
    Status fetchOnce(const RepoFile &file, const fs::path &partial, Sha256 &hash, std::uint64_t &hashed,
                     bool &retryable, std::string &detail, std::string &linked);
    Status hashFile(const fs::path &path, Digest &digest, std::uint64_t limit = UINT64_MAX);
    bool report(bool force = false);
    // Sleeps `backoff` seconds, asking every 50 ms whether to go on, then doubles it; false when cancelled.
    bool waitBackoff(double &backoff);
    Status linkSnapshot(const fs::path &pointer, const fs::path &blob, std::size_t depth);
};

// The Hub's error for a response: not reachable, gated or private, not found, or the status.
Error Client::hubError(const Response &r, const std::string &what) const {
    const std::string code = r.anyHeader("x-error-code");
    const std::string said = r.anyHeader("x-error-message");
    if (r.connectFailed())
        return makeError("cannot reach " + m_s.endpoint + " (" + r.curlMessage +
                         "). Check the network connection, or set HF_HUB_OFFLINE=1 to use only files already in the "
                         "cache.");
    if (r.code == CURLE_OPERATION_TIMEDOUT)
        return makeError(what + ": " + m_s.endpoint + " stopped answering (nothing for " +
                         std::to_string(m_s.stallSeconds) + " s); try again later");
    if (r.code != CURLE_OK && r.status == 0)
        return makeError(what + ": the transfer from " + m_s.endpoint + " failed (" + r.curlMessage + ")");
    if (r.redirected() && r.status >= 400) // the Hub sent us on; the file server refused
        return makeError(what + ": the file server the Hub redirected to answered HTTP " + std::to_string(r.status) +
                         "; try again later");
    if (r.status == 401 && !m_s.token.empty() && code.empty())
        return makeError("the Hugging Face token sent (HF_TOKEN or " + m_s.tokenFile +
                         ") was refused: it is invalid or expired. Make a new one at "
                         "https://huggingface.co/settings/tokens and set HF_TOKEN to it.");
    if (code == "GatedRepo" || ((r.status == 401 || r.status == 403) && code != "RepoNotFound" &&
                                code != "EntryNotFound" && code != "RevisionNotFound"))
        return makeError(m_r.repo + " is gated or private: " +
                         (m_s.token.empty() ? std::string("no token was sent. ")
                                            : std::string("the token sent (HF_TOKEN) has no access. ")) +
                         "Accept the licence on " + repoPage() + " while logged in, then set HF_TOKEN to an access "
                         "token of that account (https://huggingface.co/settings/tokens) and run this again.");
    if (code == "RevisionNotFound")
        return makeError("revision \"" + m_r.revision + "\" not found in " + m_r.repo);
    if (code == "EntryNotFound")
        return makeError(what + " not found in " + m_r.repo + " at revision " + m_r.revision);
    if (code == "RepoNotFound" || r.status == 404 || r.status == 401)
        return makeError("repository " + m_r.repo + " not found on " + m_s.endpoint +
                         (m_s.token.empty() ? " (if it is private, set HF_TOKEN to a token with access)" : ""));
    return makeError(what + ": " + m_s.endpoint + " answered HTTP " + std::to_string(r.status) +
                     (said.empty() ? std::string() : " (" + said.substr(0, 200) + ")"));
}

// A JSON answer of the API, retried a few times when the Hub is briefly unwell (5xx, 429, a dropped answer); a
// hub that cannot be reached at all is reported at once.
Result<std::shared_ptr<const json::Document>> Client::getJson(const std::string &url, const std::string &what,
                                                              Response *out) {
    double backoff = m_s.firstBackoffSeconds;
    for (int attempt = 0;; ++attempt) {
        std::string body;
        bool tooLarge = false;
        Response r = Transfer(m_s, url).run(
            [&](const char *d, std::size_t n, long, const Headers &) {
                if (body.size() + n > kMaxApiResponse) {
                    tooLarge = true;
                    return false;
                }
                body.append(d, n);
                return true;
            },
            {}, false, true, keepGoing());
        if (m_cancelled)
            return cancelledError();
        if (out)
            *out = r;
        if (tooLarge)
            return makeError(what + ": the answer of " + m_s.endpoint + " is larger than 64 MB; not a Hub");
        if (r.code == CURLE_OK && r.status == 200)
            return json::Document::parse(body, what);
        const bool passing = (r.code == CURLE_OK && (r.status >= 500 || r.status == 429)) ||
                             r.code == CURLE_PARTIAL_FILE || r.code == CURLE_RECV_ERROR || r.code == CURLE_GOT_NOTHING;
        if (!passing || attempt >= 2)
            return hubError(r, what);
        if (!waitBackoff(backoff))
            return cancelledError();
    }
}

Result<std::string> Client::revisionInfo(std::vector<std::string> &siblings, Response *response) {
    auto doc = getJson(apiUrl("revision/" + percentEncode(m_r.revision, false)), m_r.repo, response);
    if (!doc)
        return doc.error();
    const json::Element root = doc.value()->root();
    const std::string sha(json::stringMember(root, "sha").value_or(""));
    if (!isHex(sha, 40) && !isHex(sha, 64))
        return makeError(m_r.repo + ": " + m_s.endpoint + " gave no valid commit for revision " + m_r.revision);
    if (const auto list = json::member(root, "siblings"))
        for (const json::Element &s : json::items(*list))
            if (const auto name = json::stringMember(s, "rfilename"))
                siblings.emplace_back(*name);
    return sha;
}

// One folder of the tree (its pages, then its sub-folders).
Status Client::listTree(const std::string &dir, std::map<std::string, RepoFile> &files, int depth) {
    if (depth > 32)
        return makeError(m_r.repo + ": folders nested deeper than 32 levels");
    std::string url = apiUrl("tree/" + percentEncode(m_pin, false));
    if (!dir.empty())
        url += "/" + percentEncode(dir, true);
    std::vector<std::string> folders;
    for (int page = 0; !url.empty(); ++page) {
        if (page > 10000)
            return makeError(m_r.repo + ": the file list has more than 10000 pages");
        Response r;
        auto doc = getJson(url, m_r.repo + " (file list)", &r);
        if (!doc)
            return doc.error();
        url = nextPage(r.header("link"));
        // Only the Hub's own pages: a Link elsewhere is not followed.
        if (url.rfind(m_s.endpoint + "/", 0) != 0)
            url.clear();
        for (const json::Element &e : json::items(doc.value()->root())) {
            const std::string type(json::stringMember(e, "type").value_or(""));
            const std::string path(json::stringMember(e, "path").value_or(""));
            if (!validRepoPath(path))
                continue; // never a path outside the download folder
            if (type == "directory") {
                folders.push_back(path);
                continue;
            }
            if (type != "file")
                continue;
            RepoFile f;
            f.path = path;
            if (const auto size = json::integerMember(e, "size"); size && *size >= 0) {
                f.size = std::uint64_t(*size);
                f.sizeKnown = true;
            }
            f.oid = lower(std::string(json::stringMember(e, "oid").value_or("")));
            if (const auto lfs = json::member(e, "lfs"); lfs && json::isObject(*lfs)) {
                f.sha256 = lower(std::string(json::stringMember(*lfs, "oid").value_or("")));
                if (f.sha256.rfind("sha256:", 0) == 0)
                    f.sha256 = f.sha256.substr(7);
                if (!isHex(f.sha256, 64))
                    f.sha256.clear();
                if (const auto size = json::integerMember(*lfs, "size"); size && *size >= 0) {
                    f.size = std::uint64_t(*size);
                    f.sizeKnown = true;
                }
            }
            if (!isHex(f.oid, 40) && !isHex(f.oid, 64))
                f.oid.clear();
            files[path] = f;
        }
    }
    for (const std::string &folder : folders)
        if (auto sub = listTree(folder, files, depth + 1); !sub)
            return sub;
    return Ok{};
}

Result<std::vector<RepoFile>> Client::select(const std::vector<RepoFile> &all) const {
    if (m_r.files.empty() && m_r.include.empty())
        return all;
    std::vector<RepoFile> chosen;
    std::set<std::string> taken;
    for (const std::string &want : m_r.files) {
        const auto it = std::find_if(all.begin(), all.end(), [&](const RepoFile &f) { return f.path == want; });
        if (it == all.end())
            return makeError(want + " not found in " + m_r.repo + " at revision " + m_r.revision);
        if (taken.insert(want).second)
            chosen.push_back(*it);
    }
    for (const std::string &glob : m_r.include) {
        bool any = false;
        for (const RepoFile &f : all)
            if (fnmatch(glob.c_str(), f.path.c_str(), 0) == 0) {
                any = true;
                if (taken.insert(f.path).second)
                    chosen.push_back(f);
            }
        if (!any)
            return makeError("no file of " + m_r.repo + " at revision " + m_r.revision + " matches --include " + glob +
                             " (not found)");
    }
    return chosen;
}

// Offline, or the hub could not be reached: what the cache (or the local folder) already has.
Result<DownloadResult> Client::fromCache(const std::string &why) {
    DownloadResult result;
    fs::path folder;
    std::error_code ec;
    if (!m_r.localDir.empty()) {
        folder = m_r.localDir;
    } else {
        folder = cachedSnapshot(m_s.cacheDir, m_r.repo, m_r.revision);
        if (folder.empty())
            return makeError(why + ", and " + m_r.repo + " (revision " + m_r.revision + ") is not in the cache " +
                             m_s.cacheDir + (m_s.offline ? "; unset HF_HUB_OFFLINE to download it." : "."));
        result.commit = folder.filename().string();
    }
    result.folder = folder.string();
    std::vector<RepoFile> present;
    for (fs::recursive_directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string rel = it->path().lexically_relative(folder).generic_string(); // not through the links
        if (rel.rfind(".cache", 0) == 0 || !fs::is_regular_file(it->path(), ec)) // follows the snapshot's links
            continue;
        RepoFile f;
        f.path = rel;
        present.push_back(f);
    }
    std::sort(present.begin(), present.end(), [](const RepoFile &a, const RepoFile &b) { return a.path < b.path; });
    auto chosen = select(present);
    if (!chosen)
        return makeError(why + ", and " + chosen.error().message + " in the cache " + folder.string() + ".");
    if (chosen.value().empty())
        return makeError(why + ", and the cached " + m_r.repo + " has no files.");
    for (const RepoFile &f : chosen.value())
        result.paths.push_back((folder / f.path).string());
    return result;
}

bool Client::report(bool force) {
    if (m_cancelled)
        return false;
    if (!m_progress)
        return true;
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - m_lastReport < std::chrono::milliseconds(100))
        return true;
    m_lastReport = now;
    if (!m_window.empty() && m_window.back().second > m_state.done)
        m_window.clear(); // counted again from a restart: the rate starts over
    m_window.emplace_back(now, m_state.done);
    while (m_window.size() > 2 && now - m_window.front().first > std::chrono::seconds(5))
        m_window.pop_front();
    const double seconds = std::chrono::duration<double>(now - m_window.front().first).count();
    m_state.bytesPerSecond = seconds > 0.2 ? double(m_state.done - m_window.front().second) / seconds : 0;
    if (!m_progress(m_state))
        m_cancelled = true;
    return !m_cancelled;
}

bool Client::waitBackoff(double &backoff) {
    for (double waited = 0; waited < backoff; waited += 0.05) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (!report(true))
            return false;
    }
    backoff *= 2;
    return true;
}

// A file's first `limit` bytes into `digest`, a megabyte at a time, asking between them whether to go on.
Status Client::hashFile(const fs::path &path, Digest &digest, std::uint64_t limit) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return makeError("cannot read " + path.string());
    std::vector<char> buf(1 << 20);
    std::uint64_t left = limit;
    while (in && left > 0) {
        in.read(buf.data(), std::streamsize(std::min<std::uint64_t>(buf.size(), left)));
        digest.update(buf.data(), std::size_t(in.gcount()));
        left -= std::uint64_t(in.gcount());
        if (!report())
            return cancelledError();
    }
    return Ok{};
}

// One GET of the file into `partial`, from where it stops: appends on 206; on 200 (a server that ignores Range)
// the bytes already kept are skipped rather than written again. `hashed` says how much of `partial` `hash` holds.
Status Client::fetchOnce(const RepoFile &file, const fs::path &partial, Sha256 &hash, std::uint64_t &hashed,
                         bool &retryable, std::string &detail, std::string &linked) {
    std::error_code ec;
    std::uint64_t have = sizeIfPresent(partial);
    if (file.sizeKnown && have > file.size) { // not the bytes of this file: start over
        fs::resize_file(partial, 0, ec);
        have = 0;
    }
    if (hashed != have || have == 0) { // a partial file from an earlier run, or none: the sha256 starts from it
        hash.reset();
        hashed = 0;
        if (have > 0) {
            if (auto read = hashFile(partial, hash, have); !read)
                return read;
            hashed = have;
        }
    }
    m_state.fileDone = have;
    m_state.done = m_doneBefore + have;
    if (file.sizeKnown && have == file.size && have > 0)
        return Ok{};
    std::FILE *out = std::fopen(partial.c_str(), "ab");
    if (!out)
        return makeError("cannot write " + partial.string() + ": " + std::strerror(errno));
    bool writeFailed = false, oversize = false, badRange = false, started = false;
    std::uint64_t skip = 0; // bytes of a 200 answer that the partial file already holds
    Response r = Transfer(m_s, resolveUrl(file.path))
                     .run(
                         [&](const char *d, std::size_t n, long status, const Headers &headers) {
                             if (!started) {
                                 started = true;
                                 if (status == 200) {
                                     skip = have;
                                 } else if (status == 206) {
                                     const auto it = headers.find("content-range");
                                     if (it == headers.end() || rangeStart(it->second) != have)
                                         return !(badRange = true);
                                 }
                             }
                             if (skip > 0) {
                                 const std::size_t drop = std::size_t(std::min<std::uint64_t>(skip, n));
                                 skip -= drop;
                                 d += drop;
                                 n -= drop;
                                 if (n == 0)
                                     return report();
                             }
                             if (file.sizeKnown && have + n > file.size) // never more than listed: disks are finite
                                 return !(oversize = true);
                             if (std::fwrite(d, 1, n, out) != n)
                                 return !(writeFailed = true);
                             hash.update(d, n);
                             have += n;
                             hashed = have;
                             m_state.fileDone = have;
                             m_state.done = m_doneBefore + have;
                             return report();
                         },
                         have > 0 ? std::to_string(have) + "-" : std::string(), false, true, keepGoing());
    const bool closed = std::fclose(out) == 0;
    if (const std::string e = lower(normalizeEtag(r.anyHeader("x-linked-etag"))); isHex(e, 64))
        linked = e;
    if (m_cancelled)
        return cancelledError();
    if (oversize) {
        fs::remove(partial, ec);
        hashed = 0;
        return makeError(file.path + ": the server sent more than the " + std::to_string(file.size) +
                         " bytes the Hub lists; the data was deleted");
    }
    if (writeFailed || !closed)
        return makeError("cannot write " + partial.string() + " (" + std::strerror(errno) + "); is the disk full?");
    if (badRange || r.status == 416) {
        if (r.status == 416 && file.sizeKnown && have == file.size)
            return Ok{};
        // The server's idea of the partial file differs from ours: start the file over.
        fs::remove(partial, ec);
        hashed = 0;
        retryable = true;
        detail = badRange ? "the server resumed at another byte" : "the server refused to resume (HTTP 416)";
        return makeError(detail);
    }
    if (r.code == CURLE_OK && r.status == 404 && !r.redirected() && m_pin != m_r.revision) {
        m_pin = m_r.revision; // a server that knows the revision's name but not its commit
        return fetchOnce(file, partial, hash, hashed, retryable, detail, linked);
    }
    if (r.code == CURLE_OK && (r.status == 200 || r.status == 206)) {
        if (file.sizeKnown && have != file.size) {
            retryable = true;
            detail = "received " + std::to_string(have) + " of " + std::to_string(file.size) + " bytes";
            return makeError(detail);
        }
        return Ok{};
    }
    // Dropped connections, timeouts, a network that is briefly gone and the server's passing troubles are worth
    // another try (with backoff); the rest is final.
    retryable = r.code == CURLE_PARTIAL_FILE || r.code == CURLE_RECV_ERROR || r.code == CURLE_SEND_ERROR ||
                r.code == CURLE_GOT_NOTHING || r.code == CURLE_OPERATION_TIMEDOUT || r.code == CURLE_COULDNT_CONNECT ||
                r.code == CURLE_COULDNT_RESOLVE_HOST || r.code == CURLE_SSL_CONNECT_ERROR || r.code == CURLE_HTTP2 ||
                r.code == CURLE_HTTP2_STREAM || (r.code == CURLE_OK && r.status >= 500) || r.status == 429;
    detail = r.code != CURLE_OK ? r.curlMessage : "HTTP " + std::to_string(r.status);
    if (!retryable)
        return hubError(r, file.path);
    return makeError(detail);
}

Status Client::fetchFile(const RepoFile &file, const fs::path &partial, const fs::path &finalPath, std::string &linked) {
    std::error_code ec;
    fs::create_directories(partial.parent_path(), ec);
    if (m_r.force)
        fs::remove(partial, ec);
    Sha256 hash;
    std::uint64_t hashed = UINT64_MAX; // nothing hashed yet: the first attempt reads what a partial file holds
    double backoff = m_s.firstBackoffSeconds;
    for (int attempt = 0;; ++attempt) {
        bool retryable = false;
        std::string detail;
        const std::uint64_t before = sizeIfPresent(partial);
        Status got = fetchOnce(file, partial, hash, hashed, retryable, detail, linked);
        if (got)
            break;
        if (got.error().cancelled || !retryable)
            return got;
        const std::uint64_t after = sizeIfPresent(partial);
        if (after > before) { // progress was made: the retries count again from the start
            attempt = 0;
            backoff = m_s.firstBackoffSeconds;
        }
        if (attempt >= m_s.retries)
            return makeError(file.path + ": the download broke off " + std::to_string(attempt + 1) + " times (" + detail +
                             "); " + humanBytes(after) + " are kept in " + partial.string() +
                             " and the next run resumes from there");
        if (!waitBackoff(backoff))
            return cancelledError();
    }
    // What arrived must be what the Hub promised.
    const std::uint64_t got = fs::file_size(partial, ec);
    if (file.sizeKnown && got != file.size) {
        fs::remove(partial, ec);
        return makeError(file.path + ": received " + std::to_string(got) + " bytes but the Hub lists " +
                         std::to_string(file.size) + "; the data was deleted, run again to download it anew");
    }
    // The tree's lfs.oid and the X-Linked-Etag of the answer both name the sha256; the bytes must match each.
    if (file.lfs() || !linked.empty()) {
        const std::string actual = hash.hex();
        for (const std::string &expected : {file.sha256, linked})
            if (!expected.empty() && actual != expected) {
                fs::remove(partial, ec);
                return makeError(file.path + ": the downloaded bytes do not match the Hub's sha256 (expected " +
                                 expected + ", got " + actual + "); the data was deleted and nothing was saved as " +
                                 finalPath.filename().string() + ". Run again to download it anew.");
            }
    }
    fs::create_directories(finalPath.parent_path(), ec);
    fs::rename(partial, finalPath, ec);
    if (ec)
        return makeError("cannot move " + partial.string() + " to " + finalPath.string() + ": " + ec.message());
    return Ok{};
}

// snapshots/<commit>/<path> -> ../../blobs/<etag> (one more ../ per folder of the path), replacing what is there.
Status Client::linkSnapshot(const fs::path &pointer, const fs::path &blob, std::size_t depth) {
    std::error_code ec;
    fs::create_directories(pointer.parent_path(), ec);
    std::string target;
    for (std::size_t i = 0; i < depth + 2; ++i)
        target += "../";
    target += "blobs/" + blob.filename().string();
    const fs::path temp = pointer.string() + ".attnscope-link";
    fs::remove(temp, ec);
    fs::create_symlink(target, temp, ec);
    if (!ec)
        fs::rename(temp, pointer, ec);
    if (ec) { // a file system without symlinks: a copy, as huggingface_hub does on Windows
        fs::remove(temp, ec);
        ec.clear();
        fs::copy_file(blob, pointer, fs::copy_options::overwrite_existing, ec);
        if (ec)
            return makeError("cannot create " + pointer.string() + ": " + ec.message());
    }
    return Ok{};
}

// A lock per blob, the same file huggingface_hub's filelock takes, so that two downloaders never write one blob.
class BlobLock {
public:
    explicit BlobLock(const fs::path &path) {
        std::error_code ec;
        fs::create_directories(path.parent_path(), ec);
        m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        m_locked = m_fd >= 0 && ::flock(m_fd, LOCK_EX | LOCK_NB) == 0;
    }
    ~BlobLock() {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    bool busy() const { return m_fd >= 0 && !m_locked; }

private:
    int m_fd = -1;
    bool m_locked = false;
};

Status Client::checkRequest() const {
    if (!validRepoId(m_r.repo))
        return makeError("\"" + m_r.repo + "\" is not a repository id (expected org/name, e.g. Qwen/Qwen3-0.6B-GGUF)");
    if (!validRevision(m_r.revision))
        return makeError("\"" + m_r.revision + "\" is not a revision (a branch, tag or commit)");
    for (const std::string &f : m_r.files)
        if (!validRepoPath(f))
            return makeError("\"" + f + "\" is not a file path inside a repository");
    return Ok{};
}

// The commit and every file with what the tree API tells of it (names only where a server has no tree API).
Result<std::vector<RepoFile>> Client::repoFiles(std::string &commitOut, Response *first) {
    std::vector<std::string> siblings;
    auto commit = revisionInfo(siblings, first);
    if (!commit)
        return commit.error();
    commitOut = commit.value();
    m_pin = commitOut;
    std::map<std::string, RepoFile> listed;
    if (auto tree = listTree("", listed, 0); !tree) {
        if (tree.error().cancelled)
            return tree.error();
        // A server that knows the revision's name but not its commit: the name it is (unpinned).
        const bool unknownCommit = tree.error().message.find("not found") != std::string::npos;
        listed.clear();
        if (unknownCommit && m_pin != m_r.revision) {
            m_pin = m_r.revision;
            if (auto byName = listTree("", listed, 0); !byName) {
                if (byName.error().cancelled)
                    return byName.error();
                listed.clear(); // no tree API: names from the revision, sizes and etags from each file's HEAD
            }
        } else if (!unknownCommit) {
            return tree.error();
        }
    }
    std::vector<RepoFile> all;
    std::set<std::string> names;
    for (const std::string &name : siblings) {
        if (!validRepoPath(name) || !names.insert(name).second)
            continue;
        RepoFile f;
        f.path = name;
        const auto it = listed.find(name);
        all.push_back(it != listed.end() ? it->second : f);
    }
    for (const auto &[name, f] : listed)
        if (names.insert(name).second)
            all.push_back(f);
    return all;
}

Result<RepoListing> Client::listing() {
    if (auto ok = checkRequest(); !ok)
        return ok.error();
    if (m_s.offline)
        return makeError("HF_HUB_OFFLINE is set: no network requests, so " + m_r.repo + " cannot be looked up");
    RepoListing out;
    auto all = repoFiles(out.commit, nullptr);
    if (!all)
        return all.error();
    for (const RepoFile &f : all.value())
        out.files.push_back({f.path, f.size, f.lfs()});
    std::sort(out.files.begin(), out.files.end(), [](const RepoEntry &a, const RepoEntry &b) { return a.path < b.path; });
    return out;
}

// The size and etag of a file the tree did not describe: a HEAD of resolve (the Hub's answer, before its redirect).
Status Client::headOf(RepoFile &f) {
    Response head = Transfer(m_s, resolveUrl(f.path)).run({}, {}, true, false, keepGoing());
    if (m_cancelled)
        return cancelledError();
    if (head.code == CURLE_OK && head.status == 404 && m_pin != m_r.revision) { // a server that knows names only
        m_pin = m_r.revision;
        return headOf(f);
    }
    bool ranged = false;
    if (head.code == CURLE_OK && (head.status == 405 || head.status == 501)) { // a server without HEAD: one byte
        head = Transfer(m_s, resolveUrl(f.path))
                   .run([](const char *, std::size_t, long, const Headers &) { return true; }, "0-0", false, false,
                        keepGoing());
        if (m_cancelled)
            return cancelledError();
        ranged = head.status == 206;
    }
    if (head.code != CURLE_OK || (head.status != 200 && head.status != 206 && (head.status < 300 || head.status >= 400)))
        return hubError(head, f.path);
    const std::string linked = lower(normalizeEtag(head.header("x-linked-etag")));
    if (isHex(linked, 64))
        f.sha256 = linked;
    if (f.oid.empty())
        f.oid = lower(normalizeEtag(head.header("etag")));
    std::string size = head.header(f.lfs() ? "x-linked-size" : "content-length");
    if (ranged && !f.lfs()) { // bytes 0-0/<total>
        const std::string range = head.header("content-range");
        const std::size_t slash = range.rfind('/');
        size = slash == std::string::npos ? std::string() : range.substr(slash + 1);
    }
    if (!size.empty() && size.find_first_not_of("0123456789") == std::string::npos && size.size() < 20) {
        f.size = std::stoull(size);
        f.sizeKnown = true;
    }
    if (f.etag().empty() || f.etag().find_first_of("/\\") != std::string::npos || f.etag().size() > 128 ||
        f.etag().find("..") != std::string::npos || f.etag().front() == '.')
        return makeError(f.path + ": " + m_s.endpoint + " gave no usable etag for the file");
    return Ok{};
}

Result<DownloadResult> Client::run() {
    if (auto ok = checkRequest(); !ok)
        return ok.error();
    if (m_r.localDir.empty() && m_s.cacheDir.empty())
        return makeError("no cache directory: set HF_HUB_CACHE or HF_HOME, or pass --dir");

    if (m_s.offline)
        return fromCache("HF_HUB_OFFLINE is set (no network requests)");

    Response first;
    std::string commit;
    auto all = repoFiles(commit, &first);
    if (!all) {
        if (first.connectFailed()) { // huggingface_hub's behaviour: the cache serves when the hub cannot
            auto cached = fromCache("cannot reach " + m_s.endpoint + " (" + first.curlMessage + ")");
            if (cached) {
                cached.value().notes.push_back("cannot reach " + m_s.endpoint + "; using the files already in the cache");
                return cached;
            }
        }
        return all.error();
    }
    auto chosen = select(all.value());
    if (!chosen)
        return chosen.error();
    if (chosen.value().empty())
        return makeError(m_r.repo + " has no files at revision " + m_r.revision);

    DownloadResult result;
    result.commit = commit;
    const bool toCache = m_r.localDir.empty();
    const fs::path folder = toCache ? repoCache() / "snapshots" / result.commit : fs::path(m_r.localDir);
    result.folder = folder.string();

    for (RepoFile &f : chosen.value())
        if (f.etag().empty() || !f.sizeKnown)
            if (auto known = headOf(f); !known)
                return known.error();

    // Nothing is started when the disk cannot hold what is missing.
    std::uint64_t missing = 0;
    std::error_code ec;
    for (const RepoFile &f : chosen.value())
        m_state.total += f.size;
    for (const RepoFile &f : chosen.value()) {
        const fs::path blob = toCache ? repoCache() / "blobs" / f.etag() : folder / f.path;
        if (m_r.force || !fs::exists(blob, ec))
            missing += f.size;
    }
    fs::create_directories(toCache ? repoCache() : folder, ec);
    if (ec)
        return makeError("cannot create " + (toCache ? repoCache() : folder).string() + ": " + ec.message());
    if (const fs::space_info space = fs::space(toCache ? repoCache() : folder, ec); !ec && space.available < missing)
        return makeError("not enough disk space: the download needs " + humanBytes(missing) + " but " +
                         humanBytes(space.available) + " are free in " + (toCache ? repoCache() : folder).string() +
                         "; free some space, or download to a larger disk (HF_HUB_CACHE, or --dir)");

    m_state.fileCount = int(chosen.value().size());
    for (const RepoFile &f : chosen.value()) {
        m_state.file = f.path;
        m_state.fileTotal = f.size;
        m_state.fileDone = 0;
        const fs::path finalPath = folder / f.path;
        if (toCache) {
            fs::path blob = repoCache() / "blobs" / f.etag();
            const auto present = [&] {
                return fs::is_regular_file(blob, ec) && (!f.sizeKnown || fs::file_size(blob, ec) == f.size);
            };
            if (!present() || m_r.force) {
                BlobLock lock(fs::path(m_s.cacheDir) / ".locks" / hfCacheFolderName(m_r.repo) / (f.etag() + ".lock"));
                if (lock.busy())
                    return makeError(f.path + " is being downloaded into the cache by another program right now; "
                                              "run this again when it is done");
                if (!present() || m_r.force) { // the other program may have finished it while we waited
                    std::string linked;
                    if (auto got = fetchFile(f, fs::path(blob.string() + ".incomplete"), blob, linked); !got)
                        return got.error();
                    result.downloadedBytes += f.size;
                    if (!linked.empty() && linked != f.etag()) { // an LFS file the tree did not say was one
                        const fs::path named = repoCache() / "blobs" / linked;
                        fs::rename(blob, named, ec);
                        if (ec)
                            return makeError("cannot move " + blob.string() + " to " + named.string() + ": " +
                                             ec.message());
                        blob = named;
                    }
                }
            }
            const std::size_t depth = std::count(f.path.begin(), f.path.end(), '/');
            if (auto linked = linkSnapshot(finalPath, blob, depth); !linked)
                return linked.error();
        } else {
            bool same = false;
            if (fs::is_regular_file(finalPath, ec) && !m_r.force) {
                std::string actual;
                if (f.lfs()) {
                    Sha256 sha;
                    if (auto read = hashFile(finalPath, sha); !read)
                        return read.error();
                    actual = sha.hex();
                } else if (!f.oid.empty()) {
                    Digest sha1(EVP_sha1());
                    const std::string header = "blob " + std::to_string(fs::file_size(finalPath, ec)) + std::string(1, '\0');
                    sha1.update(header.data(), header.size());
                    if (auto read = hashFile(finalPath, sha1); !read)
                        return read.error();
                    actual = sha1.hex();
                }
                same = !actual.empty() && actual == (f.lfs() ? f.sha256 : f.oid);
                if (!same)
                    return makeError(finalPath.string() + " exists and differs from the Hub's " + f.path +
                                     "; pass --force to replace it");
            }
            if (!same) {
                const fs::path partial = folder / ".cache" / "huggingface" / "download" / (f.path + ".incomplete");
                std::string linked;
                if (auto got = fetchFile(f, partial, finalPath, linked); !got)
                    return got.error();
                result.downloadedBytes += f.size;
            }
        }
        m_doneBefore += f.size;
        m_state.done = m_doneBefore;
        m_state.fileDone = f.size;
        ++m_state.fileIndex;
        result.paths.push_back(finalPath.string());
        if (!report())
            return cancelledError();
    }
    if (toCache && m_r.revision != result.commit) {
        const fs::path ref = repoCache() / "refs" / m_r.revision;
        fs::create_directories(ref.parent_path(), ec);
        const fs::path temp = ref.string() + ".attnscope-" + std::to_string(::getpid());
        bool written = false;
        {
            std::ofstream out(temp, std::ios::trunc);
            out << result.commit; // huggingface_hub writes the bare commit, no newline
            out.flush();
            written = out.good();
        }
        if (written)
            fs::rename(temp, ref, ec);
        if (!written || ec) {
            fs::remove(temp, ec);
            return makeError("cannot write " + ref.string() + (written ? ": " + ec.message() : "; is the disk full?"));
        }
    }
    m_state.file.clear();
    report(true);
    return result;
}

} // namespace

namespace {

// $HF_TOKEN_PATH, else $HF_HOME/token (~/.cache/huggingface/token): the file huggingface-cli login writes.
std::string tokenFilePath(const StoreLocations &where) {
    if (const std::string path = env("HF_TOKEN_PATH"); !path.empty())
        return path;
    const fs::path hfHome = !where.hfHome.empty()     ? fs::path(where.hfHome)
                            : !where.xdgCache.empty() ? fs::path(where.xdgCache) / "huggingface"
                                                      : fs::path(where.home) / ".cache" / "huggingface";
    return (hfHome / "token").string();
}

} // namespace

HubSettings HubSettings::fromEnvironment(const StoreLocations &where) {
    HubSettings s;
    std::string endpoint = env("HF_ENDPOINT");
    while (!endpoint.empty() && endpoint.back() == '/')
        endpoint.pop_back();
    if (!endpoint.empty())
        s.endpoint = endpoint;
    s.token = trim(env("HF_TOKEN"));
    if (s.token.empty())
        s.token = trim(env("HUGGING_FACE_HUB_TOKEN")); // the older name huggingface_hub still reads
    s.tokenFile = tokenFilePath(where);
    if (s.token.empty()) {
        std::ifstream in(s.tokenFile);
        std::string line;
        if (in && std::getline(in, line) && line.size() < 4096)
            s.token = trim(line);
    }
    const std::string offline = lower(trim(env("HF_HUB_OFFLINE")));
    s.offline = offline == "1" || offline == "on" || offline == "yes" || offline == "true";
    s.cacheDir = hfHubCacheDir(where);
    return s;
}

Status saveToken(const std::string &path, const std::string &token) {
    const std::string t = trim(token);
    if (t.empty() || t.size() > 1024 || std::any_of(t.begin(), t.end(), [](unsigned char c) { return c <= 0x20 || c >= 0x7f; }))
        return makeError("that is not an access token (copy it from https://huggingface.co/settings/tokens)");
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    const std::string temp = path + ".attnscope-" + std::to_string(::getpid());
    // Readable by its owner only, as huggingface-cli login leaves it.
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return makeError("cannot write " + temp + ": " + std::strerror(errno));
    const bool written = ::write(fd, t.data(), t.size()) == ssize_t(t.size());
    const bool closed = ::close(fd) == 0;
    if (!written || !closed || std::rename(temp.c_str(), path.c_str()) != 0) {
        ::unlink(temp.c_str());
        return makeError("cannot write " + path + ": " + std::strerror(errno));
    }
    return Ok{};
}

std::string cachedSnapshot(const std::string &cacheDir, const std::string &repo, const std::string &revision) {
    if (!validRepoId(repo) || !validRevision(revision))
        return {};
    const fs::path repoDir = fs::path(cacheDir) / hfCacheFolderName(repo);
    std::string commit;
    std::ifstream ref(repoDir / "refs" / revision);
    if (ref && std::getline(ref, commit))
        commit = trim(commit);
    else if (isHex(revision, 40))
        commit = revision;
    std::error_code ec;
    if ((!isHex(commit, 40) && !isHex(commit, 64)) || !fs::is_directory(repoDir / "snapshots" / commit, ec))
        return {};
    return (repoDir / "snapshots" / commit).string();
}

bool validRevision(const std::string &r) {
    return !r.empty() && r.size() <= 256 && r.find("..") == std::string::npos && r.front() != '/' &&
           std::none_of(r.begin(), r.end(), [](unsigned char c) { return c < 0x21 || c == '\\' || c == 0x7f; });
}

bool validRepoId(const std::string &repo) {
    if (repo.empty() || repo.size() > 96 || repo.find("--") != std::string::npos || repo.find("..") != std::string::npos)
        return false;
    const std::size_t slash = repo.find('/');
    if (slash != repo.rfind('/') || slash == 0 || slash + 1 == repo.size())
        return false;
    for (std::size_t i = 0; i < repo.size(); ++i) {
        const unsigned char c = repo[i];
        if (i == slash)
            continue;
        if (!std::isalnum(c) && c != '-' && c != '_' && c != '.')
            return false;
    }
    const auto edge = [](char c) { return c == '-' || c == '.'; };
    return !edge(repo.front()) && !edge(repo.back());
}

Result<RepoListing> listFiles(const HubSettings &settings, const std::string &repo, const std::string &revision,
                              const DownloadProgressFn &progress) {
    try {
        DownloadRequest request;
        request.repo = repo;
        request.revision = revision;
        Client client(settings, request, progress);
        return client.listing();
    } catch (const std::exception &e) {
        return makeError(repo + ": listing failed: " + e.what());
    }
}

Result<DownloadResult> download(const HubSettings &settings, const DownloadRequest &request,
                                const DownloadProgressFn &progress) {
    try {
        Client client(settings, request, progress);
        return client.run();
    } catch (const std::exception &e) { // std::filesystem and allocation failures: one message, never a crash
        return makeError(request.repo + ": download failed: " + e.what());
    }
}

} // namespace attnscope::hub
