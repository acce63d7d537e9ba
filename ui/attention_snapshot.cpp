// Token labels and metatype registration.
#include "attention_snapshot.h"

namespace attnscope {

QString tokenLabel(const Token &token) {
    QString label = QString::fromStdString(token.display.empty() ? token.piece : token.display);
    QString out;
    out.reserve(label.size());
    for (const QChar c : label) {
        if (c == QLatin1Char('\n'))
            out += QStringLiteral("\\n");
        else if (c == QLatin1Char('\t'))
            out += QStringLiteral("\\t");
        else if (c.category() == QChar::Other_Control)
            out += QStringLiteral("\\x%1").arg(c.unicode(), 2, 16, QLatin1Char('0'));
        else
            out += c;
    }
    return out;
}

QString tokenDescription(const Token &token) {
    QString kind;
    if (token.special)
        kind = QStringLiteral(", special");
    else if (token.byte)
        kind = QStringLiteral(", byte fallback");
    const QString span = token.byteEnd > token.byteBegin
                             ? QStringLiteral(", bytes %1-%2").arg(token.byteBegin).arg(token.byteEnd)
                             : QString();
    if (token.word)
        return QStringLiteral("%1 (word%2%3)").arg(tokenLabel(token), span, kind);
    return QStringLiteral("%1 (id %2%3%4)").arg(tokenLabel(token)).arg(token.id).arg(span, kind);
}

void registerMetaTypes() {
    qRegisterMetaType<ResultPtr>();
    qRegisterMetaType<EnginePtr>();
    qRegisterMetaType<AnalysisPtr>();
    qRegisterMetaType<TracePtr>();
}

} // namespace attnscope
