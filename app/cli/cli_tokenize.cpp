// attnscope-cli tokenize: the tokens of a text as the model's tokenizer (or a tokenizer.json) makes them, with the
// byte span of each in the text; --json prints the objects of dump's tokens.json.
#include "cli_commands.h"
#include "cli_common.h"
#include "model_paths.h"

#include <attnscope/engine.h>
#include <attnscope/numbers_export.h>

#include <cstdio>

namespace attnscope::cli {

namespace {

// A piece on one line: line breaks, tabs and backslashes escaped.
QString escaped(const std::string &piece) {
    QString out;
    for (const QChar c : QString::fromStdString(piece)) {
        if (c == QLatin1Char('\n'))
            out += QStringLiteral("\\n");
        else if (c == QLatin1Char('\r'))
            out += QStringLiteral("\\r");
        else if (c == QLatin1Char('\t'))
            out += QStringLiteral("\\t");
        else if (c == QLatin1Char('\\'))
            out += QStringLiteral("\\\\");
        else
            out += c;
    }
    return out;
}

} // namespace

int tokenizeCommand(const QCommandLineParser &args) {
    QString model = args.value(QStringLiteral("model"));
    const QString tokenizerPath = args.value(QStringLiteral("tokenizer"));
    if (model.isEmpty() && tokenizerPath.isEmpty()) {
        const ModelEntry def = defaultModel(discoverModels());
        if (def.modelPath.empty())
            fail(noModelHelpForCli(QStringLiteral("--model FILE or --tokenizer FILE")));
        model = QString::fromStdString(def.modelPath);
    }
    const QByteArray text = inputText(args);
    // --truncate cuts to the model's context: the engine is loaded (once), and its own tokenizer used.
    const bool truncate = args.isSet(QStringLiteral("truncate"));
    if (truncate && model.isEmpty())
        fail(QStringLiteral("--truncate cuts to the model's context: pass --model too"), 2);
    const EnginePtr engine = truncate ? loadEngine(args) : nullptr;
    std::shared_ptr<const Tokenizer> tokenizer;
    if (engine) {
        tokenizer = std::shared_ptr<const Tokenizer>(engine, &engine->tokenizer());
    } else {
        auto loaded = Engine::loadTokenizer(model.toStdString(), tokenizerPath.toStdString());
        if (!loaded)
            fail(QString::fromStdString(loaded.error().message));
        tokenizer = loaded.value();
    }
    auto tokens = tokenizer->encode(std::string_view(text.constData(), std::size_t(text.size())),
                                    !args.isSet(QStringLiteral("no-special")));
    if (!tokens)
        fail(QString::fromStdString(tokens.error().message));
    if (engine && tokens.value().size() > static_cast<std::size_t>(engine->info().config.contextLength))
        tokens.value().resize(static_cast<std::size_t>(engine->info().config.contextLength));
    if (args.isSet(QStringLiteral("json"))) {
        const std::string json = tokensJson(tokens.value());
        std::fwrite(json.data(), 1, json.size(), stdout);
        return 0;
    }
    for (const Token &t : tokens.value())
        println(QStringLiteral("%1\t%2\t%3-%4%5")
                    .arg(t.id)
                    .arg(escaped(t.piece))
                    .arg(t.byteBegin)
                    .arg(t.byteEnd)
                    .arg(t.special ? QStringLiteral("\tspecial") : t.byte ? QStringLiteral("\tbyte") : QString()));
    return 0;
}

} // namespace attnscope::cli
