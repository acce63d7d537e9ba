// A lesson prepared once: the model, the texts and the view state, saved as a .attnscope file (JSON) and opened
// again later. Reading is strict about types and lenient about missing keys (they keep their defaults), so a file
// written by an older version still opens; anything that is not a session gets one message.
#pragma once

#include <QString>

namespace attnscope {

struct Session {
    QString modelPath;     // absolute
    QString tokenizerPath; // empty = beside the model / inside it
    QString text;
    QString compareA, compareB; // the compare window's sentences (empty when it was never opened)
    int layer = 0;
    int head = 0;
    QString aggregation = QStringLiteral("head"); // head | mean | max | all
    QString measure = QStringLiteral("raw");      // raw | value | rollout
    int pinnedQuery = -1; // token position in the text's tokens, -1 = none
    int pinnedKey = -1;   // with pinnedQuery: a selected cell
    bool hideSpecial = false;
    bool words = false; // the views between words instead of tokens
    QString colorMap = QStringLiteral("viridis");
    QString colorScale = QStringLiteral("linear"); // linear | log | sqrt
    QString arcsLayout = QStringLiteral("columns"); // columns | line
    double threshold = 0.05;
    int topK = 0;
    QString page = QStringLiteral("heatmap");      // heatmap | step: the page shown left
    QString stepOrder = QStringLiteral("sentence"); // sentence | weight: the step page's key order
};

QByteArray sessionToJson(const Session &session);
// Fills `session` or returns a message ("not an AttnScope session", "\"layer\" must be a number").
QString sessionFromJson(const QByteArray &json, Session *session);

} // namespace attnscope
