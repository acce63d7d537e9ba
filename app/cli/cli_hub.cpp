// attnscope-cli models and download: every model on this machine (AttnScope's folders, the Hugging Face cache,
// Ollama, LM Studio, llama.cpp's cache), and downloads from the Hugging Face Hub into the shared cache or a folder.
#include "cli_commands.h"
#include "cli_common.h"
#include "model_paths.h"
#include "models/model_catalog.h"

#include <attnscope/hub.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <unistd.h>

namespace attnscope::cli {

namespace {

std::atomic<bool> g_interrupted{false};

// The first Ctrl+C stops the download cleanly (the partial file kept); a second one ends the process at once.
void onInterrupt(int signal) {
    g_interrupted = true;
    std::signal(signal, SIG_DFL);
}

QJsonObject toJson(const ModelEntry &m) {
    const auto s = [](const std::string &v) { return QString::fromStdString(v); };
    const auto orNull = [&](const std::string &v) { return v.empty() ? QJsonValue() : QJsonValue(s(v)); };
    return QJsonObject{{QStringLiteral("path"), s(m.modelPath)},
                       {QStringLiteral("name"), s(m.name)},
                       {QStringLiteral("source"), QString::fromLatin1(storeKey(m.store))},
                       {QStringLiteral("source_label"), s(m.source)},
                       {QStringLiteral("root"), s(m.root)},
                       {QStringLiteral("repo"), orNull(m.repo)},
                       {QStringLiteral("revision"), orNull(m.revision)},
                       {QStringLiteral("format"), s(m.format)},
                       {QStringLiteral("architecture"), s(m.architecture)},
                       {QStringLiteral("family"), orNull(m.family)},
                       {QStringLiteral("parameters"), double(m.parameters)},
                       {QStringLiteral("weight_type"), s(m.weightType)},
                       {QStringLiteral("file_size"), double(m.fileSize)},
                       {QStringLiteral("supported"), m.supported},
                       {QStringLiteral("ready"), m.ready()},
                       {QStringLiteral("reason"), orNull(m.reason)},
                       {QStringLiteral("tokenizer"), orNull(m.tokenizerPath)}};
}

} // namespace

int modelsCommand(const QCommandLineParser &args) {
    const std::vector<SearchRoot> roots = allModelRoots();
    const std::vector<ModelEntry> found = findModels(roots);
    if (args.isSet(QStringLiteral("json"))) {
        QJsonArray out;
        for (const ModelEntry &m : found)
            out.append(toJson(m));
        std::fprintf(stdout, "%s", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
        return 0;
    }
    for (const SearchRoot &root : roots)
        std::fprintf(stderr, "searched %s (%s)\n", root.dir.c_str(), root.label.c_str());
    if (found.empty())
        fail(noModelHelpForCli());
    for (const ModelEntry &m : found) {
        const QString where = QString::fromStdString(m.source) +
                              (m.repo.empty() ? QString() : QStringLiteral(" ") + QString::fromStdString(m.repo));
        const QString state = m.ready() ? QStringLiteral("ok")
                              : m.supported ? QStringLiteral("needs a tokenizer: ") + QString::fromStdString(m.reason)
                                            : QStringLiteral("unsupported: ") + QString::fromStdString(m.reason);
        println(QStringLiteral("%1\t%2\t%3\t%4\t%5\t%6\t%7\t%8")
                    .arg(QString::fromStdString(m.name), QString::fromStdString(m.family.empty() ? m.architecture : m.family),
                         formatParameters(m.parameters), QString::fromStdString(m.weightType),
                         m.fileSize ? formatBytes(qint64(m.fileSize)) : QStringLiteral("-"), where, state,
                         QString::fromStdString(m.modelPath)));
    }
    return 0;
}

int downloadCommand(const QCommandLineParser &args) {
    const QStringList positional = args.positionalArguments();
    if (positional.size() < 2)
        fail(QStringLiteral("download needs a repository id: attnscope-cli download ORG/NAME [FILE ...]"), 2);
    hub::DownloadRequest request;
    request.repo = positional.at(1).toStdString();
    for (qsizetype i = 2; i < positional.size(); ++i)
        request.files.push_back(positional.at(i).toStdString());
    for (const QString &glob : args.values(QStringLiteral("include")))
        request.include.push_back(glob.toStdString());
    if (args.isSet(QStringLiteral("revision")))
        request.revision = args.value(QStringLiteral("revision")).toStdString();
    request.localDir = args.value(QStringLiteral("dir")).toStdString();
    request.force = args.isSet(QStringLiteral("force"));
    // What the command line says wrong is a usage error (exit 2), before any request.
    if (!hub::validRepoId(request.repo))
        fail(QStringLiteral("\"%1\" is not a repository id (expected org/name, e.g. Qwen/Qwen3-0.6B-GGUF)")
                 .arg(positional.at(1)),
             2);
    for (const std::string &file : request.files)
        if (!hub::validRepoPath(file))
            fail(QStringLiteral("\"%1\" is not a file path inside a repository (e.g. model-q8_0.gguf or sub/x.json)")
                     .arg(QString::fromStdString(file)),
                 2);
    if (!hub::validRevision(request.revision))
        fail(QStringLiteral("--revision \"%1\" is not a branch, tag or commit").arg(QString::fromStdString(request.revision)), 2);
    if (args.isSet(QStringLiteral("dir")) && request.localDir.empty())
        fail(QStringLiteral("--dir needs a folder"), 2);
    for (const std::string &glob : request.include)
        if (glob.empty())
            fail(QStringLiteral("--include needs a pattern, e.g. \"*.gguf\""), 2);
    const hub::HubSettings settings = hub::HubSettings::fromEnvironment(storeLocations());

    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    const bool terminal = ::isatty(STDERR_FILENO) == 1;
    bool drew = false;
    const auto progress = [&](const hub::DownloadProgress &p) {
        if (terminal && !p.file.empty()) {
            const double rate = p.bytesPerSecond;
            QString eta = QStringLiteral("--:--");
            if (rate > 0 && p.total > p.done) {
                const qint64 s = qint64(double(p.total - p.done) / rate);
                eta = QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
            }
            std::fprintf(stderr, "\r\033[K[%d/%d] %s  %s / %s  %s/s  ETA %s", p.fileIndex + 1, p.fileCount,
                         p.file.c_str(), qPrintable(formatBytes(qint64(p.fileDone))),
                         qPrintable(p.fileTotal ? formatBytes(qint64(p.fileTotal)) : QStringLiteral("?")),
                         qPrintable(formatBytes(qint64(rate))), qPrintable(eta));
            drew = true;
        }
        return !g_interrupted.load();
    };
    auto result = hub::download(settings, request, progress);
    if (drew)
        std::fprintf(stderr, "\r\033[K");
    std::signal(SIGINT, SIG_DFL);
    std::signal(SIGTERM, SIG_DFL);
    if (!result) {
        if (result.error().cancelled)
            fail(QStringLiteral("interrupted; what was downloaded is kept and the next run resumes it"), 130);
        fail(QString::fromStdString(result.error().message));
    }
    for (const std::string &note : result.value().notes)
        warn(QString::fromStdString(note));
    for (const std::string &path : result.value().paths)
        println(QString::fromStdString(path));
    return 0;
}

} // namespace attnscope::cli
