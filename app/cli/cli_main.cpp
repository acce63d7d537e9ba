// attnscope-cli: headless access to the engine. Commands: dump, export, heatmap, convert, heads, tokenize, models,
// download, info, lens, generate, flow, similarity.
// Errors: one line on stderr ("attnscope-cli: <what and which file>") and a non-zero exit code.
#include "cli_commands.h"
#include "cli_common.h"
#include "model_paths.h"

#include "export/export_files.h"

#include <attnscope/engine.h>
#include <attnscope/gguf_writer.h>
#include <attnscope/head_roles.h>
#include <attnscope/measures.h>
#include <attnscope/npy.h>
#include <attnscope/numbers_export.h>

#include <QCommandLineParser>
#include <QFileInfo>
#include <QApplication>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>
#include <exception>
#include <new>

using namespace attnscope;
using namespace attnscope::cli;

namespace {

int dump(const QCommandLineParser &args) {
    const QString out = args.value(QStringLiteral("out"));
    if (out.isEmpty())
        fail(QStringLiteral("dump needs --out DIR"), 2);
    if (QFileInfo(out).exists() && !QFileInfo(out).isDir())
        fail(QStringLiteral("%1: exists and is not a directory").arg(out));
    const Measure measure = measureOption(args);
    const bool words = args.isSet(QStringLiteral("words"));
    OutputBatch batch(out);
    // Refused before any work: nothing is replaced without --force.
    QStringList names{QStringLiteral("attention.npy"), QStringLiteral("last_logits.npy"), QStringLiteral("tokens.json")};
    if (words)
        names << QStringLiteral("words.json");
    batch.refuseExisting(names, args.isSet(QStringLiteral("force")));
    const EnginePtr engine = loadEngine(args);
    const ResultPtr r = analyze(*engine, args, measure);
    // raw and value (rows normalised): [layers, heads, T, T]; rollout: [layers, 1, T, T], entry l through 0..l.
    // --words: [layers, heads, W, W] between the words of words.json; tokens.json stays the tokens.
    std::vector<Word> wordList;
    const ResultPtr shown = wordsIfAsked(args, *engine, r, &wordList);
    QStringList written = {
        writeAttention(batch, QStringLiteral("attention.npy"), *shown),
        batch.write(QStringLiteral("tokens.json"), QByteArray::fromStdString(tokensJson(*r))),
    };
    if (words)
        written << batch.write(QStringLiteral("words.json"), QByteArray::fromStdString(wordsJson(wordList)));
    if (r->lastLogits()) // encoders without a language-model head have none
        written.insert(1, batch.write(QStringLiteral("last_logits.npy"),
                                      QByteArray::fromStdString(encodeNpy(r->lastLogits(), {r->vocabSize}))));
    batch.commit();
    for (const QString &p : written)
        println(p);
    return 0;
}

int convert(const QCommandLineParser &args) {
    const QString out = args.value(QStringLiteral("out"));
    if (out.isEmpty() || !out.endsWith(QStringLiteral(".gguf"), Qt::CaseInsensitive))
        fail(QStringLiteral("convert needs --out FILE.gguf"), 2);
    const QString type = args.isSet(QStringLiteral("type")) ? args.value(QStringLiteral("type")).toLower() : QStringLiteral("f32");
    GgufWriteParams params;
    if (type == QLatin1String("f32"))
        params.matrixType = GgmlType::F32;
    else if (type == QLatin1String("f16"))
        params.matrixType = GgmlType::F16;
    else if (type == QLatin1String("q8_0"))
        params.matrixType = GgmlType::Q8_0;
    else if (type == QLatin1String("q4_0"))
        params.matrixType = GgmlType::Q4_0;
    else
        fail(QStringLiteral("--type must be f32, f16, q8_0 or q4_0 (got \"%1\")").arg(type), 2);
    if (QFileInfo::exists(out) && !args.isSet(QStringLiteral("force")))
        fail(QStringLiteral("%1 exists; pass --force to overwrite it").arg(out));
    const EnginePtr engine = loadEngine(args);
    params.name = engine->info().name;
    const Status written = writeGguf(engine->model(), engine->tokenizer(), out.toStdString(), params);
    if (!written)
        fail(QString::fromStdString(written.error().message));
    println(out);
    return 0;
}

int heads(const QCommandLineParser &args) {
    const EnginePtr engine = loadEngine(args);
    const ModelConfig &c = engine->info().config;
    // --layer L and --head H narrow the table (checked before the work; out of range is a usage error).
    const int layer = intOption(args, QStringLiteral("layer"), 0, c.layers - 1, -1);
    const int head = intOption(args, QStringLiteral("head"), 0, c.heads - 1, -1);
    const ResultPtr r = analyze(*engine, args);
    std::vector<HeadRoles> roles = allHeadRoles(*r);
    std::erase_if(roles, [&](const HeadRoles &h) { return (layer >= 0 && h.layer != layer) || (head >= 0 && h.head != head); });
    if (args.isSet(QStringLiteral("json"))) {
        QJsonArray out;
        for (const HeadRoles &h : roles)
            out.append(QJsonObject{{QStringLiteral("layer"), h.layer},
                                   {QStringLiteral("head"), h.head},
                                   {QStringLiteral("entropy"), h.entropy},
                                   {QStringLiteral("previous_token"), h.previousToken},
                                   {QStringLiteral("self"), h.self},
                                   {QStringLiteral("first_token"), h.firstToken},
                                   {QStringLiteral("distance"), h.distance},
                                   {QStringLiteral("induction"), h.induction ? QJsonValue(*h.induction) : QJsonValue()},
                                   {QStringLiteral("label"), QString::fromStdString(h.label)}});
        std::fprintf(stdout, "%s", QJsonDocument(out).toJson(QJsonDocument::Indented).constData());
        return 0;
    }
    println(QStringLiteral("layer head  entropy  prev   self   first  distance induction  label"));
    for (const HeadRoles &h : roles)
        println(QStringLiteral("%1 %2  %3  %4  %5  %6  %7  %8  %9")
                    .arg(h.layer, 5)
                    .arg(h.head, 4)
                    .arg(h.entropy, 7, 'f', 3)
                    .arg(h.previousToken, 5, 'f', 3)
                    .arg(h.self, 5, 'f', 3)
                    .arg(h.firstToken, 5, 'f', 3)
                    .arg(h.distance, 8, 'f', 2)
                    .arg(h.induction ? QString::number(*h.induction, 'f', 3) : QStringLiteral("-"), 9)
                    .arg(QString::fromStdString(h.label)));
    return 0;
}

int info(const QCommandLineParser &args) {
    const EnginePtr engine = loadEngine(args);
    const EngineInfo &i = engine->info();
    const ModelConfig &c = i.config;
    if (args.isSet(QStringLiteral("json"))) {
        QJsonObject facts;
        for (const ModelFact &f : describeModel(c))
            facts.insert(QString::fromStdString(f.label), QString::fromStdString(f.value));
        const QJsonObject o{{QStringLiteral("model"), QString::fromStdString(i.modelPath)},
                            {QStringLiteral("name"), QString::fromStdString(i.name)},
                            {QStringLiteral("format"), QString::fromStdString(i.format)},
                            {QStringLiteral("architecture"), QString::fromStdString(c.architecture)},
                            {QStringLiteral("family"), QString::fromStdString(c.family)},
                            {QStringLiteral("layers"), c.layers},
                            {QStringLiteral("heads"), c.heads},
                            {QStringLiteral("kv_heads"), c.kvHeads},
                            {QStringLiteral("dim"), c.dim},
                            {QStringLiteral("hidden_dim"), c.hiddenDim},
                            {QStringLiteral("head_size"), c.headSize()},
                            {QStringLiteral("vocab"), c.vocabSize},
                            {QStringLiteral("context"), c.contextLength},
                            {QStringLiteral("rope_base"), double(c.ropeTheta)},
                            {QStringLiteral("weights"), QString::fromStdString(c.weightTypes)},
                            {QStringLiteral("tokenizer"), QString::fromStdString(i.tokenizerKind)},
                            {QStringLiteral("kernels"), QString::fromStdString(computeKernels())},
                            {QStringLiteral("threads"), computeThreads()},
                            {QStringLiteral("facts"), facts}};
        std::fprintf(stdout, "%s", QJsonDocument(o).toJson(QJsonDocument::Indented).constData());
        return 0;
    }
    println(QStringLiteral("model        %1").arg(QString::fromStdString(i.modelPath)));
    println(QStringLiteral("format       %1").arg(QString::fromStdString(i.format)));
    println(QStringLiteral("architecture %1").arg(QString::fromStdString(c.architecture)));
    println(QStringLiteral("layers       %1").arg(c.layers));
    println(QStringLiteral("heads        %1").arg(c.heads));
    println(QStringLiteral("kv heads     %1").arg(c.kvHeads));
    println(QStringLiteral("dim          %1").arg(c.dim));
    println(QStringLiteral("hidden dim   %1").arg(c.hiddenDim));
    println(QStringLiteral("head size    %1").arg(c.headSize()));
    println(QStringLiteral("vocab        %1").arg(c.vocabSize));
    println(QStringLiteral("context      %1").arg(c.contextLength));
    println(QStringLiteral("rope         base %1, %2 of %3 dims per head")
                .arg(double(c.ropeTheta))
                .arg(c.rotaryDim())
                .arg(c.headSize()));
    println(QStringLiteral("weights      %1").arg(QString::fromStdString(c.weightTypes)));
    println(QStringLiteral("tokenizer    %1").arg(QString::fromStdString(i.tokenizerKind)));
    println(QStringLiteral("kernels      %1 · %2 threads").arg(QString::fromStdString(computeKernels())).arg(computeThreads()));
    for (const ModelFact &f : describeModel(c))
        if (f.label != "rope") // the rope line above says the base; the full description follows as "rope setup"
            println(QStringLiteral("%1 %2").arg(QString::fromStdString(f.label).leftJustified(12), QString::fromStdString(f.value)));
        else
            println(QStringLiteral("rope setup   %1").arg(QString::fromStdString(f.value)));
    return 0;
}

// The options each command reads; any other is a usage error rather than silently ignored (a --layer given to
// dump, which writes every layer, is a mistake worth saying).
void refuseForeignOptions(const QCommandLineParser &args, const QString &command) {
    static const QStringList text{"model", "tokenizer", "text", "text-file", "truncate"};
    static const QStringList ablate{"ablate", "ablate-mode"};
    static const QHash<QString, QStringList> taken{
        {"dump", text + ablate + QStringList{"out", "force", "measure", "words"}},
        {"export", text + ablate + QStringList{"out", "force", "measure", "words", "layer", "head", "view", "format", "scale", "width",
                                      "height", "background", "colormap", "color-scale", "hide-special", "threshold",
                                      "top-k", "pin", "no-caption", "text-b"}},
        {"heatmap", text + QStringList{"out", "force", "measure", "layer", "head", "width", "height"}},
        {"convert", {"model", "tokenizer", "out", "type", "force"}},
        {"heads", text + ablate + QStringList{"json", "layer", "head"}},
        {"lens", text + ablate + QStringList{"json", "top"}},
        {"generate", text + ablate + QStringList{"json", "tokens", "temperature", "top-p", "seed"}},
        {"flow", text + QStringList{"json", "threshold"}},
        {"similarity", {"model", "tokenizer", "text", "text-file", "text-b", "word", "json"}},
        {"tokenize", text + QStringList{"json", "no-special"}},
        {"models", {"json"}},
        {"download", {"dir", "revision", "include", "force"}},
        {"info", {"model", "tokenizer", "json"}},
    };
    const auto it = taken.find(command);
    if (it == taken.end())
        return; // an unknown command is reported as such
    for (const QString &name : args.optionNames())
        if (!it->contains(name))
            fail(QStringLiteral("%1 does not take --%2; see --help").arg(command, name), 2);
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
    QApplication app(argc, argv); // the classroom views are exported by their widgets
    QApplication::setApplicationName(QStringLiteral("attnscope"));
    QApplication::setApplicationVersion(QStringLiteral(ATTNSCOPE_VERSION_STRING));

    QCommandLineParser args;
    args.setApplicationDescription(QStringLiteral(
        "AttnScope on the command line.\n\nCommands:\n"
        "  dump     write attention.npy [layers, heads, T, T], last_logits.npy [vocab] and tokens.json to --out DIR\n"
        "           (existing files are refused unless --force); --words: attention.npy [layers, heads, W, W]\n"
        "           between words, and words.json (text, tokens = token positions, byte begin / end)\n"
        "  export   write pictures or numbers to --out DIR, one file per view, layer and head, and print each path:\n"
        "           <view>_L<layer>_H<head>.<format> (or _L<layer>_mean, _L<layer>_max, _all_mean), grid.<format>,\n"
        "           tokens.<format>; csv: attention_L<layer>_H<head>.csv; npy/json: attention.npy|json + tokens.json.\n"
        "           Existing files are refused unless --force; a failed export leaves nothing behind.\n"
        "  heatmap  render one head's heatmap to --out FILE.png (--layer L --head H)\n"
        "  convert  write the model as GGUF to --out FILE.gguf (--type f32|f16|q8_0|q4_0)\n"
        "  heads    what each head does on the text: entropy, previous-token, self, first-token, distance,\n"
        "           induction scores and a label (--json for a machine-readable array)\n"
        "  tokenize the tokens of the text, one line each (id, piece, byte span in the text), with the tokenizer's\n"
        "           special tokens unless --no-special; --json prints dump's tokens.json objects. The tokenizer is\n"
        "           the model's (--model FILE|DIR) or a tokenizer.json (--tokenizer FILE)\n"
        "  models   list every model on this machine: AttnScope's folders, the Hugging Face cache ($HF_HUB_CACHE,\n"
        "           $HF_HOME/hub, ~/.cache/huggingface/hub), Ollama ($OLLAMA_MODELS, ~/.ollama/models), LM Studio\n"
        "           (~/.lmstudio/models) and llama.cpp's cache ($LLAMA_CACHE, ~/.cache/llama.cpp), with family,\n"
        "           parameters, weight type, size and whether AttnScope can open it (--json: an array of objects with\n"
        "           path, source, repo, family, parameters, weight_type, file_size, supported, reason)\n"
        "  download REPO [FILE ...] fetch a model from the Hugging Face Hub ($HF_ENDPOINT) into the shared cache\n"
        "           (or plain files under --dir DIR): the whole repo, the FILEs, or those matching --include GLOB;\n"
        "           --revision REV (default main); resumes partial files, checks sha256; prints each path.\n"
        "           Token: $HF_TOKEN or $HF_HOME/token; HF_HUB_OFFLINE=1 uses the cache only\n"
        "  info     print the model's architecture and sizes (--json: one object)\n"
        "  lens     logit lens: the top --top K (default 5) next tokens of the final norm and head applied to the\n"
        "           residual stream at every layer boundary (0 = embeddings, l = after layer l) and position;\n"
        "           --json: {tokens, lens: [boundary][position][{id, piece, prob}]}\n"
        "  generate continue the text by --tokens N (default 16): greedy, or sampled with --temperature T (--top-p P,\n"
        "           --seed S); stops at end-of-sequence; --json: {ids (prompt then generated), text, generated:\n"
        "           [{id, piece, prob}]}\n"
        "  flow     information-flow routes (Ferrando & Voita 2024): per layer, the importance of token j's\n"
        "           contribution to position i's attention-block output; edges >= --threshold W (default 0.04);\n"
        "           --json: {tokens, threshold, layers: [{layer, edges: [{from, to, weight}]}]}\n"
        "  similarity  cosine of --word W's residual stream in --text and --text-b at every layer boundary, with\n"
        "           the nearest tokens of each in the unembedding (--json: one object)\n"
        "dump, heads, export, lens and generate take --ablate L:H[,L:H...] (0-based layer:head): those heads'\n"
        "attention outputs are zeroed before the output projection (--ablate-mode mean: replaced by their mean\n"
        "over the text's positions).\n"
        "Options a command does not take are refused (exit 2), as are values outside the model (--layer, --head,\n"
        "--pin). Exit codes: 0 done, 1 bad input or failed work, 2 a usage error.\n\n"
        "Example: attnscope-cli export --text \"Lily saw a ball.\" --view heatmap,arcs --layer all --head all "
        "--format svg --out slides/"));
    args.addHelpOption();
    args.addVersionOption();
    args.addPositionalArgument(QStringLiteral("command"),
                               QStringLiteral("dump | export | heatmap | convert | heads | tokenize | models | download | info "
                                              "| lens | generate | flow | similarity"));
    args.addOptions({
        {QStringLiteral("model"), QStringLiteral("Model: a GGUF file, a llama2.c .bin or a Hugging Face folder; default: "
                                                 "the bundled stories260K."),
         QStringLiteral("FILE")},
        {QStringLiteral("tokenizer"), QStringLiteral("Tokenizer: a tokenizer.json or a sentencepiece .model; default: the "
                                                     "model's own."),
         QStringLiteral("FILE")},
        {QStringLiteral("text"), QStringLiteral("Text to analyse."), QStringLiteral("TEXT")},
        {QStringLiteral("text-file"), QStringLiteral("Read the text from a UTF-8 file (a regular file of at most 16 MiB)."),
         QStringLiteral("FILE")},
        {QStringLiteral("truncate"), QStringLiteral("Cut text longer than the model's context instead of failing "
                                                    "(tokenize: needs the model).")},
        {QStringLiteral("out"), QStringLiteral("Output directory (dump, export) or PNG file (heatmap)."),
         QStringLiteral("PATH")},
        {QStringLiteral("layer"), QStringLiteral("Layer: a number, all, or mean (mean of every head of every layer; "
                                                 "export). Default 0. heads: only this layer's heads."),
         QStringLiteral("L")},
        {QStringLiteral("head"), QStringLiteral("Head: a number, all, mean or max of the layer's heads (export). "
                                                "Default 0. heads: only this head in each layer."),
         QStringLiteral("H")},
        {QStringLiteral("view"), QStringLiteral("export: heatmap, arcs, line-arcs, grid, tokens, step (how --layer "
                                                "--head computes the --pin token's row), next-token (the top "
                                                "predictions after --pin), compare (with --text-b), or several with "
                                                "commas. Default heatmap."),
         QStringLiteral("VIEW")},
        {QStringLiteral("format"), QStringLiteral("export: png, svg, pdf, or numbers: csv (one per head), npy or json "
                                                  "(all layers and heads). Default png."),
         QStringLiteral("FORMAT")},
        {QStringLiteral("scale"), QStringLiteral("export: PNG pixels per logical pixel, e.g. 2 (0.25 to 8). Default 1."),
         QStringLiteral("S")},
        {QStringLiteral("width"), QStringLiteral("Image width in logical pixels (heatmap default 1400; export: per "
                                                 "view)."),
         QStringLiteral("PX")},
        {QStringLiteral("height"), QStringLiteral("Image height in logical pixels (default keeps the view's "
                                                  "proportions; tokens: as tall as needed)."),
         QStringLiteral("PX")},
        {QStringLiteral("background"), QStringLiteral("export: white or transparent. Default white."),
         QStringLiteral("BG")},
        {QStringLiteral("colormap"), QStringLiteral("export: viridis, magma or puor. Default viridis."),
         QStringLiteral("MAP")},
        {QStringLiteral("color-scale"), QStringLiteral("export: linear, log or sqrt. Default linear."),
         QStringLiteral("SCALE")},
        {QStringLiteral("hide-special"), QStringLiteral("export: hide BOS and other special tokens, rows "
                                                        "renormalised.")},
        {QStringLiteral("threshold"), QStringLiteral("export, arcs: draw lines for weights >= W. Default 0.05. flow: keep "
                                                    "edges of importance >= W. Default 0.04."),
         QStringLiteral("W")},
        {QStringLiteral("top-k"), QStringLiteral("export, arcs: at most K lines per token (0 = all)."),
         QStringLiteral("K")},
        {QStringLiteral("pin"), QStringLiteral("export: pin the token at position POS (0 = BOS) in every picture."),
         QStringLiteral("POS")},
        {QStringLiteral("no-caption"), QStringLiteral("export: leave the sentence out of the pictures.")},
        {QStringLiteral("text-b"), QStringLiteral("export --view compare, similarity: the second sentence, compared "
                                                "with --text."),
         QStringLiteral("TEXT")},
        {QStringLiteral("words"), QStringLiteral("dump, export: words instead of tokens (sub-word pieces merged; from "
                                                 "word A to word B = mean over A's tokens of the sum over B's; --pin "
                                                 "counts words); writes words.json too.")},
        {QStringLiteral("force"), QStringLiteral("dump, heatmap, export, convert: overwrite files that exist; download: "
                                                 "download again (and replace files in --dir).")},
        {QStringLiteral("dir"), QStringLiteral("download: plain files into DIR instead of the Hugging Face cache."),
         QStringLiteral("DIR")},
        {QStringLiteral("revision"), QStringLiteral("download: a branch, tag or commit. Default main."),
         QStringLiteral("REV")},
        {QStringLiteral("include"), QStringLiteral("download: only files matching GLOB (may be given again)."),
         QStringLiteral("GLOB")},
        {QStringLiteral("type"), QStringLiteral("convert: weight type, f32 (default), f16, q8_0 or q4_0."),
         QStringLiteral("TYPE")},
        {QStringLiteral("json"), QStringLiteral("heads, tokenize, models: print a JSON array (one object per head, "
                                                "token or model); info: one object.")},
        {QStringLiteral("no-special"), QStringLiteral("tokenize: add no special tokens (no BOS, no template).")},
        {QStringLiteral("ablate"), QStringLiteral("dump, heads, export, lens, generate: knock out heads, 0-based "
                                                  "LAYER:HEAD, several with commas (e.g. 2:6,0:1)."),
         QStringLiteral("L:H")},
        {QStringLiteral("ablate-mode"), QStringLiteral("with --ablate: zero (default) or mean (each head's output "
                                                       "replaced by its mean over the text's positions)."),
         QStringLiteral("MODE")},
        {QStringLiteral("top"), QStringLiteral("lens: tokens per cell, 1 to 100. Default 5."), QStringLiteral("K")},
        {QStringLiteral("tokens"), QStringLiteral("generate: how many tokens to add at most. Default 16."),
         QStringLiteral("N")},
        {QStringLiteral("temperature"), QStringLiteral("generate: sample at this temperature (0 to 100); 0 or not "
                                                       "given: greedy."),
         QStringLiteral("T")},
        {QStringLiteral("top-p"), QStringLiteral("generate, sampling: keep the most probable tokens up to this mass "
                                                 "(0 to 1). Default 1."),
         QStringLiteral("P")},
        {QStringLiteral("seed"), QStringLiteral("generate, sampling: random seed. Default 0."), QStringLiteral("S")},
        {QStringLiteral("word"), QStringLiteral("similarity: the word to compare between --text and --text-b."),
         QStringLiteral("W")},
        {QStringLiteral("measure"), QStringLiteral("dump, export, heatmap: raw (default), value (value-weighted "
                                                   "attention, rows normalised to 1; [layers, heads, T, T]) or rollout "
                                                   "(attention rollout, [layers, 1, T, T], entry l through layers 0..l)."),
         QStringLiteral("M")},
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
        if (positional.isEmpty() || (positional.size() != 1 && positional.front() != QLatin1String("download")))
            fail(QStringLiteral("expected one command (dump, export, heatmap, convert, heads, tokenize, models, download, info, "
                                "lens, generate, flow, similarity); see --help"),
                 2);
        const QString command = positional.front();
        refuseForeignOptions(args, command);
        if (command == QLatin1String("dump"))
            return dump(args);
        if (command == QLatin1String("export"))
            return exportCommand(args);
        if (command == QLatin1String("heatmap"))
            return heatmapCommand(args);
        if (command == QLatin1String("convert"))
            return convert(args);
        if (command == QLatin1String("heads"))
            return heads(args);
        if (command == QLatin1String("tokenize"))
            return tokenizeCommand(args);
        if (command == QLatin1String("models"))
            return modelsCommand(args);
        if (command == QLatin1String("download"))
            return downloadCommand(args);
        if (command == QLatin1String("info"))
            return info(args);
        if (command == QLatin1String("lens"))
            return lensCommand(args);
        if (command == QLatin1String("generate"))
            return generateCommand(args);
        if (command == QLatin1String("flow"))
            return flowCommand(args);
        if (command == QLatin1String("similarity"))
            return similarityCommand(args);
        fail(QStringLiteral("unknown command \"%1\" (expected dump, export, heatmap, convert, heads, tokenize, models, "
                            "download, info, lens, generate, flow or similarity)")
                 .arg(command),
             2);
    } catch (const Failure &f) {
        std::fprintf(stderr, "attnscope-cli: %s\n", qPrintable(f.message));
        return f.code;
    } catch (const std::bad_alloc &) { // the budget checks should have refused first; never a raw exception name
        std::fprintf(stderr, "attnscope-cli: ran out of memory; try a shorter text (--truncate) or a smaller model\n");
        return 1;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "attnscope-cli: failed: %s\n", e.what());
        return 1;
    }
}
