// What every attnscope-cli command shares: failing with one line, printing paths, loading the model, reading
// the text, parsing numeric options, and writing a batch of files all-or-nothing.
#pragma once

#include "attention_snapshot.h"

#include <attnscope/words.h>

#include <QByteArray>
#include <QCommandLineParser>
#include <QIODevice>
#include <QString>
#include <QStringList>

#include <functional>

namespace attnscope::cli {

struct Failure {
    QString message;
    int code = 1; // 2 = the command line was wrong, 1 = anything else
};
[[noreturn]] void fail(const QString &message, int code = 1);
void println(const QString &line);
// A line on stderr that does not stop the command ("attnscope-cli: note: ..."); stdout stays the command's output.
void warn(const QString &line);
// The app's no-model help in the CLI's words: `open` names the option that opens a model.
QString noModelHelpForCli(const QString &open = QStringLiteral("--model FILE"));

EnginePtr loadEngine(const QCommandLineParser &args);
// The text of --text or --text-file (at most 16 MB); fails with code 2 when neither or both are given.
QByteArray inputText(const QCommandLineParser &args);
// --measure raw|value|rollout (default raw); a wrong name fails with code 2.
Measure measureOption(const QCommandLineParser &args);
// --ablate L:H[,L:H...] with --ablate-mode zero|mean (default zero); none when not given. Bad items fail with code 2.
Ablation ablationOption(const QCommandLineParser &args, const ModelConfig &config);
// The tokens of --text / --text-file as the model reads them (BOS and the template included); longer than the
// context fails unless --truncate.
std::vector<Token> inputTokens(const Engine &engine, const QCommandLineParser &args);
// The text's result in the given measure (value-weighted capture is switched on only for Measure::Value).
ResultPtr analyze(const Engine &engine, const QCommandLineParser &args, Measure measure = Measure::Raw);
// --words: r pooled to words (attention from word A to B = mean over A's tokens of the sum over B's), the words (as
// the engine's tokenizer marks them, words.h) in *words; else r, and *words left empty.
ResultPtr wordsIfAsked(const QCommandLineParser &args, const Engine &engine, ResultPtr r, std::vector<Word> *words);
int intOption(const QCommandLineParser &args, const QString &name, int lo, int hi);
// The same, `fallback` when the option is not given (a given value is still checked: never clamped).
int intOption(const QCommandLineParser &args, const QString &name, int lo, int hi, int fallback);
double doubleOption(const QCommandLineParser &args, const QString &name, double lo, double hi);

// Files written as one unit: write() stages each file atomically; if anything fails, rollback() removes what
// this run wrote and the folders it created, so a failed command leaves nothing behind.
class OutputBatch {
public:
    // Creates `dir` (and parents) if needed; refuses a path that is a file. Paths later are relative to it.
    explicit OutputBatch(const QString &dir);
    ~OutputBatch(); // rolls back unless commit() was called
    // Fails unless `force` when any of `names` exists already, naming the first and how many more.
    void refuseExisting(const QStringList &names, bool force) const;
    QString write(const QString &name, const QByteArray &bytes); // returns the full path
    QString write(const QString &name, const QList<QByteArray> &parts); // the parts one after another
    // Streamed by `writer` into the open file (`bytes` long: checked against the free space first).
    QString write(const QString &name, qint64 bytes, const std::function<QString(QIODevice &)> &writer);
    void commit() { m_done = true; }

private:
    // Writes `name` with writeTo(its full path), which returns an error message or ""; a new file is remembered for
    // the rollback.
    QString record(const QString &name, const std::function<QString(const QString &)> &writeTo);
    void rollback();
    QString m_dir;
    QStringList m_created; // folders this run created, deepest last
    QStringList m_written;
    bool m_done = false;
};

// attention.npy of every head of `r`, streamed into the batch; the size it takes and how it is written go to stderr
// first.
QString writeAttention(OutputBatch &batch, const QString &name, const AttentionResult &r);

} // namespace attnscope::cli
