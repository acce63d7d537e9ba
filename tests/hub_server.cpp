// The stand-in Hugging Face Hub: the listening socket and accept thread, one thread per connection reading
// keep-alive HTTP/1.1 requests, the routes (revision, tree, resolve, cdn) with huggingface.co's status codes and
// X-Error-Code headers, Range support, and the injected faults (dropped connection, corrupted bytes, throttling).
#include "hub_server.h"

#include <openssl/evp.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

namespace testsupport {
namespace {

// Blocked readers and writers wake this often to look at the stop flag, so the destructor never waits on a
// client that neither reads nor closes.
constexpr int pollIntervalMs = 100;
constexpr std::size_t maxHeaderBytes = 64 * 1024;
constexpr std::size_t maxChunkBytes = 64 * 1024;

std::string hexOf(const unsigned char *bytes, std::size_t count) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(count * 2);
    for (std::size_t i = 0; i < count; ++i) {
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 0xf];
    }
    return out;
}

std::string digestHex(const EVP_MD *md, std::initializer_list<std::string_view> parts) {
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    bool ok = context != nullptr && EVP_DigestInit_ex(context, md, nullptr) == 1;
    for (std::string_view part : parts)
        ok = ok && EVP_DigestUpdate(context, part.data(), part.size()) == 1;
    ok = ok && EVP_DigestFinal_ex(context, out, &length) == 1;
    EVP_MD_CTX_free(context);
    if (!ok)
        throw std::runtime_error("StandInHub: OpenSSL digest failed");
    return hexOf(out, length);
}

char lowerAscii(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string toLower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), lowerAscii);
    return out;
}

std::string_view trimmed(std::string_view text) {
    const auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!text.empty() && isSpace(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && isSpace(text.back()))
        text.remove_suffix(1);
    return text;
}

bool startsWithNoCase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && toLower(text.substr(0, prefix.size())) == toLower(prefix);
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    for (;;) {
        const std::size_t at = text.find(separator);
        parts.push_back(text.substr(0, at));
        if (at == std::string_view::npos)
            return parts;
        text.remove_prefix(at + 1);
    }
}

// Segments [first, end) put back together with '/', still percent-encoded.
std::string joinFrom(const std::vector<std::string_view> &segments, std::size_t first) {
    std::string out;
    for (std::size_t i = first; i < segments.size(); ++i) {
        if (i > first)
            out += '/';
        out += segments[i];
    }
    return out;
}

int hexValue(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lowerAscii(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// %XX -> byte; a malformed escape stays as written, as lenient servers do. '+' is not a space in a path.
std::string urlDecode(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 2 < text.size()) {
            const int high = hexValue(text[i + 1]), low = hexValue(text[i + 2]);
            if (high >= 0 && low >= 0) {
                out += static_cast<char>(high * 16 + low);
                i += 2;
                continue;
            }
        }
        out += text[i];
    }
    return out;
}

// Everything but RFC 3986's unreserved characters, '/' included, as a query value needs.
std::string urlEncode(std::string_view text) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += digits[byte >> 4];
            out += digits[byte & 0xf];
        }
    }
    return out;
}

// A JSON string literal, quotes included; UTF-8 passes through untouched.
std::string jsonString(std::string_view text) {
    std::string out = "\"";
    for (const char c : text) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                static constexpr char digits[] = "0123456789abcdef";
                out += "\\u00";
                out += digits[(c >> 4) & 0xf];
                out += digits[c & 0xf];
            } else {
                out += c;
            }
        }
    }
    return out + '"';
}

const char *reasonPhrase(int status) {
    switch (status) {
    case 200:
        return "OK";
    case 206:
        return "Partial Content";
    case 302:
        return "Found";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 416:
        return "Range Not Satisfiable";
    case 431:
        return "Request Header Fields Too Large";
    default:
        return "Unknown";
    }
}

// What git stores in place of an LFS file; its blob sha1 is the file's oid in tree listings and its resolve ETag.
std::string lfsPointer(const std::string &sha256, std::size_t size) {
    return "version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256 + "\nsize " + std::to_string(size) + "\n";
}

struct StoredFile {
    HubFile file;
    std::string sha256;          // of the content: the LFS oid and the CDN's key
    std::string gitOid;          // git blob sha1 of what git holds: the content, or the LFS pointer
    std::size_t pointerSize = 0; // LFS only
};

