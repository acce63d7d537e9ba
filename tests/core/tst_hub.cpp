// Downloads from a stand-in Hub on 127.0.0.1: huggingface_hub's cache layout, file selection, resume after a dropped
// connection (in the same run and the next), refusal of bytes that do not match their sha256, gated repos and
// tokens, 404s, offline mode, an unreachable hub, plain-folder downloads and cancelling.
#include "hub_server.h"
#include "test_support.h"

#include <attnscope/hub.h>

#include <QtTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

using namespace attnscope;
namespace fs = std::filesystem;

namespace {

const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";

std::string bytes(std::size_t n, unsigned seed) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) {
        seed = seed * 1103515245u + 12345u;
        s[i] = char(seed >> 16);
    }
    return s;
}

std::string readAll(const fs::path &p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

int countRequests(const testsupport::StandInHub &hub, const std::string &prefix, const char *method = "GET") {
    int n = 0;
    for (const testsupport::HubRequest &r : hub.requests())
        if (r.method == method && r.target.rfind(prefix, 0) == 0)
            ++n;
    return n;
}

// A hub that lies: each request (its line and headers, "GET /api/... HTTP/1.1\r\n...") is answered with whatever
// raw HTTP the test scripts, one request per connection. For what the well-behaved stand-in never sends: paths that climb out of the cache, a
// commit that is no commit, more bytes than listed.
class ScriptedHub {
public:
    explicit ScriptedHub(std::function<std::string(const std::string &)> answer) : m_answer(std::move(answer)) {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(m_fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
        socklen_t len = sizeof a;
        ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&a), &len);
        m_port = ntohs(a.sin_port);
        ::listen(m_fd, 16);
        m_thread = std::thread([this] {
            for (;;) {
                const int c = ::accept(m_fd, nullptr, nullptr);
                if (c < 0 || m_stop)
                    break;
                std::string request;
                char buf[4096];
                while (request.find("\r\n\r\n") == std::string::npos) {
                    const ssize_t n = ::recv(c, buf, sizeof buf, 0);
                    if (n <= 0)
                        break;
                    request.append(buf, std::size_t(n));
                }
                const std::string reply = m_answer(request.substr(0, request.find("\r\n\r\n")));
                ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
                ::close(c);
            }
        });
    }
    ~ScriptedHub() {
        m_stop = true;
        ::shutdown(m_fd, SHUT_RDWR);
        ::close(m_fd);
        m_thread.join();
    }
    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(m_port); }
    static std::string ok(const std::string &body, const std::string &headers = {}) {
        return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + headers +
               "Connection: close\r\n\r\n" + body;
    }

private:
    std::function<std::string(const std::string &)> m_answer;
    int m_fd = -1;
    int m_port = 0;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

} // namespace

class TestHub : public QObject {
    Q_OBJECT
private slots:
    void init();
    void cacheLayoutSharedWithHuggingfaceHub();
    void filesAndIncludeChooseWhatIsFetched();
    void resumesAfterADroppedConnection();
    void resumesOnTheNextRun();
    void refusesBytesThatDoNotMatchTheirSha256();
    void gatedRepoWantsAToken();
    void notFound();
    void offlineMakesNoRequest();
    void unreachableHubIsAClearErrorOrTheCache();
    void plainFolderNeverOverwritesSilently();
    void cancelKeepsAResumablePartialFile();
    void tokenAndSettingsFromTheEnvironment();
    void refusesBadNames();
    void listsWhatARepoHolds();
    void aLyingHubCannotWriteOutsideTheCache();
    void aPlainServerWithoutTreeOrHead();

private:
    std::unique_ptr<testsupport::StandInHub> m_hub;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::string m_model, m_config, m_nested;
    hub::HubSettings settings() const {
        hub::HubSettings s;
        s.endpoint = m_hub->endpoint();
        s.cacheDir = (fs::path(m_dir->path().toStdString()) / "hub").string();
        s.firstBackoffSeconds = 0.02;
        s.connectTimeoutSeconds = 5;
        return s;
    }
    fs::path repoCache() const { return fs::path(settings().cacheDir) / "models--org--tiny"; }
};

