// attnscope-cli lens, generate, flow and similarity: the analyses of interpret.h on the command line.
#include "cli_commands.h"
#include "cli_common.h"

#include <attnscope/engine.h>
#include <attnscope/interpret.h>
#include <attnscope/numbers_export.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

namespace attnscope::cli {

namespace {

void printJson(const QJsonObject &o) {
    const QByteArray bytes = QJsonDocument(o).toJson(QJsonDocument::Indented);
    std::fwrite(bytes.constData(), 1, static_cast<std::size_t>(bytes.size()), stdout);
}

// The tokens as dump's tokens.json has them.
QJsonArray tokensArray(const std::vector<Token> &tokens) {
    return QJsonDocument::fromJson(QByteArray::fromStdString(tokensJson(tokens))).array();
}

QString pieceOf(const Engine &engine, int id) {
    return QString::fromStdString(engine.tokenizer().piece(id));
}

// A piece for a terminal: control characters escaped, so a newline piece keeps the table's lines.
QString shown(const QString &piece) {
    QString out;
    for (const QChar c : piece) {
        if (c == QLatin1Char('\n'))
            out += QStringLiteral("\\n");
        else if (c == QLatin1Char('\t'))
            out += QStringLiteral("\\t");
        else if (c.unicode() < 0x20)
            out += QStringLiteral("\\x%1").arg(c.unicode(), 2, 16, QLatin1Char('0'));
        else
            out += c;
    }
    return out;
}

QJsonObject predictionObject(const Engine &engine, const TokenProb &p, const char *valueName = "prob") {
    return QJsonObject{{QStringLiteral("id"), p.id},
                       {QStringLiteral("piece"), pieceOf(engine, p.id)},
                       {QString::fromLatin1(valueName), double(p.prob)}};
}

} // namespace

int lensCommand(const QCommandLineParser &args) {
    const EnginePtr engine = loadEngine(args);
    const int topK = intOption(args, QStringLiteral("top"), 1, 100, 5);
    AnalyzeParams params;
    params.ablation = ablationOption(args, engine->info().config);
    auto lens = logitLens(*engine, inputTokens(*engine, args), topK, params);
    if (!lens)
        fail(QString::fromStdString(lens.error().message));
    const LensResult &r = lens.value();
    if (args.isSet(QStringLiteral("json"))) {
        QJsonArray boundaries;
        for (int b = 0; b < r.boundaries; ++b) {
            QJsonArray positions;
            for (int t = 0; t < r.seqLen(); ++t) {
                QJsonArray top;
                for (int k = 0; k < r.topK; ++k)
                    top.append(predictionObject(*engine, r.at(b, t)[k]));
                positions.append(top);
            }
            boundaries.append(positions);
        }
        printJson(QJsonObject{{QStringLiteral("tokens"), tokensArray(r.tokens)}, {QStringLiteral("lens"), boundaries}});
        return 0;
    }
    // One block per position: what each layer boundary predicts next, top K with probabilities.
    for (int t = 0; t < r.seqLen(); ++t) {
        println(QStringLiteral("%1 %2 ->").arg(t).arg(shown(QString::fromStdString(r.tokens[std::size_t(t)].piece))));
        for (int b = 0; b < r.boundaries; ++b) {
            QString line = QStringLiteral("  %1").arg(b == 0 ? QStringLiteral("embeddings") : QStringLiteral("layer %1").arg(b - 1), -11);
            for (int k = 0; k < r.topK; ++k) {
                const TokenProb &p = r.at(b, t)[k];
                line += QStringLiteral("  %1 %2").arg(shown(pieceOf(*engine, p.id))).arg(double(p.prob), 0, 'f', 3);
            }
            println(line);
        }
    }
    return 0;
}

int generateCommand(const QCommandLineParser &args) {
    const EnginePtr engine = loadEngine(args);
    GenerateParams params;
    params.maxTokens = intOption(args, QStringLiteral("tokens"), 1, 100000, 16);
    params.temperature = static_cast<float>(args.isSet(QStringLiteral("temperature"))
                                                ? doubleOption(args, QStringLiteral("temperature"), 0, 100)
                                                : 0.0);
    params.topP = static_cast<float>(args.isSet(QStringLiteral("top-p")) ? doubleOption(args, QStringLiteral("top-p"), 1e-6, 1)
                                                                          : 1.0);
    if (args.isSet(QStringLiteral("seed"))) {
        bool ok = false;
        params.seed = args.value(QStringLiteral("seed")).toULongLong(&ok);
        if (!ok)
            fail(QStringLiteral("--seed must be a whole number from 0 to 18446744073709551615 (got \"%1\")")
                     .arg(args.value(QStringLiteral("seed"))),
                 2);
    }
    if (params.temperature <= 0 && (args.isSet(QStringLiteral("top-p")) || args.isSet(QStringLiteral("seed"))))
        warn(QStringLiteral("--top-p and --seed apply when sampling (--temperature above 0); decoding greedily"));
    params.ablation = ablationOption(args, engine->info().config);
    auto g = generate(*engine, inputTokens(*engine, args), params);
    if (!g)
        fail(QString::fromStdString(g.error().message));
    const Generation &gen = g.value();
    if (args.isSet(QStringLiteral("json"))) {
        QJsonArray ids, generated;
        for (int id : gen.ids)
            ids.append(id);
        for (const GeneratedToken &t : gen.generated)
            generated.append(predictionObject(*engine, TokenProb{t.id, t.prob}));
        printJson(QJsonObject{{QStringLiteral("ids"), ids},
                              {QStringLiteral("text"), QString::fromStdString(gen.text)},
                              {QStringLiteral("generated"), generated}});
        return 0;
    }
    println(QString::fromStdString(gen.text));
    std::fprintf(stdout, "\n");
    for (std::size_t i = 0; i < gen.generated.size(); ++i)
        println(QStringLiteral("%1  %2  %3  p=%4")
                    .arg(i + 1, 3)
                    .arg(gen.generated[i].id, 6)
                    .arg(shown(pieceOf(*engine, gen.generated[i].id)), -16)
                    .arg(double(gen.generated[i].prob), 0, 'f', 4));
    if (gen.endOfSequence)
        println(QStringLiteral("(stopped at the end-of-sequence token)"));
    return 0;
}

int flowCommand(const QCommandLineParser &args) {
    const EnginePtr engine = loadEngine(args);
    const double threshold = args.isSet(QStringLiteral("threshold")) ? doubleOption(args, QStringLiteral("threshold"), 0, 1) : 0.04;
    auto flow = informationFlow(*engine, inputTokens(*engine, args));
    if (!flow)
        fail(QString::fromStdString(flow.error().message));
    const FlowResult &f = flow.value();
    const int T = f.seqLen();
    const bool json = args.isSet(QStringLiteral("json"));
    QJsonArray layers;
    for (int l = 0; l < f.layers; ++l) {
        QJsonArray edges;
        if (!json)
            println(QStringLiteral("layer %1").arg(l));
        for (int i = 0; i < T; ++i)
            for (int j = 0; j < T; ++j) {
                const float w = f.at(l, i, j);
                if (w < threshold || w <= 0)
                    continue;
                if (json)
                    edges.append(QJsonObject{{QStringLiteral("from"), j}, {QStringLiteral("to"), i}, {QStringLiteral("weight"), double(w)}});
                else
                    println(QStringLiteral("  %1 %2 -> %3 %4  %5")
                                .arg(j, 4)
                                .arg(shown(QString::fromStdString(f.tokens[std::size_t(j)].piece)), -12)
                                .arg(i, 4)
                                .arg(shown(QString::fromStdString(f.tokens[std::size_t(i)].piece)), -12)
                                .arg(double(w), 0, 'f', 3));
            }
        layers.append(QJsonObject{{QStringLiteral("layer"), l}, {QStringLiteral("edges"), edges}});
    }
    if (json)
        printJson(QJsonObject{{QStringLiteral("tokens"), tokensArray(f.tokens)},
                              {QStringLiteral("threshold"), threshold},
                              {QStringLiteral("layers"), layers}});
    return 0;
}

int similarityCommand(const QCommandLineParser &args) {
    const EnginePtr engine = loadEngine(args);
    if (!args.isSet(QStringLiteral("text-b")))
        fail(QStringLiteral("similarity needs --text-b TEXT, the second sentence"), 2);
    if (!args.isSet(QStringLiteral("word")))
        fail(QStringLiteral("similarity needs --word W, a word both sentences have"), 2);
    const QByteArray a = inputText(args), b = args.value(QStringLiteral("text-b")).toUtf8();
    const QByteArray word = args.value(QStringLiteral("word")).toUtf8();
    auto s = contextualSimilarity(*engine, std::string_view(a.constData(), std::size_t(a.size())),
                                  std::string_view(b.constData(), std::size_t(b.size())),
                                  std::string_view(word.constData(), std::size_t(word.size())), 5);
    if (!s)
        fail(QString::fromStdString(s.error().message));
    const SimilarityResult &r = s.value();
    if (args.isSet(QStringLiteral("json"))) {
        QJsonArray layers;
        for (const SimilarityLayer &l : r.layers) {
            QJsonArray na, nb;
            for (const TokenProb &p : l.nearestA)
                na.append(predictionObject(*engine, p, "cosine"));
            for (const TokenProb &p : l.nearestB)
                nb.append(predictionObject(*engine, p, "cosine"));
            layers.append(QJsonObject{{QStringLiteral("boundary"), l.boundary},
                                      {QStringLiteral("cosine"), double(l.cosine)},
                                      {QStringLiteral("nearest_a"), na},
                                      {QStringLiteral("nearest_b"), nb}});
        }
        printJson(QJsonObject{
            {QStringLiteral("word"), QString::fromStdString(r.word)},
            {QStringLiteral("a"), QJsonObject{{QStringLiteral("tokens"), tokensArray(r.tokensA)}, {QStringLiteral("position"), r.positionA}}},
            {QStringLiteral("b"), QJsonObject{{QStringLiteral("tokens"), tokensArray(r.tokensB)}, {QStringLiteral("position"), r.positionB}}},
            {QStringLiteral("layers"), layers}});
        return 0;
    }
    println(QStringLiteral("\"%1\": token %2 of A, token %3 of B").arg(QString::fromStdString(r.word)).arg(r.positionA).arg(r.positionB));
    println(QStringLiteral("layer       cosine  nearest in A / nearest in B"));
    for (const SimilarityLayer &l : r.layers) {
        QString na, nb;
        for (const TokenProb &p : l.nearestA)
            na += QStringLiteral(" ") + shown(pieceOf(*engine, p.id));
        for (const TokenProb &p : l.nearestB)
            nb += QStringLiteral(" ") + shown(pieceOf(*engine, p.id));
        println(QStringLiteral("%1 %2 %3 /%4")
                    .arg(l.boundary == 0 ? QStringLiteral("embeddings") : QStringLiteral("layer %1").arg(l.boundary - 1), -11)
                    .arg(double(l.cosine), 7, 'f', 4)
                    .arg(na, nb));
    }
    return 0;
}

} // namespace attnscope::cli
