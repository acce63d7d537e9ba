// attnscope-cli export (images and numbers, one file per view x layer x head) and heatmap (one PNG).
#include "cli_commands.h"
#include "cli_common.h"

#include "export/export_files.h"
#include "export/image_export.h"
#include "models/head_grid_model.h"
#include "models/heatmap_model.h"
#include "models/insights_model.h"
#include "models/step_model.h"
#include "views/predictions_view.h"
#include "presenters/compare_presenter.h"
#include "views/step_view.h"
#include "widgets/compare_window.h"

#include <attnscope/engine.h>
#include <attnscope/head_roles.h>
#include <attnscope/npy.h>
#include <attnscope/numbers_export.h>

#include <QEventLoop>
#include <QFileInfo>
#include <QLineEdit>
#include <QSpinBox>
#include <QTimer>

#include <memory>

namespace attnscope::cli {

namespace {

enum class NumberFormat { None, Csv, Npy, Json };

QString option(const QCommandLineParser &args, const char *name, const QString &fallback) {
    const QString key = QString::fromLatin1(name);
    return args.isSet(key) ? args.value(key).trimmed() : fallback;
}

// --layer L|all|mean and --head H|all|mean|max -> the list of views to draw.
std::vector<ViewParams> selections(const QCommandLineParser &args, int layers, int heads, bool hideSpecial) {
    const QString layer = option(args, "layer", QStringLiteral("0")).toLower();
    const QString head = option(args, "head", QStringLiteral("0")).toLower();
    std::vector<ViewParams> out;
    auto parseIndex = [&](const QString &text, const char *name, int count) {
        bool ok = false;
        const int v = text.toInt(&ok);
        if (!ok || v < 0 || v >= count)
            fail(QStringLiteral("--%1 must be 0 to %2, all%3 (got \"%4\")")
                     .arg(QLatin1String(name))
                     .arg(count - 1)
                     .arg(QLatin1String(std::string_view(name) == "layer" ? " or mean" : ", mean or max"), text),
                 2);
        return v;
    };
    if (layer == QLatin1String("mean")) { // mean of every head of every layer; --head does not apply
        out.push_back({0, 0, Aggregation::MeanOfAll, hideSpecial});
        return out;
    }
    std::vector<int> layerList;
    if (layer == QLatin1String("all"))
        for (int l = 0; l < layers; ++l)
            layerList.push_back(l);
    else
        layerList.push_back(parseIndex(layer, "layer", layers));
    for (const int l : layerList) {
        if (head == QLatin1String("all")) {
            for (int h = 0; h < heads; ++h)
                out.push_back({l, h, Aggregation::Head, hideSpecial});
        } else if (head == QLatin1String("mean")) {
            out.push_back({l, 0, Aggregation::MeanOfHeads, hideSpecial});
        } else if (head == QLatin1String("max")) {
            out.push_back({l, 0, Aggregation::MaxOfHeads, hideSpecial});
        } else {
            out.push_back({l, parseIndex(head, "head", heads), Aggregation::Head, hideSpecial});
        }
    }
    return out;
}

std::vector<ExportView> views(const QCommandLineParser &args) {
    std::vector<ExportView> out;
    for (const QString &id : option(args, "view", QStringLiteral("heatmap")).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const auto v = viewFromId(id.trimmed());
        if (!v)
            fail(QStringLiteral("--view must be heatmap, arcs, line-arcs, grid, tokens, step, next-token or compare "
                                "(got \"%1\")").arg(id), 2);
        if (std::find(out.begin(), out.end(), *v) == out.end())
            out.push_back(*v);
    }
    if (out.empty())
        fail(QStringLiteral("--view is empty"), 2);
    return out;
}

ViewStyle styleOption(const QCommandLineParser &args) {
    ViewStyle style;
    const QString map = option(args, "colormap", QStringLiteral("viridis")).toLower();
    bool found = false;
    for (const ColorMap *m : ColorMap::all())
        if (m->id() == map) {
            style.map = m;
            found = true;
        }
    if (!found)
        fail(QStringLiteral("--colormap must be viridis, magma or puor (got \"%1\")").arg(map), 2);
    const QString scale = option(args, "color-scale", QStringLiteral("linear")).toLower();
    if (scale == QLatin1String("linear"))
        style.scale.kind = ColorScale::Kind::Linear;
    else if (scale == QLatin1String("log"))
        style.scale.kind = ColorScale::Kind::Log;
    else if (scale == QLatin1String("sqrt"))
        style.scale.kind = ColorScale::Kind::Power;
    else
        fail(QStringLiteral("--color-scale must be linear, log or sqrt (got \"%1\")").arg(scale), 2);
    return style;
}

// Everything about the picture except which view and which head: checked before the model is loaded, so a
// typo fails in milliseconds.
struct ImageOptions {
    std::optional<ImageFormat> image;
    NumberFormat numbers = NumberFormat::None;
    double scale = 1;
    bool transparent = false;
    ViewStyle style;
    float threshold = 0.05f;
    int topK = 0;
    bool caption = true;
    std::optional<QSizeF> size; // --width/--height when given
};

ImageOptions imageOptions(const QCommandLineParser &args) {
    ImageOptions o;
    const QString format = option(args, "format", QStringLiteral("png")).toLower();
    o.image = formatFromId(format);
    if (format == QLatin1String("csv"))
        o.numbers = NumberFormat::Csv;
    else if (format == QLatin1String("npy"))
        o.numbers = NumberFormat::Npy;
    else if (format == QLatin1String("json"))
        o.numbers = NumberFormat::Json;
    else if (!o.image)
        fail(QStringLiteral("--format must be png, svg, pdf, csv, npy or json (got \"%1\")").arg(format), 2);
    if (args.isSet(QStringLiteral("scale")))
        o.scale = doubleOption(args, QStringLiteral("scale"), 0.25, 8);
    const QString background = option(args, "background", QStringLiteral("white")).toLower();
    if (background != QLatin1String("white") && background != QLatin1String("transparent"))
        fail(QStringLiteral("--background must be white or transparent (got \"%1\")").arg(background), 2);
    o.transparent = background == QLatin1String("transparent");
    o.style = styleOption(args);
    if (args.isSet(QStringLiteral("threshold")))
        o.threshold = static_cast<float>(doubleOption(args, QStringLiteral("threshold"), 0, 1));
    o.topK = intOption(args, QStringLiteral("top-k"), 0, 1000000, o.topK);
    o.caption = !args.isSet(QStringLiteral("no-caption"));
    const bool w = args.isSet(QStringLiteral("width")), h = args.isSet(QStringLiteral("height"));
    if (w || h)
        o.size = QSizeF(intOption(args, QStringLiteral("width"), 200, 16384, 0),
                        intOption(args, QStringLiteral("height"), 200, 16384, 0));
    return o;
}

ImageSpec makeSpec(const ImageOptions &o, ExportView view, const QString &modelName) {
    ImageSpec spec;
    spec.view = view;
    spec.format = o.image.value_or(ImageFormat::Png);
    const QSizeF def = defaultExportSize(view);
    spec.size = def;
    if (o.size) { // one of the two may be left out: keep the view's default aspect (tokens: auto height)
        const double w = o.size->width(), h = o.size->height();
        if (w > 0 && h > 0)
            spec.size = QSizeF(w, h);
        else if (w > 0)
            spec.size = QSizeF(w, def.height() > 0 ? w * def.height() / def.width() : 0);
        else
            spec.size = QSizeF(def.height() > 0 ? h * def.width() / def.height() : def.width(), h);
    }
    spec.scale = o.scale;
    spec.transparent = o.transparent;
    spec.font = defaultExportFont(spec.size);
    spec.caption = o.caption;
    spec.modelName = modelName;
    spec.style = o.style;
    spec.threshold = o.threshold;
    spec.topK = o.topK;
    return spec;
}

// --pin POS: the token (index in the full sequence, 0 = BOS) pinned in every picture.
Focus pinOption(const QCommandLineParser &args, const HeatmapModel &model) {
    if (!args.isSet(QStringLiteral("pin")))
        return {};
    const int position = intOption(args, QStringLiteral("pin"), 0, model.result()->seqLen() - 1);
    const int row = model.rowOfPosition(position);
    if (row < 0)
        fail(QStringLiteral("--pin %1 is a hidden special token; pick another or drop --hide-special").arg(position), 2);
    return Focus{row, -1};
}

// The classroom views as the app draws them (the step-by-step page, the next-token bars, the compare window), set up
// for each picture: their widgets laid out at the picture's width, painted by the export.
class PanelViews {
public:
    PanelViews(EnginePtr engine, ResultPtr tokens, const ImageOptions &options, const QString &modelName)
        : m_engine(std::move(engine)), m_tokens(std::move(tokens)), m_options(options), m_modelName(modelName) {}