void TestHub::init() {
    m_hub = std::make_unique<testsupport::StandInHub>();
    m_dir = std::make_unique<QTemporaryDir>();
    m_model = bytes(300000, 1);
    m_config = R"({"architectures": ["LlamaForCausalLM"]})";
    m_nested = bytes(5000, 2);
    m_hub->addRepo({"org/tiny",
                    kCommit,
                    {{"config.json", m_config, false},
                     {"model.gguf", m_model, true},
                     {"extra/weights.bin", m_nested, true},
                     {"README.md", "# tiny\n", false}},
                    false,
                    ""});
    m_hub->addRepo({"org/gated", kCommit, {{"model.gguf", m_model, true}}, true, "hf_secret"});
}

void TestHub::cacheLayoutSharedWithHuggingfaceHub() {
    hub::DownloadRequest r;
    r.repo = "org/tiny";
    auto got = hub::download(settings(), r);
    QVERIFY2(got, got ? "" : got.error().message.c_str());
    QCOMPARE(got.value().commit, kCommit);
    QCOMPARE(got.value().paths.size(), std::size_t(4));

    // blobs/<etag>: the sha256 for LFS files, the git blob id otherwise
    const std::string modelSha = testsupport::StandInHub::sha256Hex(m_model);
    const std::string configOid = testsupport::StandInHub::gitBlobSha1Hex(m_config);
    QCOMPARE(readAll(repoCache() / "blobs" / modelSha), m_model);
    QCOMPARE(readAll(repoCache() / "blobs" / configOid), m_config);
    // snapshots/<commit>/<file>: relative symlinks into blobs, one ../ more per folder
    const fs::path snapshot = repoCache() / "snapshots" / kCommit;
    QVERIFY(fs::is_symlink(snapshot / "model.gguf"));
    QCOMPARE(fs::read_symlink(snapshot / "model.gguf").string(), "../../blobs/" + modelSha);
    QCOMPARE(fs::read_symlink(snapshot / "extra" / "weights.bin").string(),
             "../../../blobs/" + testsupport::StandInHub::sha256Hex(m_nested));
    QCOMPARE(readAll(snapshot / "extra" / "weights.bin"), m_nested);
    // refs/main holds the bare commit
    QCOMPARE(readAll(repoCache() / "refs" / "main"), kCommit);
    QVERIFY(std::find(got.value().paths.begin(), got.value().paths.end(), (snapshot / "model.gguf").string()) !=
            got.value().paths.end());
    // no partial file is left
    for (const auto &e : fs::recursive_directory_iterator(repoCache()))
        QVERIFY2(e.path().extension() != ".incomplete", e.path().c_str());

    // every file was fetched at the commit the revision named, so a branch that moves mid-download cannot mix two
    for (const testsupport::HubRequest &q : m_hub->requests())
        if (q.target.find("/resolve/") != std::string::npos || q.target.find("/tree/") != std::string::npos)
            QVERIFY2(q.target.find(kCommit) != std::string::npos, q.target.c_str());

    // a second run finds everything in the cache and fetches no file again
    m_hub->clearRequests();
    auto again = hub::download(settings(), r);
    QVERIFY(again);
    QCOMPARE(again.value().downloadedBytes, std::uint64_t(0));
    QCOMPARE(countRequests(*m_hub, "/org/tiny/resolve/"), 0);
    QCOMPARE(countRequests(*m_hub, "/cdn/"), 0);
}

void TestHub::filesAndIncludeChooseWhatIsFetched() {
    hub::DownloadRequest r;
    r.repo = "org/tiny";
    r.files = {"config.json"};
    r.include = {"*.gguf"};
    auto got = hub::download(settings(), r);
    QVERIFY2(got, got ? "" : got.error().message.c_str());
    QCOMPARE(got.value().paths.size(), std::size_t(2));
    QVERIFY(QString::fromStdString(got.value().paths[0]).endsWith("/config.json"));
    QVERIFY(QString::fromStdString(got.value().paths[1]).endsWith("/model.gguf"));
    QVERIFY(!fs::exists(repoCache() / "snapshots" / kCommit / "README.md"));
    QCOMPARE(countRequests(*m_hub, "/org/tiny/resolve/main/README.md"), 0);

    // `*` crosses folders, as in huggingface_hub's fnmatch
    r.files.clear();
    r.include = {"*.bin"};
    got = hub::download(settings(), r);
    QVERIFY(got);
    QCOMPARE(got.value().paths.size(), std::size_t(1));
    QVERIFY(QString::fromStdString(got.value().paths[0]).endsWith("/extra/weights.bin"));
}