// A repo as served; immutable once built, so a transfer can keep one alive while addRepo replaces it.
struct StoredRepo {
    std::string id;
    std::string commit;
    bool gated = false;
    std::string token;
    std::vector<StoredFile> files;

    const StoredFile *find(const std::string &path) const {
        for (const StoredFile &stored : files)
            if (stored.file.path == path)
                return &stored;
        return nullptr;
    }
    bool resolves(const std::string &revision) const { return revision == "main" || revision == commit; }
};

// A reply with its body in `body`, or (file != nullptr) a byte range of a stored file, sent with the faults applied.
struct Reply {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::shared_ptr<const StoredRepo> repo; // keeps `file` alive while it is sent
    const StoredFile *file = nullptr;
    std::size_t begin = 0;
    std::size_t length = 0;
    bool closeAfter = false; // announce Connection: close
};

Reply textReply(int status, std::string body) {
    Reply reply;
    reply.status = status;
    reply.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
    reply.body = std::move(body);
    return reply;
}

Reply jsonReply(std::string body) {
    Reply reply;
    reply.headers = {{"Content-Type", "application/json; charset=utf-8"}};
    reply.body = std::move(body);
    return reply;
}

// The Hub's error shape: X-Error-Code names the error for clients (huggingface_hub maps it to exception types).
Reply hubError(int status, const std::string &code, const std::string &message, bool json = true) {
    Reply reply = json ? jsonReply("{\"error\":" + jsonString(message) + "}") : textReply(status, message);
    reply.status = status;
    reply.headers.emplace_back("X-Error-Code", code);
    reply.headers.emplace_back("X-Error-Message", message);
    return reply;
}

Reply repoNotFound(int status) {
    return hubError(status, "RepoNotFound", "Repository not found");
}
Reply revisionNotFound(const std::string &revision) {
    return hubError(404, "RevisionNotFound", "Invalid rev id: " + revision);
}
Reply plainNotFound() {
    return textReply(404, "Not Found");
}

struct ByteRange {
    enum Kind { Ignored, Satisfiable, Unsatisfiable } kind = Ignored;
    std::size_t first = 0;
    std::size_t last = 0; // inclusive
};

// One range of "bytes=A-", "bytes=A-B" or "bytes=-N"; anything else is ignored (a full 200), which RFC 9110
// allows, except a start past the end, which is 416 as every CDN answers.
ByteRange parseRange(std::string_view header, std::size_t total) {
    header = trimmed(header);
    if (!startsWithNoCase(header, "bytes="))
        return {};
    const std::string_view spec = trimmed(header.substr(6));
    const std::size_t dash = spec.find('-');
    if (dash == std::string_view::npos || spec.find(',') != std::string_view::npos)
        return {};
    const auto number = [](std::string_view digits, std::size_t &value) {
        const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        return !digits.empty() && result.ec == std::errc() && result.ptr == digits.data() + digits.size();
    };
    const std::string_view firstText = trimmed(spec.substr(0, dash)), lastText = trimmed(spec.substr(dash + 1));
    std::size_t first = 0, last = 0;
    if (firstText.empty()) { // suffix: the last N bytes
        if (!number(lastText, last))
            return {};
        if (last == 0 || total == 0)
            return {ByteRange::Unsatisfiable};
        return {ByteRange::Satisfiable, total - std::min(last, total), total - 1};
    }
    if (!number(firstText, first))
        return {};
    if (first >= total)
        return {ByteRange::Unsatisfiable};
    if (lastText.empty())
        return {ByteRange::Satisfiable, first, total - 1};
    if (!number(lastText, last) || last < first)
        return {};
    return {ByteRange::Satisfiable, first, std::min(last, total - 1)};
}

struct Fault {
    std::size_t dropBytes = 0;
    int dropTimes = 0;
    bool corrupt = false;
};

struct Connection {
    int fd = -1;
    std::thread thread;
    std::atomic<bool> done{false};
};

enum class ReadResult { Request, Closed, Bad };

} // namespace

class StandInHub::Private {
public:
    int m_listenFd = -1;
    int m_port = 0;
    std::atomic<bool> m_stopping{false};
    std::atomic<std::size_t> m_bytesPerSecond{0};
    std::thread m_acceptThread;
    // Only the accept thread touches this until the destructor has joined it. A connection's fd is closed only
    // after its thread is joined, so shutting down an fd from here never hits a number reused by another socket.
    std::vector<std::unique_ptr<Connection>> m_connections;