    ExportPanel step(const ViewParams &p, int query, const ImageSpec &spec) {
        if (p.aggregation != Aggregation::Head)
            fail(QStringLiteral("--view step shows one head's computation: give --layer L --head H (not all, mean or max)"), 2);
        if (!m_trace || m_trace->layer != p.layer) {
            auto trace = m_engine->traceLayer(m_tokens->tokens, p.layer);
            if (!trace)
                fail(QString::fromStdString(trace.error().message));
            m_trace = std::make_shared<const LayerTrace>(std::move(trace).value());
        }
        if (!m_stepModel) {
            m_stepModel = std::make_unique<StepModel>();
            m_stepView = std::make_unique<StepView>();
            m_stepView->setModel(m_stepModel.get());
        }
        m_stepModel->setTrace(m_trace);
        m_stepModel->setHead(p.head);
        m_stepModel->setQuery(query);
        m_stepView->setStyle(m_options.style);
        m_stepView->setFont(spec.font);
        layOut(m_stepView.get(), spec);
        const int q = m_stepModel->step() ? m_stepModel->step()->query : query;
        return {m_stepView.get(),
                QStringLiteral("layer %1 · head %2 · step by step for “%3” (token %4)")
                    .arg(p.layer).arg(p.head).arg(m_stepModel->tokenText(q)).arg(q),
                QString::fromStdString(m_tokens->text)};
    }