void TestHub::resumesAfterADroppedConnection() {
    m_hub->dropAfter("org/tiny", "model.gguf", 100000, 2);
    hub::DownloadRequest r;
    r.repo = "org/tiny";
    r.files = {"model.gguf"};
    auto got = hub::download(settings(), r);
    QVERIFY2(got, got ? "" : got.error().message.c_str());
    QCOMPARE(readAll(got.value().paths[0]), m_model);
    // the second and third transfers asked for the rest, not the whole file again
    std::vector<std::string> ranges;
    for (const testsupport::HubRequest &q : m_hub->requests())
        if (q.target.rfind("/cdn/", 0) == 0 && q.headers.count("range"))
            ranges.push_back(q.headers.at("range"));
    QCOMPARE(ranges.size(), std::size_t(2));
    QCOMPARE(ranges[0], std::string("bytes=100000-"));
    QCOMPARE(ranges[1], std::string("bytes=200000-"));
}

void TestHub::resumesOnTheNextRun() {
    hub::HubSettings s = settings();
    s.retries = 0; // no second attempt in this run
    m_hub->dropAfter("org/tiny", "model.gguf", 120000, 1);
    hub::DownloadRequest r;
    r.repo = "org/tiny";
    r.files = {"model.gguf"};
    auto first = hub::download(s, r);
    QVERIFY(!first);
    QVERIFY2(first.error().message.find("resumes") != std::string::npos, first.error().message.c_str());
    const fs::path partial = repoCache() / "blobs" / (testsupport::StandInHub::sha256Hex(m_model) + ".incomplete");
    QVERIFY(fs::exists(partial));
    QCOMPARE(fs::file_size(partial), std::uintmax_t(120000));
    QVERIFY(!fs::exists(repoCache() / "snapshots" / kCommit / "model.gguf"));

    m_hub->clearRequests();
    r.files = {"config.json", "model.gguf"};
    QVERIFY(hub::download(s, {"org/tiny", "main", {"config.json"}, {}, {}, false})); // one file already in the cache
    std::uint64_t most = 0, last = 0, total = 0;
    auto second = hub::download(s, r, [&](const hub::DownloadProgress &p) {
        most = std::max(most, p.done);
        last = p.done;
        total = p.total;
        return true;
    });
    QVERIFY2(second, second ? "" : second.error().message.c_str());
    // the bytes kept and the file in the cache count as done: the bar ends full and never passes it
    QCOMPARE(total, std::uint64_t(m_model.size() + m_config.size()));
    QCOMPARE(last, total);
    QVERIFY(most <= total);
    second.value().paths.erase(second.value().paths.begin());
    QCOMPARE(readAll(second.value().paths[0]), m_model);
    QVERIFY(!fs::exists(partial));
    bool resumed = false;
    for (const testsupport::HubRequest &q : m_hub->requests())
        resumed |= q.headers.count("range") && q.headers.at("range") == "bytes=120000-";
    QVERIFY(resumed);
}

void TestHub::refusesBytesThatDoNotMatchTheirSha256() {
    m_hub->corrupt("org/tiny", "model.gguf");
    hub::DownloadRequest r;
    r.repo = "org/tiny";
    r.files = {"model.gguf"};
    auto got = hub::download(settings(), r);
    QVERIFY(!got);
    QVERIFY2(got.error().message.find("sha256") != std::string::npos, got.error().message.c_str());
    QVERIFY(got.error().message.find("deleted") != std::string::npos);
    const std::string sha = testsupport::StandInHub::sha256Hex(m_model);
    QVERIFY(!fs::exists(repoCache() / "blobs" / sha));
    QVERIFY(!fs::exists(repoCache() / "blobs" / (sha + ".incomplete")));
    QVERIFY(!fs::exists(repoCache() / "snapshots" / kCommit / "model.gguf"));

    // into a folder: nothing under the final name either
    r.localDir = (fs::path(m_dir->path().toStdString()) / "plain").string();
    got = hub::download(settings(), r);
    QVERIFY(!got);
    QVERIFY(!fs::exists(fs::path(r.localDir) / "model.gguf"));
}

