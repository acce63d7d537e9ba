// Token labels and metatype registration.
#include "attention_snapshot.h"

#include <algorithm>

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
    // A token is read left to right like the strip it sits in: a Hebrew or Arabic piece next to a byte marker
    // ("י<0xD7>") would otherwise pull the marker's "<0" into its right-to-left run ("0>יxD7>"). Left-to-right marks
    // (invisible) before the text and before each marker keep the marker whole.
    if (std::any_of(out.cbegin(), out.cend(), [](QChar c) {
            return c.direction() == QChar::DirR || c.direction() == QChar::DirAL;
        })) {
        const QChar lrm(0x200E);
        out.replace(QStringLiteral("<0x"), QString(lrm) + QStringLiteral("<0x"));
        out.prepend(lrm);
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
