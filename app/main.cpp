// attnscope: the desktop app. Parses the command line, discovers models, shows the main window.
#include "main_window.h"
#include "model_paths.h"
#include "presenters/settings_store.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>

int main(int argc, char *argv[]) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("attnscope"));
    QApplication::setOrganizationName(QStringLiteral("AttnScope"));
    QApplication::setApplicationDisplayName(QStringLiteral("AttnScope"));
    QApplication::setApplicationVersion(QStringLiteral(ATTNSCOPE_VERSION_STRING));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("See the attention of real language models."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption model({QStringLiteral("m"), QStringLiteral("model")},
                                   QStringLiteral("Model file to open (GGUF or llama2.c .bin)."), QStringLiteral("FILE"));
    const QCommandLineOption tokenizer(QStringLiteral("tokenizer"),
                                       QStringLiteral("Tokenizer (.model); default: the one beside the model."),
                                       QStringLiteral("FILE"));
    const QCommandLineOption text({QStringLiteral("t"), QStringLiteral("text")}, QStringLiteral("Text to analyse."),
                                  QStringLiteral("TEXT"));
    const QCommandLineOption getModels(QStringLiteral("get-models"),
                                       QStringLiteral("Open File > Get Models at start (the models on this computer and "
                                                      "downloads)."));
    parser.addOptions({model, tokenizer, text, getModels});
    parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("A model or a .attnscope session to open."),
                                 QStringLiteral("[file]"));
    parser.process(app);

    attnscope::MainWindow::Options options;
    options.modelPath = parser.value(model);
    options.tokenizerPath = parser.value(tokenizer);
    options.initialText = parser.value(text);
    options.models = attnscope::discoverAllModels(); // every store: headers only, well under a second
    QSettings settings; // the user's, for this application
    attnscope::SettingsStore store(&settings); // the last session comes back; Recent Models persists
    options.settings = &store;
    const QStringList files = parser.positionalArguments(); // attnscope lesson.attnscope, or a model file
    attnscope::MainWindow window(std::move(options));
    window.show();
    if (files.size() == 1)
        window.openFile(files.front());
    if (parser.isSet(getModels) || window.hasNoModel())
        window.openGetModelsDialog(); // nothing to open yet: where to get a model is the first thing to see
    return app.exec();
}