void TestHub::gatedRepoWantsAToken() {
    hub::DownloadRequest r;
    r.repo = "org/gated";
    auto anonymous = hub::download(settings(), r);
    QVERIFY(!anonymous);
    const std::string &m = anonymous.error().message;
    QVERIFY2(m.find("gated") != std::string::npos && m.find("licence") != std::string::npos &&
                 m.find("HF_TOKEN") != std::string::npos && m.find(m_hub->endpoint() + "/org/gated") != std::string::npos,
             m.c_str());

    hub::HubSettings wrong = settings();
    wrong.token = "hf_wrong";
    auto refused = hub::download(wrong, r);
    QVERIFY(!refused);
    QVERIFY2(refused.error().message.find("has no access") != std::string::npos, refused.error().message.c_str());

    hub::HubSettings right = settings();
    right.token = "hf_secret";
    m_hub->clearRequests();
    auto got = hub::download(right, r);
    QVERIFY2(got, got ? "" : got.error().message.c_str());
    QCOMPARE(readAll(got.value().paths[0]), m_model);
    for (const testsupport::HubRequest &q : m_hub->requests())
        if (q.target.rfind("/api/", 0) == 0)
            QCOMPARE(q.headers.at("authorization"), std::string("Bearer hf_secret"));
}

void TestHub::notFound() {
    hub::DownloadRequest r;
    r.repo = "org/missing";
    auto repo = hub::download(settings(), r);
    QVERIFY(!repo);
    QVERIFY2(repo.error().message.find("not found") != std::string::npos, repo.error().message.c_str());

    r.repo = "org/tiny";
    r.files = {"nothing.gguf"};
    auto file = hub::download(settings(), r);
    QVERIFY(!file);
    QVERIFY2(file.error().message.find("nothing.gguf not found") != std::string::npos, file.error().message.c_str());
    QVERIFY(!fs::exists(repoCache() / "snapshots")); // nothing fetched before the check

    r.files.clear();
    r.revision = "v9";
    auto revision = hub::download(settings(), r);
    QVERIFY(!revision);
    QVERIFY2(revision.error().message.find("not found") != std::string::npos, revision.error().message.c_str());

    r.revision = "main";
    r.include = {"*.onnx"};
    auto glob = hub::download(settings(), r);
    QVERIFY(!glob);
    QVERIFY2(glob.error().message.find("*.onnx") != std::string::npos, glob.error().message.c_str());
}

void TestHub::offlineMakesNoRequest() {
    hub::DownloadRequest r;
    r.repo = "org/tiny";
    r.files = {"model.gguf"};
    QVERIFY(hub::download(settings(), r));

    hub::HubSettings offline = settings();
    offline.offline = true;
    m_hub->clearRequests();
    auto cached = hub::download(offline, r);
    QVERIFY2(cached, cached ? "" : cached.error().message.c_str());
    QCOMPARE(readAll(cached.value().paths[0]), m_model);
    QVERIFY(m_hub->requests().empty());

    r.files = {"config.json"}; // never downloaded
    auto missing = hub::download(offline, r);
    QVERIFY(!missing);
    QVERIFY2(missing.error().message.find("HF_HUB_OFFLINE") != std::string::npos, missing.error().message.c_str());
    r.repo = "org/other";
    r.files.clear();
    missing = hub::download(offline, r);
    QVERIFY(!missing);
    QVERIFY2(missing.error().message.find("not in the cache") != std::string::npos, missing.error().message.c_str());
    QVERIFY(m_hub->requests().empty());
}

void TestHub::unreachableHubIsAClearErrorOrTheCache() {
    hub::HubSettings away = settings();
    away.endpoint = "http://127.0.0.1:1"; // nothing listens on port 1
    hub::DownloadRequest r;
    r.repo = "org/tiny";
    r.files = {"model.gguf"};
    QElapsedTimer t;
    t.start();
    auto failed = hub::download(away, r);
    QVERIFY(!failed);
    QVERIFY2(failed.error().message.find("cannot reach http://127.0.0.1:1") != std::string::npos,
             failed.error().message.c_str());

    QVERIFY(hub::download(settings(), r)); // now cached: the unreachable hub is not in the way
    auto cached = hub::download(away, r);
    QVERIFY2(cached, cached ? "" : cached.error().message.c_str());
    QCOMPARE(cached.value().notes.size(), std::size_t(1));
    QCOMPARE(readAll(cached.value().paths[0]), m_model);
}