    ExportPanel nextToken(int query, const ImageSpec &spec) {
        if (!m_insights) {
            auto analysis = std::make_shared<Analysis>();
            analysis->raw = analysis->shown = m_tokens;
            analysis->roles = allHeadRoles(*m_tokens);
            m_insights = std::make_unique<InsightsModel>();
            m_insights->setAnalysis(analysis, m_engine);
            m_predictions = std::make_unique<PredictionsView>();
            m_predictions->setModel(m_insights.get());
        }
        m_insights->setFocus(query, -1);
        if (m_insights->predictions().empty())
            fail(QStringLiteral("--view next-token: this model has no language-model head, so it predicts no next token"));
        m_predictions->setFont(spec.font);
        layOut(m_predictions.get(), spec);
        const int at = m_insights->predictionPosition();
        return {m_predictions.get(),
                QStringLiteral("next token after “%1” (token %2)").arg(m_insights->tokenText(at)).arg(at),
                QString::fromStdString(m_tokens->text)};
    }

    ExportPanel compare(const ViewParams &p, const QString &textB, bool words, const ImageSpec &spec) {
        if (p.aggregation != Aggregation::Head)
            fail(QStringLiteral("--view compare shows one head of both sentences: give --layer L --head H"), 2);
        if (!m_compare) {
            m_compare = std::make_unique<CompareWindow>();
            QEventLoop loop;
            QString error;
            QObject::connect(m_compare.get(), &CompareWindow::compared, &loop, &QEventLoop::quit);
            QObject::connect(m_compare.get(), &CompareWindow::failed, &loop, [&](const QString &message) {
                error = message;
                loop.quit();
            });
            m_compare->presenter()->setWords(words); // --words: the anchor is a shared word
            m_compare->setEngine(m_engine);
            m_compare->setTexts(QString::fromStdString(m_tokens->text), textB);
            loop.exec(); // both sentences analysed off this thread, as in the app
            if (!error.isEmpty())
                fail(error);
        }
        m_compare->setStyle(m_options.style);
        m_compare->presenter()->selectHead(p.layer, p.head);
        m_compare->resize(QSize(int(spec.size.width() - 20), int(std::max(600.0, spec.size.width() * 0.6))));
        m_compare->ensurePolished();
        return {m_compare.get(),
                QStringLiteral("layer %1 · head %2 · compare two sentences").arg(p.layer).arg(p.head),
                QStringLiteral("A: %1   B: %2").arg(m_compare->presenter()->textA(), m_compare->presenter()->textB())};
    }

private:
    // The widget at the picture's width less the margins, as tall as it asks to be there.
    static void layOut(QWidget *w, const ImageSpec &spec) {
        w->ensurePolished();
        const int width = std::max(200, int(spec.size.width()) - 20);
        w->resize(width, std::max(100, w->hasHeightForWidth() ? w->heightForWidth(width) : w->sizeHint().height()));
    }