    mutable std::mutex m_mutex; // guards the three below
    std::map<std::string, std::shared_ptr<const StoredRepo>> m_repos;
    std::map<std::pair<std::string, std::string>, Fault> m_faults; // (repo, path) -> fault
    std::vector<HubRequest> m_requests;

    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(m_port); }

    void acceptLoop();
    void reapFinished();
    void serveConnection(int fd);

    bool waitFor(int fd, short events);
    bool receiveMore(int fd, std::string &buffer);
    bool sendAll(int fd, std::string_view data);
    bool pauseUntil(std::chrono::steady_clock::time_point due, std::size_t rate);
    ReadResult readRequest(int fd, std::string &buffer, HubRequest &request, bool &keepAlive);
    bool sendReply(int fd, const HubRequest &request, const Reply &reply);
    bool sendBody(int fd, const StoredFile &stored, std::size_t begin, std::size_t length, bool flip);

    std::shared_ptr<const StoredRepo> repo(const std::string &id) const;
    std::optional<Reply> accessError(const StoredRepo *repo, const std::string &id, const HubRequest &request,
                                     bool api) const;
    Reply route(const HubRequest &request);
    Reply revisionInfo(const StoredRepo &repo, const std::string &revision) const;
    Reply tree(const StoredRepo &repo, const std::string &revision, const std::string &directory) const;
    Reply resolve(const std::shared_ptr<const StoredRepo> &repo, const std::string &revision, const std::string &path,
                  const HubRequest &request) const;
    Reply cdn(const std::string &sha256, const std::string &query, const HubRequest &request) const;
};

namespace {

// A file's body as 200, 206 or 416 according to the request's Range header.
Reply fileReply(const std::shared_ptr<const StoredRepo> &repo, const StoredFile &stored, const HubRequest &request,
                std::vector<std::pair<std::string, std::string>> headers) {
    Reply reply;
    reply.headers = std::move(headers);
    reply.headers.emplace_back("Accept-Ranges", "bytes");
    reply.headers.emplace_back("Content-Type", "application/octet-stream");
    const std::size_t total = stored.file.content.size();
    const auto rangeHeader = request.headers.find("range");
    const ByteRange range = rangeHeader == request.headers.end() ? ByteRange{} : parseRange(rangeHeader->second, total);
    if (range.kind == ByteRange::Unsatisfiable) {
        reply.status = 416;
        reply.headers.emplace_back("Content-Range", "bytes */" + std::to_string(total));
        return reply;
    }
    reply.repo = repo;
    reply.file = &stored;
    if (range.kind == ByteRange::Satisfiable) {
        reply.status = 206;
        reply.begin = range.first;
        reply.length = range.last - range.first + 1;
        reply.headers.emplace_back("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                                        std::to_string(range.last) + "/" + std::to_string(total));
    } else {
        reply.length = total;
    }
    return reply;
}

} // namespace

// --- sockets ---

bool StandInHub::Private::waitFor(int fd, short events) {
    for (;;) {
        if (m_stopping)
            return false;
        pollfd entry{fd, events, 0};
        const int ready = ::poll(&entry, 1, pollIntervalMs);
        if (ready < 0 && errno != EINTR)
            return false;
        if (ready > 0)
            return true; // readable, writable or in error: the recv or send that follows tells which
    }
}

bool StandInHub::Private::receiveMore(int fd, std::string &buffer) {
    char chunk[16 * 1024];
    for (;;) {
        if (!waitFor(fd, POLLIN))
            return false;
        const ssize_t received = ::recv(fd, chunk, sizeof chunk, MSG_DONTWAIT);
        if (received > 0) {
            buffer.append(chunk, static_cast<std::size_t>(received));
            return true;
        }
        if (received == 0)
            return false;
        if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
            return false;
    }
}

// MSG_NOSIGNAL rather than ignoring SIGPIPE process-wide: a test binary's signal dispositions are not ours to change.
bool StandInHub::Private::sendAll(int fd, std::string_view data) {
    while (!data.empty()) {
        if (m_stopping)
            return false;
        const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent > 0) {
            data.remove_prefix(static_cast<std::size_t>(sent));
        } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!waitFor(fd, POLLOUT))
                return false;
        } else if (!(sent < 0 && errno == EINTR)) {
            return false;
        }
    }
    return true;
}