void TestHub::plainFolderNeverOverwritesSilently() {
    const fs::path dir = fs::path(m_dir->path().toStdString()) / "plain";
    hub::DownloadRequest r;
    r.repo = "org/tiny";
    r.localDir = dir.string();
    auto got = hub::download(settings(), r);
    QVERIFY2(got, got ? "" : got.error().message.c_str());
    QCOMPARE(got.value().paths[0], (dir / "config.json").string());
    QVERIFY(!fs::is_symlink(dir / "model.gguf"));
    QCOMPARE(readAll(dir / "model.gguf"), m_model);
    QCOMPARE(readAll(dir / "extra" / "weights.bin"), m_nested);
    QVERIFY(!fs::exists(settings().cacheDir)); // the cache is not touched

    // the same bytes again: kept, nothing fetched
    m_hub->clearRequests();
    QVERIFY(hub::download(settings(), r));
    QCOMPARE(countRequests(*m_hub, "/cdn/"), 0);

    // a file of the user's with the same name is refused, then replaced with --force
    { std::ofstream(dir / "config.json") << "mine"; }
    auto refused = hub::download(settings(), r);
    QVERIFY(!refused);
    QVERIFY2(refused.error().message.find("--force") != std::string::npos, refused.error().message.c_str());
    QCOMPARE(readAll(dir / "config.json"), std::string("mine"));
    r.force = true;
    QVERIFY(hub::download(settings(), r));
    QCOMPARE(readAll(dir / "config.json"), m_config);
}

void TestHub::cancelKeepsAResumablePartialFile() {
    m_hub->throttle(100000);
    hub::DownloadRequest r;
    r.repo = "org/tiny";
    r.files = {"model.gguf"};
    int calls = 0;
    std::uint64_t seen = 0;
    std::uint64_t total = 0;
    auto got = hub::download(settings(), r, [&](const hub::DownloadProgress &p) -> bool {
        ++calls;
        seen = p.fileDone;
        total = p.total;
        return p.fileDone < 50000;
    });
    QCOMPARE(total, std::uint64_t(m_model.size()));
    QVERIFY(seen >= 50000);
    QVERIFY(!got);
    QVERIFY(got.error().cancelled);
    QVERIFY(calls > 1);
    const fs::path partial = repoCache() / "blobs" / (testsupport::StandInHub::sha256Hex(m_model) + ".incomplete");
    QVERIFY(fs::exists(partial));
    QVERIFY(fs::file_size(partial) >= 50000 && fs::file_size(partial) < m_model.size());
    m_hub->throttle(0);
    auto resumed = hub::download(settings(), r);
    QVERIFY(resumed);
    QCOMPARE(readAll(resumed.value().paths[0]), m_model);
}

void TestHub::tokenAndSettingsFromTheEnvironment() {
    const fs::path home = fs::path(m_dir->path().toStdString()) / "hfhome";
    fs::create_directories(home);
    { std::ofstream(home / "token") << "hf_from_file\n"; }
    StoreLocations where;
    where.home = m_dir->path().toStdString();
    where.hfHome = home.string();
    qunsetenv("HF_TOKEN");
    qunsetenv("HUGGING_FACE_HUB_TOKEN");
    qunsetenv("HF_TOKEN_PATH");
    qputenv("HF_ENDPOINT", "http://127.0.0.1:9/");
    qputenv("HF_HUB_OFFLINE", "1");
    hub::HubSettings s = hub::HubSettings::fromEnvironment(where);
    QCOMPARE(s.token, std::string("hf_from_file"));
    QCOMPARE(s.endpoint, std::string("http://127.0.0.1:9"));
    QVERIFY(s.offline);
    QCOMPARE(s.cacheDir, (home / "hub").string());
    qputenv("HF_TOKEN", "hf_env");
    qputenv("HF_HUB_OFFLINE", "0");
    s = hub::HubSettings::fromEnvironment(where);
    QCOMPARE(s.token, std::string("hf_env"));
    QVERIFY(!s.offline);
    qunsetenv("HF_TOKEN");
    qunsetenv("HF_ENDPOINT");
    qunsetenv("HF_HUB_OFFLINE");
}

void TestHub::refusesBadNames() {
    QVERIFY(hub::validRepoId("Qwen/Qwen3-0.6B-GGUF"));
    QVERIFY(hub::validRepoId("gpt2"));
    for (const char *bad : {"", "a/b/c", "../x", "a/..", "org--x/y", "a b/c", "/abs", "org/"})
        QVERIFY2(!hub::validRepoId(bad), bad);
    hub::DownloadRequest r;
    r.repo = "org/tiny";
    r.files = {"../../etc/passwd"};
    auto got = hub::download(settings(), r);
    QVERIFY(!got);
    QVERIFY(m_hub->requests().empty());
}

