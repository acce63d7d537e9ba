// main() for benchmarks of Qt widgets: an offscreen QApplication (unless QT_QPA_PLATFORM names another platform)
// around Google Benchmark's runner. The offscreen screen is a 1366x768 laptop's with window frames
// (tests/data/offscreen-1366x768.json), the size the app is judged at, so windows are fitted to it as on one.
#pragma once

#include <QApplication>

#include <benchmark/benchmark.h>

#define ATTNSCOPE_QT_BENCHMARK_MAIN()                                                                                 \
    int main(int argc, char **argv) {                                                                                  \
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") || qgetenv("QT_QPA_PLATFORM") == "offscreen")              \
            qputenv("QT_QPA_PLATFORM", "offscreen:configfile=" ATTNSCOPE_OFFSCREEN_SCREEN);                            \
        QApplication app(argc, argv);                                                                                  \
        benchmark::Initialize(&argc, argv);                                                                            \
        benchmark::RunSpecifiedBenchmarks();                                                                           \
        benchmark::Shutdown();                                                                                         \
        return 0;                                                                                                      \
    }