// Sleeps in short slices so that stopping, or a new throttle rate, takes effect at once; false when stopping.
bool StandInHub::Private::pauseUntil(std::chrono::steady_clock::time_point due, std::size_t rate) {
    using namespace std::chrono;
    while (steady_clock::now() < due) {
        if (m_stopping)
            return false;
        if (m_bytesPerSecond.load() != rate)
            return true;
        std::this_thread::sleep_for(std::min<steady_clock::duration>(due - steady_clock::now(), milliseconds(20)));
    }
    return !m_stopping;
}

void StandInHub::Private::acceptLoop() {
    while (!m_stopping) {
        reapFinished();
        pollfd entry{m_listenFd, POLLIN, 0};
        const int ready = ::poll(&entry, 1, pollIntervalMs);
        if (m_stopping || (ready < 0 && errno != EINTR))
            break;
        if (ready <= 0)
            continue;
        const int fd = ::accept4(m_listenFd, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED)
                break; // the listening socket was shut down
            continue;
        }
        // Headers and body go out in separate sends; without this, Nagle and delayed ACKs add 40 ms per response.
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        auto connection = std::make_unique<Connection>();
        connection->fd = fd;
        Connection *raw = connection.get();
        try {
            connection->thread = std::thread([this, raw] {
                try {
                    serveConnection(raw->fd);
                } catch (...) {
                    // An exception here (bad_alloc, a digest failure) only ends this connection.
                }
                ::shutdown(raw->fd, SHUT_RDWR); // the client sees the end now, not when the fd is reaped
                raw->done = true;
            });
        } catch (const std::system_error &) {
            ::close(fd);
            continue;
        }
        m_connections.push_back(std::move(connection));
    }
}

void StandInHub::Private::reapFinished() {
    std::erase_if(m_connections, [](const std::unique_ptr<Connection> &connection) {
        if (!connection->done)
            return false;
        connection->thread.join();
        ::close(connection->fd);
        return true;
    });
}

// --- HTTP ---

ReadResult StandInHub::Private::readRequest(int fd, std::string &buffer, HubRequest &request, bool &keepAlive) {
    std::size_t headerEnd = std::string::npos;
    for (;;) {
        // RFC 9112 asks servers to skip empty lines before a request line (some clients send a CRLF after a body).
        const std::size_t start = buffer.find_first_not_of("\r\n");
        buffer.erase(0, start == std::string::npos ? buffer.size() : start);
        for (std::size_t lineStart = 0;;) {
            const std::size_t newline = buffer.find('\n', lineStart);
            if (newline == std::string::npos)
                break;
            if (trimmed(std::string_view(buffer).substr(lineStart, newline - lineStart)).empty() && lineStart > 0) {
                headerEnd = newline + 1;
                break;
            }
            lineStart = newline + 1;
        }
        if (headerEnd != std::string::npos)
            break;
        if (buffer.size() > maxHeaderBytes)
            return ReadResult::Bad;
        if (!receiveMore(fd, buffer))
            return ReadResult::Closed;
    }
    if (headerEnd > maxHeaderBytes)
        return ReadResult::Bad;

    const std::string head = buffer.substr(0, headerEnd);
    buffer.erase(0, headerEnd);
    std::vector<std::string_view> lines = split(head, '\n');
    std::vector<std::string_view> requestLine;
    for (std::string_view part : split(trimmed(lines.front()), ' '))
        if (!part.empty())
            requestLine.push_back(part);
    if (requestLine.size() != 3 || !startsWithNoCase(requestLine[2], "HTTP/1."))
        return ReadResult::Bad;
    request.method = std::string(requestLine[0]);
    request.target = std::string(requestLine[1]);
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::string_view line = lines[i];
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0)
            continue; // not a header (the blank line that ends the block, or garbage): skip rather than fail
        request.headers[toLower(trimmed(line.substr(0, colon)))] = std::string(trimmed(line.substr(colon + 1)));
    }

    const auto connection = request.headers.find("connection");
    const std::string connectionTokens = connection == request.headers.end() ? "" : toLower(connection->second);
    const auto hasToken = [&](std::string_view token) {
        for (std::string_view part : split(connectionTokens, ','))
            if (trimmed(part) == token)
                return true;
        return false;
    };
    keepAlive = toLower(requestLine[2]) == "http/1.0" ? hasToken("keep-alive") : !hasToken("close");

    // GET and HEAD carry no body, but one announced by Content-Length must be skipped to reach the next request.
    if (request.headers.count("transfer-encoding"))
        return ReadResult::Bad;
    if (const auto length = request.headers.find("content-length"); length != request.headers.end()) {
        std::size_t remaining = 0;
        const std::string &text = length->second;
        const auto result = std::from_chars(text.data(), text.data() + text.size(), remaining);
        if (text.empty() || result.ec != std::errc() || result.ptr != text.data() + text.size())
            return ReadResult::Bad;
        for (;;) {
            const std::size_t taken = std::min(remaining, buffer.size());
            buffer.erase(0, taken);
            remaining -= taken;
            if (remaining == 0)
                break;
            if (!receiveMore(fd, buffer))
                return ReadResult::Closed;
        }
    }
    return ReadResult::Request;
}

