// attnscope-cli: headless access to the engine. Commands: dump, heatmap, models, info.
// Errors: one line on stderr ("attnscope-cli: <what and which file>") and a non-zero exit code.
#include "model_paths.h"

#include "models/heatmap_model.h"
#include "views/heatmap_renderer.h"

#include <attnscope/engine.h>
#include <attnscope/npy.h>

#include <QBuffer>
#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QGuiApplication>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPainter>
#include <QSaveFile>

#include <cstdio>

using namespace attnscope;

namespace {

constexpr qint64 kMaxTextFileBytes = 16 << 20;

struct Failure {
    QString message;
    int code = 1;
};

[[noreturn]] void fail(const QString &message, int code = 1) {
    throw Failure{message, code};
}

void println(const QString &line) {
    std::fprintf(stdout, "%s\n", qPrintable(line));
}

void writeAtomically(const QString &path, const QByteArray &bytes) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        fail(QStringLiteral("%1: cannot write (%2)").arg(path, file.errorString()));
    if (file.write(bytes) != bytes.size() || !file.commit())
        fail(QStringLiteral("%1: write failed (%2)").arg(path, file.errorString()));
}

EnginePtr loadEngine(const QCommandLineParser &args) {
    QString model = args.value(QStringLiteral("model"));
    QString tokenizer = args.value(QStringLiteral("tokenizer"));
    if (model.isEmpty()) {
        const ModelEntry def = defaultModel(discoverModels());
        if (def.modelPath.empty())
            fail(noModelHelp().replace(QStringLiteral("File > Open Model"), QStringLiteral("--model FILE")));
        model = QString::fromStdString(def.modelPath);
        if (tokenizer.isEmpty())
            tokenizer = QString::fromStdString(def.tokenizerPath);
    }
    auto engine = Engine::load(model.toStdString(), tokenizer.toStdString());
    if (!engine)
        fail(QString::fromStdString(engine.error().message));
    return engine.value();
}

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
    if (QFileInfo(path).isDir())
        fail(QStringLiteral("%1: is a directory, expected a text file").arg(path));
    if (!f.open(QIODevice::ReadOnly))
        fail(QStringLiteral("%1: cannot read (%2)").arg(path, f.errorString()));
    if (f.size() > kMaxTextFileBytes)
        fail(QStringLiteral("%1: too large for a text to analyse (%2 bytes)").arg(path).arg(f.size()));
    return f.readAll();
}

ResultPtr analyze(const Engine &engine, const QCommandLineParser &args) {
    const QByteArray text = inputText(args);
    AnalyzeParams params;
    params.truncateToContext = args.isSet(QStringLiteral("truncate"));
    auto result = engine.analyze(std::string_view(text.constData(), static_cast<std::size_t>(text.size())), params);
    if (!result)
        fail(QString::fromStdString(result.error().message) +
             (params.truncateToContext ? QString() : QStringLiteral(" (or pass --truncate)")));
    return std::make_shared<const AttentionResult>(std::move(result).value());
}

int intOption(const QCommandLineParser &args, const QString &name, int lo, int hi) {
    bool ok = false;
    const int v = args.value(name).toInt(&ok);
    if (!ok || v < lo || v > hi)
        fail(QStringLiteral("--%1 must be an integer from %2 to %3 (got \"%4\")")
                 .arg(name)
                 .arg(lo)
                 .arg(hi)
                 .arg(args.value(name)),
             2);
    return v;
}

QByteArray tokensJson(const AttentionResult &r) {
    QJsonArray tokens;
    for (const Token &t : r.tokens) {
        tokens.append(QJsonObject{{QStringLiteral("id"), t.id},
                                  {QStringLiteral("piece"), QString::fromStdString(t.piece)},
                                  {QStringLiteral("begin"), t.byteBegin},
                                  {QStringLiteral("end"), t.byteEnd},
                                  {QStringLiteral("special"), t.special},
                                  {QStringLiteral("byte"), t.byte}});
    }
    return QJsonDocument(tokens).toJson(QJsonDocument::Indented);
}

