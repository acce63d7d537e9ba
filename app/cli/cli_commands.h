// The attnscope-cli commands implemented outside cli_main.cpp.
#pragma once

#include <QCommandLineParser>

namespace attnscope::cli {

int exportCommand(const QCommandLineParser &args);
int heatmapCommand(const QCommandLineParser &args);
int tokenizeCommand(const QCommandLineParser &args);
int modelsCommand(const QCommandLineParser &args);
int downloadCommand(const QCommandLineParser &args);
int lensCommand(const QCommandLineParser &args);
int generateCommand(const QCommandLineParser &args);
int flowCommand(const QCommandLineParser &args);
int similarityCommand(const QCommandLineParser &args);

} // namespace attnscope::cli