void StandInHub::Private::serveConnection(int fd) {
    std::string buffer; // bytes received past the previous request: a pipelined next request
    while (!m_stopping) {
        HubRequest request;
        bool keepAlive = true;
        const ReadResult result = readRequest(fd, buffer, request, keepAlive);
        if (result == ReadResult::Closed)
            return;
        if (result == ReadResult::Bad) {
            Reply reply = textReply(buffer.size() > maxHeaderBytes ? 431 : 400, "Bad Request");
            reply.closeAfter = true;
            sendReply(fd, HubRequest{"GET", "", {}}, reply);
            return;
        }
        {
            const std::lock_guard lock(m_mutex);
            m_requests.push_back(request);
        }
        Reply reply = route(request);
        reply.closeAfter = !keepAlive;
        if (!sendReply(fd, request, reply) || !keepAlive)
            return;
    }
}

// False when the connection must end: a send failed, or a dropAfter fault cut the body short.
bool StandInHub::Private::sendReply(int fd, const HubRequest &request, const Reply &reply) {
    const std::size_t bodyLength = reply.file != nullptr ? reply.length : reply.body.size();
    std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " " + reasonPhrase(reply.status) + "\r\n";
    for (const auto &[name, value] : reply.headers) {
        std::string clean = value; // a decoded revision in X-Error-Message must not split the header block
        std::replace_if(
            clean.begin(), clean.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
        head += name + ": " + clean + "\r\n";
    }
    head += "Content-Length: " + std::to_string(bodyLength) + "\r\n";
    if (reply.closeAfter)
        head += "Connection: close\r\n";
    head += "\r\n";

    const bool isHead = request.method == "HEAD";
    if (reply.file == nullptr || isHead) {
        if (!isHead)
            head += reply.body;
        return sendAll(fd, head);
    }

    // Faults are taken when the body is about to go out, so a HEAD or an error reply never consumes one.
    std::optional<std::size_t> dropAfter;
    bool flip = false;
    {
        const std::lock_guard lock(m_mutex);
        const auto fault = m_faults.find({reply.repo->id, reply.file->file.path});
        if (fault != m_faults.end()) {
            flip = fault->second.corrupt;
            if (fault->second.dropTimes > 0) {
                --fault->second.dropTimes;
                dropAfter = fault->second.dropBytes;
            }
        }
    }
    if (!sendAll(fd, head))
        return false;
    const std::size_t length = dropAfter ? std::min(*dropAfter, reply.length) : reply.length;
    return sendBody(fd, *reply.file, reply.begin, length, flip) && !dropAfter;
}

bool StandInHub::Private::sendBody(int fd, const StoredFile &stored, std::size_t begin, std::size_t length, bool flip) {
    using namespace std::chrono;
    const std::string &content = stored.file.content;
    std::string flipped;
    // Pacing restarts whenever the rate changes, so a test can slow a transfer down or let it finish mid-way.
    std::size_t rate = m_bytesPerSecond.load();
    auto paceStart = steady_clock::now();
    std::size_t pacedBytes = 0;
    for (std::size_t offset = 0; offset < length;) {
        if (const std::size_t now = m_bytesPerSecond.load(); now != rate) {
            rate = now;
            paceStart = steady_clock::now();
            pacedBytes = 0;
        }
        // About ten sends a second when throttled, so progress shows up smoothly rather than in one burst.
        const std::size_t chunk =
            std::min(rate == 0 ? maxChunkBytes : std::clamp<std::size_t>(rate / 10, 1, maxChunkBytes), length - offset);
        std::string_view piece(content.data() + begin + offset, chunk);
        if (flip) {
            flipped.assign(piece);
            for (char &c : flipped)
                c = static_cast<char>(~static_cast<unsigned char>(c));
            piece = flipped;
        }
        if (!sendAll(fd, piece))
            return false;
        offset += chunk;
        pacedBytes += chunk;
        if (rate != 0 && offset < length) {
            const auto due = paceStart + duration_cast<steady_clock::duration>(
                                             duration<double>(static_cast<double>(pacedBytes) / rate));
            if (!pauseUntil(due, rate))
                return false;
        }
    }
    return true;
}

// --- routes ---

std::shared_ptr<const StoredRepo> StandInHub::Private::repo(const std::string &id) const {
    const std::lock_guard lock(m_mutex);
    const auto found = m_repos.find(id);
    return found == m_repos.end() ? nullptr : found->second;
}

// What huggingface.co answers instead of the content: an unknown repo looks the same as a private one (401 when
// anonymous; the api says 404 once a token is sent), and a gated repo wants the right Bearer token.
std::optional<Reply> StandInHub::Private::accessError(const StoredRepo *repo, const std::string &id,
                                                      const HubRequest &request, bool api) const {
    const auto authorization = request.headers.find("authorization");
    const bool hasAuthorization = authorization != request.headers.end();
    if (repo == nullptr)
        return repoNotFound(api && hasAuthorization ? 404 : 401);
    if (!repo->gated)
        return std::nullopt;
    if (!hasAuthorization)
        return hubError(401, "GatedRepo",
                        "Access to model " + id +
                            " is restricted. You must have access to it and be authenticated to access it. "
                            "Please log in.");
    const std::string_view value = trimmed(authorization->second);
    const bool bearer = startsWithNoCase(value, "bearer ");
    if (!bearer || trimmed(value.substr(7)) != repo->token)
        return hubError(403, "GatedRepo",
                        "Access to model " + id +
                            " is restricted and you are not in the authorized list. Visit https://huggingface.co/" +
                            id + " to ask for access.");
    return std::nullopt;
}

Reply StandInHub::Private::route(const HubRequest &request) {
    if (request.method != "GET" && request.method != "HEAD")
        return plainNotFound();
    const std::string_view target = request.target;
    const std::size_t queryAt = target.find('?');
    const std::string_view path = target.substr(0, queryAt);
    const std::string query = queryAt == std::string_view::npos ? "" : std::string(target.substr(queryAt + 1));
    if (path.empty() || path.front() != '/')
        return plainNotFound();
    const std::vector<std::string_view> segments = split(path.substr(1), '/');
    const auto segment = [&](std::size_t i) { return i < segments.size() ? segments[i] : std::string_view(); };

    // /api/models/{org}/{name}[/revision/{rev}] and /api/models/{org}/{name}/tree/{rev}[/{dir}]
    if (segment(0) == "api" && segment(1) == "models" && segments.size() >= 4) {
        const std::string id = urlDecode(segment(2)) + "/" + urlDecode(segment(3));
        const std::string_view kind = segment(4);
        const bool info = segments.size() == 4 || (kind == "revision" && segments.size() >= 6);
        const bool isTree = kind == "tree" && segments.size() >= 6;
        if (!info && !isTree)
            return plainNotFound();
        const auto found = repo(id);
        if (auto error = accessError(found.get(), id, request, true))
            return *error;
        if (info) // the revision is one encoded segment, but a raw "refs/pr/1" is taken whole too
            return revisionInfo(*found, segments.size() == 4 ? "main" : urlDecode(joinFrom(segments, 5)));
        std::string directory = urlDecode(joinFrom(segments, 6));
        while (!directory.empty() && directory.back() == '/')
            directory.pop_back();
        return tree(*found, urlDecode(segment(5)), directory);
    }

    // /cdn/{sha256}?file=...
    if (segment(0) == "cdn" && segments.size() == 2)
        return cdn(urlDecode(segment(1)), query, request);

    // /{org}/{name}/resolve/{rev}/{path}
    if (segment(2) == "resolve" && segments.size() >= 5) {
        const std::string id = urlDecode(segment(0)) + "/" + urlDecode(segment(1));
        const auto found = repo(id);
        if (auto error = accessError(found.get(), id, request, false))
            return *error;
        return resolve(found, urlDecode(segment(3)), urlDecode(joinFrom(segments, 4)), request);
    }
    return plainNotFound();
}

Reply StandInHub::Private::revisionInfo(const StoredRepo &repo, const std::string &revision) const {
    if (!repo.resolves(revision))
        return revisionNotFound(revision);
    std::string json = "{\"_id\":" + jsonString(digestHex(EVP_sha1(), {"id:", repo.id}).substr(0, 24)) +
                       ",\"id\":" + jsonString(repo.id) + ",\"modelId\":" + jsonString(repo.id) +
                       ",\"sha\":" + jsonString(repo.commit) +
                       ",\"private\":false,\"gated\":" + (repo.gated ? "\"manual\"" : "false") +
                       ",\"disabled\":false,\"siblings\":[";
    for (std::size_t i = 0; i < repo.files.size(); ++i)
        json += (i ? ",{\"rfilename\":" : "{\"rfilename\":") + jsonString(repo.files[i].file.path) + "}";
    return jsonReply(json + "]}");
}

// One level, as the Hub lists it without ?recursive: subdirectories first, then files, each sorted by path.
Reply StandInHub::Private::tree(const StoredRepo &repo, const std::string &revision,
                                const std::string &directory) const {
    if (!repo.resolves(revision))
        return revisionNotFound(revision);
    const std::string prefix = directory.empty() ? "" : directory + "/";
    std::set<std::string> subdirectories;
    std::vector<const StoredFile *> files;
    bool exists = directory.empty();
    for (const StoredFile &stored : repo.files) {
        const std::string &path = stored.file.path;
        if (path.compare(0, prefix.size(), prefix) != 0)
            continue;
        exists = true;
        const std::size_t slash = path.find('/', prefix.size());
        if (slash == std::string::npos)
            files.push_back(&stored);
        else
            subdirectories.insert(path.substr(0, slash));
    }
    if (!exists)
        return hubError(404, "EntryNotFound", directory + " does not exist on \"" + revision + "\"");
    std::sort(files.begin(), files.end(),
              [](const StoredFile *a, const StoredFile *b) { return a->file.path < b->file.path; });

    std::string json = "[";
    for (const std::string &subdirectory : subdirectories) {
        if (json.size() > 1)
            json += ',';
        json += "{\"type\":\"directory\",\"oid\":" + jsonString(digestHex(EVP_sha1(), {"tree:", subdirectory})) +
                ",\"size\":0,\"path\":" + jsonString(subdirectory) + "}";
    }
    for (const StoredFile *stored : files) {
        if (json.size() > 1)
            json += ',';
        const std::string size = std::to_string(stored->file.content.size());
        json += "{\"type\":\"file\",\"oid\":" + jsonString(stored->gitOid) + ",\"size\":" + size;
        if (stored->file.lfs)
            json += ",\"lfs\":{\"oid\":" + jsonString(stored->sha256) + ",\"size\":" + size +
                    ",\"pointerSize\":" + std::to_string(stored->pointerSize) + "}";
        json += ",\"path\":" + jsonString(stored->file.path) + "}";
    }
    return jsonReply(json + "]");
}

Reply StandInHub::Private::resolve(const std::shared_ptr<const StoredRepo> &repo, const std::string &revision,
                                   const std::string &path, const HubRequest &request) const {
    if (!repo->resolves(revision))
        return revisionNotFound(revision);
    const StoredFile *stored = repo->find(path);
    if (stored == nullptr)
        return hubError(404, "EntryNotFound", "Entry not found", false);
    if (!stored->file.lfs)
        return fileReply(repo, *stored, request,
                         {{"ETag", "\"" + stored->gitOid + "\""}, {"X-Repo-Commit", repo->commit}});
    // LFS: the Hub answers with a redirect to a signed CDN URL and names the real content in X-Linked-*.
    Reply reply;
    reply.status = 302;
    reply.headers = {{"Location", endpoint() + "/cdn/" + stored->sha256 + "?file=" + urlEncode(path)},
                     {"X-Linked-Etag", "\"" + stored->sha256 + "\""},
                     {"X-Linked-Size", std::to_string(stored->file.content.size())},
                     {"X-Repo-Commit", repo->commit},
                     {"ETag", "\"" + stored->gitOid + "\""}};
    return reply;
}

// The same bytes may sit in several repos; the fault-carrying copy wins, then the one named by ?file=, so a
// fault set on one repo's file is honoured whichever repo's redirect led here.
Reply StandInHub::Private::cdn(const std::string &sha256, const std::string &query, const HubRequest &request) const {
    std::string wantedPath;
    for (std::string_view parameter : split(query, '&'))
        if (parameter.substr(0, 5) == "file=")
            wantedPath = urlDecode(parameter.substr(5));

    std::shared_ptr<const StoredRepo> bestRepo;
    const StoredFile *best = nullptr;
    int bestScore = -1;
    {
        const std::lock_guard lock(m_mutex);
        for (const auto &[id, repo] : m_repos) {
            for (const StoredFile &stored : repo->files) {
                if (stored.sha256 != sha256)
                    continue;
                const auto fault = m_faults.find({id, stored.file.path});
                const bool faulty = fault != m_faults.end() && (fault->second.corrupt || fault->second.dropTimes > 0);
                const int score = (faulty ? 2 : 0) + (stored.file.path == wantedPath ? 1 : 0);
                if (score > bestScore) {
                    bestScore = score;
                    bestRepo = repo;
                    best = &stored;
                }
            }
        }
    }
    if (best == nullptr)
        return plainNotFound();
    return fileReply(bestRepo, *best, request, {{"ETag", "\"" + sha256 + "\""}});
}

// --- public API ---

StandInHub::StandInHub() : d(std::make_unique<Private>()) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        throw std::runtime_error(std::string("StandInHub: socket: ") + std::strerror(errno));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 || ::listen(fd, 64) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) != 0) {
        const int error = errno;
        ::close(fd);
        throw std::runtime_error(std::string("StandInHub: cannot listen on 127.0.0.1: ") + std::strerror(error));
    }
    d->m_listenFd = fd;
    d->m_port = ntohs(address.sin_port);
    d->m_acceptThread = std::thread(&Private::acceptLoop, d.get());
}