int dump(const QCommandLineParser &args) {
    const QString out = args.value(QStringLiteral("out"));
    if (out.isEmpty())
        fail(QStringLiteral("dump needs --out DIR"), 2);
    const EnginePtr engine = loadEngine(args);
    const ResultPtr r = analyze(*engine, args);
    if (QFileInfo(out).exists() && !QFileInfo(out).isDir())
        fail(QStringLiteral("%1: exists and is not a directory").arg(out));
    if (!QDir().mkpath(out))
        fail(QStringLiteral("%1: cannot create the output directory").arg(out));
    const std::int64_t T = r->seqLen();
    const std::string attention = encodeNpy(r->attention.data(), {r->layers, r->heads, T, T});
    const std::string logits = encodeNpy(r->lastLogits(), {r->vocabSize});
    const QDir dir(out);
    const QString attentionPath = dir.filePath(QStringLiteral("attention.npy"));
    const QString logitsPath = dir.filePath(QStringLiteral("last_logits.npy"));
    const QString tokensPath = dir.filePath(QStringLiteral("tokens.json"));
    writeAtomically(attentionPath, QByteArray::fromStdString(attention));
    writeAtomically(logitsPath, QByteArray::fromStdString(logits));
    writeAtomically(tokensPath, tokensJson(*r));
    for (const QString &p : {attentionPath, logitsPath, tokensPath})
        println(p);
    return 0;
}

int heatmap(const QCommandLineParser &args) {
    const QString out = args.value(QStringLiteral("out"));
    if (out.isEmpty() || !out.endsWith(QStringLiteral(".png"), Qt::CaseInsensitive))
        fail(QStringLiteral("heatmap needs --out FILE.png"), 2);
    const EnginePtr engine = loadEngine(args);
    const ModelConfig &c = engine->info().config;
    const int layer = intOption(args, QStringLiteral("layer"), 0, c.layers - 1);
    const int head = intOption(args, QStringLiteral("head"), 0, c.heads - 1);
    const int width = args.isSet(QStringLiteral("width")) ? intOption(args, QStringLiteral("width"), 200, 16384) : 1400;
    const int height =
        args.isSet(QStringLiteral("height")) ? intOption(args, QStringLiteral("height"), 200, 16384) : width;
    const ResultPtr r = analyze(*engine, args);

    HeatmapModel model;
    model.setResult(r);
    model.setLayerHead(layer, head);
    const ViewStyle style;
    const HeatmapScene scene = makeHeatmapScene(model, QString::fromStdString(engine->info().name), style);
    QFont font(QStringLiteral("DejaVu Sans"));
    font.setPixelSize(std::max(11, std::min(width, height) / 70));
    const QString caption = QString::fromUtf8("“%1”").arg(QString::fromStdString(r->text));
    const HeatmapGeometry geometry = layoutHeatmap(QSizeF(width, height), scene, font, caption);
    QImage image(width, height, QImage::Format_RGB32);
    image.fill(style.background);
    {
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setRenderHint(QPainter::TextAntialiasing);
        paintHeatmap(painter, geometry, scene, font, {}, caption);
    }
    QByteArray png;
    QBuffer buffer(&png);
    if (!buffer.open(QIODevice::WriteOnly) || !image.save(&buffer, "PNG"))
        fail(QStringLiteral("%1: could not encode the PNG").arg(out));
    writeAtomically(out, png);
    println(out);
    return 0;
}

int models(const QCommandLineParser &) {
    const auto roots = defaultSearchRoots();
    const auto found = findModels(roots);
    for (const SearchRoot &root : roots)
        std::fprintf(stderr, "searching %s (%s)\n", root.dir.c_str(), root.label.c_str());
    if (found.empty())
        fail(noModelHelp().replace(QStringLiteral("File > Open Model"), QStringLiteral("--model FILE")));
    for (const ModelEntry &m : found)
        println(QStringLiteral("%1\t%2\t%3")
                    .arg(QString::fromStdString(m.name), QString::fromStdString(m.modelPath),
                         m.tokenizerPath.empty() ? QStringLiteral("(no tokenizer found)")
                                                 : QString::fromStdString(m.tokenizerPath)));
    return 0;
}

int info(const QCommandLineParser &args) {
    const EnginePtr engine = loadEngine(args);
    const EngineInfo &i = engine->info();
    const ModelConfig &c = i.config;
    println(QStringLiteral("model        %1").arg(QString::fromStdString(i.modelPath)));
    println(QStringLiteral("format       %1").arg(QString::fromStdString(i.format)));
    println(QStringLiteral("architecture llama"));
    println(QStringLiteral("layers       %1").arg(c.layers));
    println(QStringLiteral("heads        %1").arg(c.heads));
    println(QStringLiteral("kv heads     %1").arg(c.kvHeads));
    println(QStringLiteral("dim          %1").arg(c.dim));
    println(QStringLiteral("hidden dim   %1").arg(c.hiddenDim));
    println(QStringLiteral("head size    %1").arg(c.headSize()));
    println(QStringLiteral("vocab        %1").arg(c.vocabSize));
    println(QStringLiteral("context      %1").arg(c.contextLength));
    println(QStringLiteral("tensor types F32"));
    println(QStringLiteral("tokenizer    sentencepiece %1").arg(QString::fromStdString(i.tokenizerPath)));
    return 0;
}

