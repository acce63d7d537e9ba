// Shared attnscope-cli plumbing.
#include "cli_common.h"
#include "model_paths.h"

#include "export/export_files.h"

#include <attnscope/engine.h>
#include <attnscope/measures.h>

#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <cstdio>

namespace attnscope::cli {

namespace {
constexpr qint64 kMaxTextFileBytes = 16 << 20;
} // namespace

QByteArray inputText(const QCommandLineParser &args) {
    const bool hasText = args.isSet(QStringLiteral("text")), hasFile = args.isSet(QStringLiteral("text-file"));
    if (hasText && hasFile)
        fail(QStringLiteral("give either --text or --text-file, not both"), 2);
    if (hasText)
        return args.value(QStringLiteral("text")).toUtf8();
    if (!hasFile)
        fail(QStringLiteral("no text: pass --text TEXT or --text-file FILE"), 2);
    const QString path = args.value(QStringLiteral("text-file"));
    QFile f(path);
    const QFileInfo info(path);
    if (info.isDir())
        fail(QStringLiteral("%1: is a directory, expected a text file").arg(path));
    // A device or FIFO (/dev/zero, a pipe) could block or never end: only regular files are read.
    if (info.exists() && !info.isFile())
        fail(QStringLiteral("%1: not a regular file; pass a text file (or the text with --text)").arg(path));
    if (!f.open(QIODevice::ReadOnly))
        fail(QStringLiteral("%1: cannot read (%2)").arg(path, f.errorString()));
    // At most the cap plus one byte is read, whatever size the file claims.
    const QByteArray text = f.read(kMaxTextFileBytes + 1);
    if (text.size() > kMaxTextFileBytes)
        fail(QStringLiteral("%1: too large for a text to analyse (more than %2 MiB)").arg(path).arg(kMaxTextFileBytes >> 20));
    return text;
}

void fail(const QString &message, int code) {
    throw Failure{message, code};
}

void println(const QString &line) {
    std::fprintf(stdout, "%s\n", qPrintable(line));
}

void warn(const QString &line) {
    std::fprintf(stderr, "attnscope-cli: note: %s\n", qPrintable(line));
}

QString noModelHelpForCli(const QString &open) {
    return noModelHelp()
        .replace(QStringLiteral("File > Open Model"), open)
        .replace(QStringLiteral("File > Get Models"), QStringLiteral("attnscope-cli download REPO"));
}

EnginePtr loadEngine(const QCommandLineParser &args) {
    QString model = args.value(QStringLiteral("model"));
    QString tokenizer = args.value(QStringLiteral("tokenizer"));
    if (model.isEmpty()) {
        const ModelEntry def = defaultModel(discoverModels());
        if (def.modelPath.empty())
            fail(noModelHelpForCli());
        model = QString::fromStdString(def.modelPath);
        if (tokenizer.isEmpty())
            tokenizer = QString::fromStdString(def.tokenizerPath);
    }
    auto engine = Engine::load(model.toStdString(), tokenizer.toStdString());
    if (!engine)
        fail(QString::fromStdString(engine.error().message));
    return engine.value();
}

Measure measureOption(const QCommandLineParser &args) {
    if (!args.isSet(QStringLiteral("measure")))
        return Measure::Raw;
    const QString key = args.value(QStringLiteral("measure")).toLower();
    const std::optional<Measure> measure = parseMeasure(key.toStdString());
    if (!measure)
        fail(QStringLiteral("--measure must be raw, value or rollout (got \"%1\")").arg(key), 2);
    return *measure;
}

QString writeAttention(OutputBatch &batch, const QString &name, const AttentionResult &r) {
    const qint64 bytes = attentionNpyBytes(r);
    warn(QStringLiteral("%1: %2 x %3 heads x %4 x %4 floats, %5 MB on disk, written a block of rows at a time "
                        "(about 4 MB of memory)")
             .arg(name)
             .arg(r.layers)
             .arg(r.heads)
             .arg(r.seqLen())
             .arg(bytes / 1000000));
    return batch.write(name, bytes, [&r](QIODevice &file) { return writeAttentionNpy(file, r); });
}

Ablation ablationOption(const QCommandLineParser &args, const ModelConfig &config) {
    const bool hasMode = args.isSet(QStringLiteral("ablate-mode"));
    const QString mode = args.value(QStringLiteral("ablate-mode")).toLower();
    if (hasMode && mode != QLatin1String("zero") && mode != QLatin1String("mean"))
        fail(QStringLiteral("--ablate-mode must be zero or mean (got \"%1\")").arg(mode), 2);
    if (!args.isSet(QStringLiteral("ablate"))) {
        if (hasMode)
            fail(QStringLiteral("--ablate-mode needs --ablate L:H[,L:H...]"), 2);
        return {};
    }
    auto parsed = parseAblation(args.value(QStringLiteral("ablate")).toStdString(), config,
                                mode == QLatin1String("mean") ? AblationMode::Mean : AblationMode::Zero);
    if (!parsed)
        fail(QStringLiteral("--ablate: ") + QString::fromStdString(parsed.error().message), 2);
    return parsed.value();
}

std::vector<Token> inputTokens(const Engine &engine, const QCommandLineParser &args) {
    const QByteArray text = inputText(args);
    auto tokens = engine.tokenizer().encode(std::string_view(text.constData(), static_cast<std::size_t>(text.size())), true);
    if (!tokens)
        fail(QString::fromStdString(tokens.error().message));
    const int context = engine.info().config.contextLength;
    if (static_cast<int>(tokens->size()) > context) {
        if (!args.isSet(QStringLiteral("truncate")))
            fail(QStringLiteral("the text is %1 tokens long but %2 reads at most %3 (its context); shorten the text or "
                                "pass --truncate")
                     .arg(tokens->size())
                     .arg(QString::fromStdString(engine.info().name))
                     .arg(context));
        tokens->resize(static_cast<std::size_t>(context));
    }
    if (tokens->empty())
        fail(QStringLiteral("nothing to analyse: the text has no tokens"));
    return std::move(tokens.value());
}

ResultPtr analyze(const Engine &engine, const QCommandLineParser &args, Measure measure) {
    const QByteArray text = inputText(args);
    AnalyzeParams params;
    params.ablation = ablationOption(args, engine.info().config);
    params.truncateToContext = args.isSet(QStringLiteral("truncate"));
    params.valueNorms = measure == Measure::Value;
    params.allPositionLogits = false; // the CLI writes the last position's logits only: (T, vocab) is not kept
    auto result = engine.analyze(std::string_view(text.constData(), static_cast<std::size_t>(text.size())), params);
    if (!result)
        fail(QString::fromStdString(result.error().message) +
             (result.error().beyondContext ? QStringLiteral(" or pass --truncate") : QString()));
    if (measure == Measure::Raw)
        return std::make_shared<const AttentionResult>(std::move(result).value());
    auto measured = withMeasure(std::move(result).value(), measure); // in place: one copy of the attention
    if (!measured)
        fail(QString::fromStdString(measured.error().message));
    return std::make_shared<const AttentionResult>(std::move(measured).value());
}

ResultPtr wordsIfAsked(const QCommandLineParser &args, const Engine &engine, ResultPtr r, std::vector<Word> *words) {
    words->clear();
    if (!args.isSet(QStringLiteral("words")))
        return r;
    *words = groupWords(r->tokens, r->text, marksContinuations(engine.tokenizer()));
    return std::make_shared<const AttentionResult>(wordLevel(std::move(r), *words));
}

namespace {
[[noreturn]] void outOfRange(const QCommandLineParser &args, const QString &name, const char *kind, double lo, double hi) {
    fail(QStringLiteral("--%1 must be %2 from %3 to %4 (got \"%5\")")
             .arg(name, QLatin1String(kind))
             .arg(lo)
             .arg(hi)
             .arg(args.value(name)),
         2);
}
} // namespace

int intOption(const QCommandLineParser &args, const QString &name, int lo, int hi) {
    bool ok = false;
    const int v = args.value(name).toInt(&ok);
    if (!ok || v < lo || v > hi)
        outOfRange(args, name, "an integer", lo, hi);
    return v;
}

int intOption(const QCommandLineParser &args, const QString &name, int lo, int hi, int fallback) {
    return args.isSet(name) ? intOption(args, name, lo, hi) : fallback;
}

double doubleOption(const QCommandLineParser &args, const QString &name, double lo, double hi) {
    bool ok = false;
    const double v = args.value(name).toDouble(&ok);
    if (!ok || !(v >= lo && v <= hi))
        outOfRange(args, name, "a number", lo, hi);
    return v;
}

OutputBatch::OutputBatch(const QString &dir) : m_dir(dir) {
    const QFileInfo info(dir);
    if (info.exists() && !info.isDir())
        fail(QStringLiteral("%1: exists and is not a directory").arg(dir));
    // Remember which folders are new, so a failed run can remove them again.
    QStringList missing;
    for (QFileInfo f(QDir::cleanPath(QDir(dir).absolutePath())); !f.exists(); f = QFileInfo(f.path())) {
        missing.prepend(f.filePath());
        if (f.filePath() == f.path())
            break;
    }
    for (const QString &d : missing) {
        if (!QDir().mkdir(d)) {
            rollback();
            fail(QStringLiteral("%1: cannot create the output directory").arg(dir));
        }
        m_created << d;
    }
}

OutputBatch::~OutputBatch() {
    if (!m_done)
        rollback();
}

void OutputBatch::refuseExisting(const QStringList &names, bool force) const {
    if (force)
        return;
    QStringList existing;
    for (const QString &name : names)
        if (QFileInfo::exists(QDir(m_dir).filePath(name)))
            existing << QDir(m_dir).filePath(name);
    if (existing.isEmpty())
        return;
    fail(existing.size() == 1
             ? QStringLiteral("%1 exists; pass --force to overwrite it").arg(existing.front())
             : QStringLiteral("%1 and %2 more files exist; pass --force to overwrite them")
                   .arg(existing.front())
                   .arg(existing.size() - 1));
}

QString OutputBatch::write(const QString &name, const QByteArray &bytes) {
    return write(name, QList<QByteArray>{bytes});
}

QString OutputBatch::write(const QString &name, const QList<QByteArray> &parts) {
    return record(name, [&parts](const QString &path) { return writeFileAtomically(path, parts); });
}

QString OutputBatch::write(const QString &name, qint64 bytes, const std::function<QString(QIODevice &)> &writer) {
    return record(name, [&](const QString &path) { return writeFileAtomically(path, bytes, writer); });
}

QString OutputBatch::record(const QString &name, const std::function<QString(const QString &)> &writeTo) {
    const QString path = QDir(m_dir).filePath(name);
    const bool existed = QFileInfo::exists(path);
    const QString error = writeTo(path);
    if (!error.isEmpty())
        fail(error);
    if (!existed)
        m_written << path;
    return path;
}

void OutputBatch::rollback() {
    for (const QString &path : m_written)
        QFile::remove(path);
    m_written.clear();
    for (auto it = m_created.crbegin(); it != m_created.crend(); ++it)
        QDir().rmdir(*it); // only removes it if empty
    m_created.clear();
}

} // namespace attnscope::cli