void TestHub::listsWhatARepoHolds() {
    auto listing = hub::listFiles(settings(), "org/tiny");
    QVERIFY2(listing, listing ? "" : listing.error().message.c_str());
    QCOMPARE(listing.value().commit, kCommit);
    std::vector<std::string> paths;
    for (const hub::RepoEntry &e : listing.value().files)
        paths.push_back(e.path);
    QCOMPARE(paths, (std::vector<std::string>{"README.md", "config.json", "extra/weights.bin", "model.gguf"}));
    QCOMPARE(listing.value().files[3].size, std::uint64_t(m_model.size()));
    QVERIFY(listing.value().files[3].lfs);
    QVERIFY(!listing.value().files[1].lfs);
    auto gated = hub::listFiles(settings(), "org/gated");
    QVERIFY(!gated);
    QVERIFY(gated.error().message.find("HF_TOKEN") != std::string::npos);
}

void TestHub::aLyingHubCannotWriteOutsideTheCache() {
    const std::string good = "good bytes";
    const std::string goodSha = testsupport::StandInHub::sha256Hex(good);
    std::string commit = kCommit;
    int resumeCalls = 0, shiftedCalls = 0;
    const std::string digitsSha = testsupport::StandInHub::sha256Hex("0123456789");
    const std::string lettersSha = testsupport::StandInHub::sha256Hex("abcdefghij");
    ScriptedHub liar([&](const std::string &line) -> std::string {
        if (line.find("/revision/") != std::string::npos)
            return ScriptedHub::ok(R"({"sha":")" + commit +
                                   R"(","siblings":[{"rfilename":"../../escape.txt"},{"rfilename":"good.txt"},{"rfilename":"resume.bin"},)"
                                   R"({"rfilename":"shifted.bin"},)"
                                   R"({"rfilename":"big.txt"},{"rfilename":"linked.bin"}]})");
        if (line.find("/tree/") != std::string::npos)
            return ScriptedHub::ok(R"([{"type":"file","path":"../../escape.txt","size":3,"oid":")" + std::string(40, 'a') +
                                   R"("},{"type":"file","path":"/etc/passwd","size":3,"oid":")" + std::string(40, 'b') +
                                   R"("},{"type":"file","path":"good.txt","size":10,"oid":")" + std::string(40, 'c') +
                                   R"(","lfs":{"oid":")" + goodSha + R"(","size":10}},{"type":"file","path":"big.txt","size":4,"oid":")" +
                                   std::string(40, 'd') + R"("},{"type":"file","path":"linked.bin","size":10,"oid":")" +
                                   std::string(40, 'e') + R"("},{"type":"file","path":"resume.bin","size":10,"oid":")" +
                                   std::string(40, 'f') + R"(","lfs":{"oid":")" + digitsSha +
                                   R"(","size":10}},{"type":"file","path":"shifted.bin","size":10,"oid":")" +
                                   std::string(40, 'f') + R"(","lfs":{"oid":")" + lettersSha + R"(","size":10}}])");
        if (line.find("/resolve/main/good.txt") != std::string::npos)
            return ScriptedHub::ok(good);
        if (line.find("/resolve/main/big.txt") != std::string::npos)
            return ScriptedHub::ok(std::string(100000, 'x')); // listed as 4 bytes
        if (line.find("/resume.bin") != std::string::npos || line.find("/shifted.bin") != std::string::npos) {
            const bool shifted = line.find("/shifted.bin") != std::string::npos;
            const int n = (shifted ? shiftedCalls : resumeCalls)++;
            const std::string body = shifted ? "abcdefghij" : "0123456789";
            if (n == 0) // cut off after 5 of 10 bytes
                return "HTTP/1.1 200 OK\r\nContent-Length: 10\r\nConnection: close\r\n\r\n" + body.substr(0, 5);
            if (n == 1 && !shifted) // ignores the Range: the whole file again
                return ScriptedHub::ok(body);
            if (n == 1) // resumes at the wrong byte
                return "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 3-9/10\r\nContent-Length: 7\r\n"
                       "Connection: close\r\n\r\n" + body.substr(3);
            return ScriptedHub::ok(body);
        }
        if (line.find("/resolve/main/linked.bin") != std::string::npos) // the tree did not say LFS; the answer does
            return ScriptedHub::ok("bad bytes!", "X-Linked-Etag: \"" + goodSha + "\"\r\n");
        return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    });
    hub::HubSettings s = settings();
    s.endpoint = liar.endpoint();
    hub::DownloadRequest r;
    r.repo = "org/tiny";
    r.files = {"good.txt"};
    // this hub knows "main" but not its commit in file URLs: the download falls back to the name
    auto got = hub::download(s, r);
    QVERIFY2(got, got ? "" : got.error().message.c_str());
    QCOMPARE(readAll(got.value().paths[0]), good);

    // a server that ignores Range on the retry: the bytes kept are skipped, not written twice
    r.files = {"resume.bin"};
    auto resumed = hub::download(s, r);
    QVERIFY2(resumed, resumed ? "" : resumed.error().message.c_str());
    QCOMPARE(readAll(resumed.value().paths[0]), std::string("0123456789"));
    // one that resumes at another byte than asked: the partial file starts over
    r.files = {"shifted.bin"};
    auto shifted = hub::download(s, r);
    QVERIFY2(shifted, shifted ? "" : shifted.error().message.c_str());
    QCOMPARE(readAll(shifted.value().paths[0]), std::string("abcdefghij"));
    QCOMPARE(shiftedCalls, 3);

    // the whole repo: the climbing names are never files, the rest are checked
    r.files.clear();
    auto whole = hub::download(s, r);
    QVERIFY(!whole); // big.txt sends more than listed
    QVERIFY2(whole.error().message.find("more than") != std::string::npos, whole.error().message.c_str());
    QVERIFY(!fs::exists(fs::path(m_dir->path().toStdString()) / "escape.txt"));
    QVERIFY(!fs::exists(fs::path(settings().cacheDir) / "escape.txt"));
    for (const auto &e : fs::recursive_directory_iterator(m_dir->path().toStdString()))
        QVERIFY2(e.path().filename() != "escape.txt" && e.path().filename() != "passwd", e.path().c_str());
    QVERIFY(!fs::exists(repoCache() / "blobs" / std::string(40, 'd')));

    // X-Linked-Etag is checked even when the tree did not list an lfs oid
    r.files = {"linked.bin"};
    auto linked = hub::download(s, r);
    QVERIFY(!linked);
    QVERIFY2(linked.error().message.find("sha256") != std::string::npos, linked.error().message.c_str());
    QVERIFY(!fs::exists(repoCache() / "snapshots" / kCommit / "linked.bin"));

    // a commit that is no commit never becomes a folder name
    commit = "../../../../tmp/x";
    r.files = {"good.txt"};
    auto bad = hub::download(s, r);
    QVERIFY(!bad);
    QVERIFY2(bad.error().message.find("no valid commit") != std::string::npos, bad.error().message.c_str());
}