// Qt's own chatter (e.g. "XDG_RUNTIME_DIR not set" from the offscreen platform) would break the contract of one
// error line on stderr; keep it only when ATTNSCOPE_DEBUG is set.
void quietQtMessages(QtMsgType type, const QMessageLogContext &, const QString &message) {
    if (type == QtFatalMsg || qEnvironmentVariableIsSet("ATTNSCOPE_DEBUG"))
        std::fprintf(stderr, "qt: %s\n", qPrintable(message));
}

} // namespace

int main(int argc, char *argv[]) {
    // The CLI never opens a window; render without a display.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    qInstallMessageHandler(quietQtMessages);
    QGuiApplication app(argc, argv);
    QGuiApplication::setApplicationName(QStringLiteral("attnscope"));
    QGuiApplication::setApplicationVersion(QStringLiteral(ATTNSCOPE_VERSION_STRING));

    QCommandLineParser args;
    args.setApplicationDescription(QStringLiteral(
        "AttnScope on the command line.\n\nCommands:\n"
        "  dump     write attention.npy [layers, heads, T, T], last_logits.npy [vocab] and tokens.json to --out DIR\n"
        "  heatmap  render one head's heatmap to --out FILE.png (--layer L --head H)\n"
        "  models   list the models found on this machine\n"
        "  info     print the model's architecture and sizes"));
    args.addHelpOption();
    args.addVersionOption();
    args.addPositionalArgument(QStringLiteral("command"), QStringLiteral("dump | heatmap | models | info"));
    args.addOptions({
        {QStringLiteral("model"), QStringLiteral("Model file (llama2.c .bin); default: the bundled stories260K."),
         QStringLiteral("FILE")},
        {QStringLiteral("tokenizer"), QStringLiteral("Tokenizer .model; default: the one beside the model."),
         QStringLiteral("FILE")},
        {QStringLiteral("text"), QStringLiteral("Text to analyse."), QStringLiteral("TEXT")},
        {QStringLiteral("text-file"), QStringLiteral("Read the text from a UTF-8 file."), QStringLiteral("FILE")},
        {QStringLiteral("truncate"), QStringLiteral("Cut text longer than the model's context instead of failing.")},
        {QStringLiteral("out"), QStringLiteral("Output directory (dump) or PNG file (heatmap)."),
         QStringLiteral("PATH")},
        {QStringLiteral("layer"), QStringLiteral("Layer to render (heatmap)."), QStringLiteral("L")},
        {QStringLiteral("head"), QStringLiteral("Head to render (heatmap)."), QStringLiteral("H")},
        {QStringLiteral("width"), QStringLiteral("Image width in pixels (heatmap, default 1400)."),
         QStringLiteral("PX")},
        {QStringLiteral("height"), QStringLiteral("Image height in pixels (heatmap, default = width)."),
         QStringLiteral("PX")},
    });
    if (!args.parse(QCoreApplication::arguments())) {
        std::fprintf(stderr, "attnscope-cli: %s\n", qPrintable(args.errorText()));
        return 2;
    }
    if (args.isSet(QStringLiteral("help")))
        args.showHelp(0);
    if (args.isSet(QStringLiteral("version")))
        args.showVersion();

    const QStringList positional = args.positionalArguments();
    try {
        if (positional.size() != 1)
            fail(QStringLiteral("expected one command (dump, heatmap, models, info); see --help"), 2);
        const QString command = positional.front();
        if (command == QLatin1String("dump"))
            return dump(args);
        if (command == QLatin1String("heatmap"))
            return heatmap(args);
        if (command == QLatin1String("models"))
            return models(args);
        if (command == QLatin1String("info"))
            return info(args);
        fail(QStringLiteral("unknown command \"%1\" (expected dump, heatmap, models or info)").arg(command), 2);
    } catch (const Failure &f) {
        std::fprintf(stderr, "attnscope-cli: %s\n", qPrintable(f.message));
        return f.code;
    }
}