StandInHub::~StandInHub() {
    d->m_stopping = true;
    ::shutdown(d->m_listenFd, SHUT_RDWR);
    d->m_acceptThread.join();
    // Wakes connections blocked in poll at once; the stop flag would end them within pollIntervalMs anyway.
    for (const auto &connection : d->m_connections)
        ::shutdown(connection->fd, SHUT_RDWR);
    for (const auto &connection : d->m_connections) {
        connection->thread.join();
        ::close(connection->fd);
    }
    ::close(d->m_listenFd);
}

std::string StandInHub::endpoint() const {
    return d->endpoint();
}

void StandInHub::addRepo(HubRepo repo) {
    auto stored = std::make_shared<StoredRepo>();
    stored->id = std::move(repo.id);
    stored->commit = std::move(repo.commit);
    stored->gated = repo.gated;
    stored->token = std::move(repo.token);
    for (HubFile &file : repo.files) { // hashing happens outside the lock: it can take a while for big files
        StoredFile entry;
        entry.sha256 = sha256Hex(file.content);
        if (file.lfs) {
            const std::string pointer = lfsPointer(entry.sha256, file.content.size());
            entry.pointerSize = pointer.size();
            entry.gitOid = gitBlobSha1Hex(pointer);
        } else {
            entry.gitOid = gitBlobSha1Hex(file.content);
        }
        entry.file = std::move(file);
        stored->files.push_back(std::move(entry));
    }
    const std::lock_guard lock(d->m_mutex);
    std::string id = stored->id;
    d->m_repos[std::move(id)] = std::move(stored);
}