    EnginePtr m_engine;
    ResultPtr m_tokens;
    const ImageOptions &m_options;
    QString m_modelName;
    TracePtr m_trace;
    std::unique_ptr<StepModel> m_stepModel;
    std::unique_ptr<StepView> m_stepView;
    std::unique_ptr<InsightsModel> m_insights;
    std::unique_ptr<PredictionsView> m_predictions;
    std::unique_ptr<CompareWindow> m_compare;
};

} // namespace

int exportCommand(const QCommandLineParser &args) {
    const QString out = args.value(QStringLiteral("out"));
    if (out.isEmpty())
        fail(QStringLiteral("export needs --out DIR"), 2);
    const std::vector<ExportView> viewList = views(args);
    const ImageOptions options = imageOptions(args);
    const bool comparing = std::find(viewList.begin(), viewList.end(), ExportView::Compare) != viewList.end();
    if (comparing && !args.isSet(QStringLiteral("text-b")))
        fail(QStringLiteral("--view compare needs the second sentence: --text-b TEXT"), 2);
    if (!comparing && args.isSet(QStringLiteral("text-b")))
        fail(QStringLiteral("--text-b is the second sentence of --view compare"), 2);
    if (options.numbers != NumberFormat::None)
        for (const ExportView v : viewList)
            if (isPanelView(v) && args.isSet(QStringLiteral("view")))
                fail(QStringLiteral("--view %1 is a picture: use --format png, svg or pdf").arg(viewId(v)), 2);
    const bool force = args.isSet(QStringLiteral("force"));
    const bool hideSpecial = args.isSet(QStringLiteral("hide-special"));
    if (QFileInfo(out).exists() && !QFileInfo(out).isDir())
        fail(QStringLiteral("%1: exists and is not a directory").arg(out));

    const Measure measure = measureOption(args);
    const EnginePtr engine = loadEngine(args);
    const ModelConfig &c = engine->info().config;
    const int heads = measure == Measure::Rollout ? 1 : c.heads; // rollout mixes the heads of each layer
    const std::vector<ViewParams> chosen = selections(args, c.layers, heads, hideSpecial);
    const ResultPtr tokens = analyze(*engine, args, measure);
    // --words: every picture and number between words; words.json says which tokens each one spans.
    const bool words = args.isSet(QStringLiteral("words"));
    std::vector<Word> wordList;
    const ResultPtr result = wordsIfAsked(args, *engine, tokens, &wordList);
    const QString modelName = QString::fromStdString(engine->info().name);

    HeatmapModel model;
    model.setBackground(false); // a command's output is complete when it exits
    model.setResult(result);
    model.setHideSpecial(hideSpecial);
    HeadGridModel grid;
    grid.setSourceModel(&model);
    const Focus pin = pinOption(args, model);
    PanelViews panels(engine, tokens, options, modelName);
    auto select = [&](const ViewParams &p) {
        model.setAggregation(p.aggregation);
        model.setLayerHead(p.layer, p.head);
    };

    // Every file this run will write, named before anything is rendered so existing files are refused up front.
    struct Job {
        QString name;
        ViewParams params;
        ExportView view = ExportView::Heatmap;
        int kind = 0; // 0 image, 1 csv, 2 npy, 3 json, 4 tokens.json, 5 words.json
    };
    std::vector<Job> jobs;
    if (options.numbers == NumberFormat::Csv) {
        for (const ViewParams &p : chosen)
            jobs.push_back({numbersBaseName(p, c.layers, heads, measure) + QStringLiteral(".csv"), p, {}, 1});
    } else if (options.numbers == NumberFormat::Npy || options.numbers == NumberFormat::Json) {
        const bool npy = options.numbers == NumberFormat::Npy;
        jobs.push_back({npy ? QStringLiteral("attention.npy") : QStringLiteral("attention.json"), {}, {}, npy ? 2 : 3});
        jobs.push_back({QStringLiteral("tokens.json"), {}, {}, 4});
    } else {
        const QString suffix = QLatin1Char('.') + formatId(*options.image);
        for (const ExportView v : viewList) {
            if (v == ExportView::Grid || v == ExportView::Tokens || v == ExportView::NextToken) { // one picture
                jobs.push_back({exportBaseName(v, chosen.front(), c.layers, heads, measure) + suffix, chosen.front(), v, 0});
                continue;
            }
            for (const ViewParams &p : chosen)
                jobs.push_back({exportBaseName(v, p, c.layers, heads, measure) + suffix, p, v, 0});
        }
    }
    if (words)
        jobs.push_back({QStringLiteral("words.json"), {}, {}, 5});
    QStringList names;
    for (const Job &j : jobs)
        names << j.name;

    OutputBatch batch(out);
    batch.refuseExisting(names, force);
    QStringList written;
    for (const Job &job : jobs) {
        QList<QByteArray> parts; // the file's bytes, one part or several written one after another
        switch (job.kind) {
        case 0: {
            select(job.params);
            ImageSpec spec = makeSpec(options, job.view, modelName);
            spec.state.focus = pin;
            // The token a step or a prediction is about: the pinned one (in words, the word's last token), else the last.
            const int pinned = pin.query >= 0 ? model.position(pin.query) : -1;
            const int query = pinned < 0 ? tokens->seqLen() - 1
                                         : (words ? wordList[std::size_t(pinned)].tokens.back() : pinned);
            ExportSources sources{&model, &grid, {}};
            if (job.view == ExportView::Step)
                sources.panels[job.view] = panels.step(job.params, query, spec);
            else if (job.view == ExportView::NextToken)
                sources.panels[job.view] = panels.nextToken(query, spec);
            else if (job.view == ExportView::Compare)
                sources.panels[job.view] = panels.compare(job.params, args.value(QStringLiteral("text-b")), words, spec);
            spec.state.outlineSelection = job.view == ExportView::Grid && args.isSet(QStringLiteral("layer"));
            QString error, note;
            parts << encodeImage(sources, spec, &error, &note);
            if (parts.front().isEmpty())
                fail(QStringLiteral("%1: %2").arg(job.name, error));
            if (!note.isEmpty())
                warn(QStringLiteral("%1: %2").arg(job.name, note));
            break;
        }
        case 1:
            select(job.params);
            if (!model.complete())
                fail(QStringLiteral("CSV holds texts of up to %1 tokens (this one has %2): use --format npy, which is "
                                    "written a block of rows at a time")
                         .arg(HeatmapModel::kDenseTokens)
                         .arg(model.tokenCount()));
            parts << QByteArray::fromStdString(attentionCsv(*result, model.matrix()));
            break;
        case 2: // streamed from the result, a block of rows at a time
            written << writeAttention(batch, job.name, *result);
            continue;
        case 3: parts << QByteArray::fromStdString(attentionJson(*result, modelName.toStdString())); break;
        case 4: parts << QByteArray::fromStdString(tokensJson(*result)); break;
        case 5: parts << QByteArray::fromStdString(wordsJson(wordList)); break;
        }
        written << batch.write(job.name, parts);
    }
    batch.commit();
    for (const QString &p : written)
        println(p);
    return 0;
}

int heatmapCommand(const QCommandLineParser &args) {
    const QString out = args.value(QStringLiteral("out"));
    if (out.isEmpty() || !out.endsWith(QStringLiteral(".png"), Qt::CaseInsensitive))
        fail(QStringLiteral("heatmap needs --out FILE.png"), 2);
    if (QFileInfo(out).isDir())
        fail(QStringLiteral("%1: is a directory; heatmap writes one FILE.png").arg(out));
    if (QFileInfo::exists(out) && !args.isSet(QStringLiteral("force")))
        fail(QStringLiteral("%1 exists; pass --force to overwrite it").arg(out));
    const Measure measure = measureOption(args);
    const EnginePtr engine = loadEngine(args);
    const ModelConfig &c = engine->info().config;
    // Default layer 0, head 0, as --help says; a value outside the model is a usage error, never clamped.
    const int layer = intOption(args, QStringLiteral("layer"), 0, c.layers - 1, 0);
    const int head = intOption(args, QStringLiteral("head"), 0, measure == Measure::Rollout ? 0 : c.heads - 1, 0);
    const int width = intOption(args, QStringLiteral("width"), 200, 16384, 1400);
    const int height = intOption(args, QStringLiteral("height"), 200, 16384, width);
    const ResultPtr r = analyze(*engine, args, measure);

    HeatmapModel model;
    model.setBackground(false);
    model.setResult(r);
    model.setLayerHead(layer, head);
    ImageSpec spec;
    spec.size = QSizeF(width, height);
    spec.font = defaultExportFont(spec.size);
    spec.modelName = QString::fromStdString(engine->info().name);
    QString error, note;
    const QByteArray png = encodeImage({&model, nullptr}, spec, &error, &note);
    if (png.isEmpty())
        fail(QStringLiteral("%1: %2").arg(out, error));
    if (!note.isEmpty())
        warn(QStringLiteral("%1: %2").arg(out, note));
    const QString writeError = writeFileAtomically(out, png);
    if (!writeError.isEmpty())
        fail(writeError);
    println(out);
    return 0;
}

} // namespace attnscope::cli
