// parseExamples: the example library's JSON.
#include "models/examples.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace attnscope {

QList<Example> parseExamples(const QByteArray &json) {
    QList<Example> examples;
    for (const QJsonValue &v : QJsonDocument::fromJson(json).array()) {
        const QJsonObject o = v.toObject();
        Example e;
        e.text = o.value(QStringLiteral("text")).toString();
        e.note = o.value(QStringLiteral("note")).toString();
        e.layer = o.value(QStringLiteral("layer")).toInt(-1);
        e.head = o.value(QStringLiteral("head")).toInt(e.layer >= 0 ? 0 : -1);
        e.focus = o.value(QStringLiteral("focus")).toString();
        e.model = o.value(QStringLiteral("model")).toString();
        if (!e.text.trimmed().isEmpty())
            examples.append(e);
    }
    return examples;
}

} // namespace attnscope
