// main() for benchmarks of Qt widgets: an offscreen QApplication (unless QT_QPA_PLATFORM says otherwise) around
// Google Benchmark's runner.
#pragma once

#include <QApplication>

#include <benchmark/benchmark.h>

#define ATTNSCOPE_QT_BENCHMARK_MAIN()                                                                                 \
    int main(int argc, char **argv) {                                                                                  \
        if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))                                                            \
            qputenv("QT_QPA_PLATFORM", "offscreen");                                                                   \
        QApplication app(argc, argv);                                                                                  \
        benchmark::Initialize(&argc, argv);                                                                            \
        benchmark::RunSpecifiedBenchmarks();                                                                           \
        benchmark::Shutdown();                                                                                         \
        return 0;                                                                                                      \
    }
