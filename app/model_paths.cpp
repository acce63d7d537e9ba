// Search roots built from the environment, the executable's location and QStandardPaths.
#include "model_paths.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardPaths>

namespace attnscope {

QString userModelDir() {
    return QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath(QStringLiteral("models"));
}

StoreLocations storeLocations() {
    std::vector<std::string> starts{QCoreApplication::applicationDirPath().toStdString()};
    starts.push_back(ATTNSCOPE_SOURCE_DIR);
    return StoreLocations::fromEnvironment(starts,
                                           QStandardPaths::writableLocation(QStandardPaths::AppDataLocation).toStdString());
}

std::vector<SearchRoot> defaultSearchRoots() {
    const StoreLocations where = storeLocations();
    return modelSearchRoots(where.attnscopeModelDir, where.startDirs, where.userDataDir);
}

std::vector<ModelEntry> discoverModels() {
    return findModels(defaultSearchRoots());
}

std::vector<SearchRoot> allModelRoots() {
    return allSearchRoots(storeLocations());
}

std::vector<ModelEntry> discoverAllModels() {
    return findModels(allModelRoots());
}

QString noModelHelp() {
    return QCoreApplication::translate(
               "attnscope",
               "No model found. Put stories260K.bin and tok512.model into %1/stories260K/ (scripts/fetch-models "
               "downloads them), or set ATTNSCOPE_MODEL_DIR to a folder that has them, or open a llama2.c "
               "checkpoint with File > Open Model, or download one with File > Get Models.")
        .arg(QDir::toNativeSeparators(userModelDir()));
}

QList<Example> builtInExamples() {
    QList<Example> examples;
    QFile f(QStringLiteral(":/examples.json"));
    if (f.open(QIODevice::ReadOnly))
        examples = parseExamples(f.readAll());
    if (examples.isEmpty()) {
        Example fallback;
        fallback.text = QStringLiteral("Lily saw a big red ball. Lily wanted the ball.");
        examples.append(fallback);
    }
    return examples;
}

} // namespace attnscope