void TestHub::aPlainServerWithoutTreeOrHead() {
    // The least a server can be and still serve downloads: the revision API, then GET of files (no tree API, no
    // HEAD, one byte with Range to learn the size and etag).
    const std::string body = "plain file bytes";
    ScriptedHub plain([&](const std::string &request) -> std::string {
        const std::string line = request.substr(0, request.find("\r\n"));
        if (line.find("/revision/") != std::string::npos)
            return ScriptedHub::ok(R"({"sha":")" + kCommit + R"(","siblings":[{"rfilename":"notes.txt"}]})");
        if (line.rfind("HEAD ", 0) == 0)
            return "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        if (line.find("/resolve/") != std::string::npos && line.find("/notes.txt") != std::string::npos) {
            if (request.find("Range: bytes=0-0") != std::string::npos)
                return "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-0/" + std::to_string(body.size()) +
                       "\r\nETag: \"" + std::string(40, '7') + "\"\r\nContent-Length: 1\r\nConnection: close\r\n\r\n" +
                       body.substr(0, 1);
            return ScriptedHub::ok(body, "ETag: \"" + std::string(40, '7') + "\"\r\n");
        }
        return "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    });
    hub::HubSettings s = settings();
    s.endpoint = plain.endpoint();
    hub::DownloadRequest r;
    r.repo = "org/plain";
    auto got = hub::download(s, r);
    QVERIFY2(got, got ? "" : got.error().message.c_str());
    QCOMPARE(got.value().paths.size(), std::size_t(1));
    QCOMPARE(readAll(got.value().paths[0]), body);
    QVERIFY(fs::exists(fs::path(settings().cacheDir) / "models--org--plain" / "blobs" / std::string(40, '7')));
}

QTEST_GUILESS_MAIN(TestHub)
#include "tst_hub.moc"