void StandInHub::dropAfter(const std::string &repo, const std::string &path, std::size_t bytes, int times) {
    const std::lock_guard lock(d->m_mutex);
    Fault &fault = d->m_faults[{repo, path}];
    fault.dropBytes = bytes;
    fault.dropTimes = std::max(times, 0);
}

void StandInHub::corrupt(const std::string &repo, const std::string &path) {
    const std::lock_guard lock(d->m_mutex);
    d->m_faults[{repo, path}].corrupt = true;
}

void StandInHub::throttle(std::size_t bytesPerSecond) {
    d->m_bytesPerSecond = bytesPerSecond;
}

std::vector<HubRequest> StandInHub::requests() const {
    const std::lock_guard lock(d->m_mutex);
    return d->m_requests;
}

void StandInHub::clearRequests() {
    const std::lock_guard lock(d->m_mutex);
    d->m_requests.clear();
}

std::string StandInHub::sha256Hex(const std::string &data) {
    return digestHex(EVP_sha256(), {data});
}

std::string StandInHub::gitBlobSha1Hex(const std::string &data) {
    const std::string header = "blob " + std::to_string(data.size());
    // The NUL that ends git's object header is part of what is hashed, so it is passed with its explicit length.
    return digestHex(EVP_sha1(), {std::string_view(header.c_str(), header.size() + 1), data});
}

} // namespace testsupport
