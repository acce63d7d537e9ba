// Session files: a versioned JSON object.
#include "presenters/session.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace attnscope {

namespace {
constexpr int kVersion = 1;
constexpr qsizetype kMaxBytes = 16 << 20; // a session is a few KB; refuse anything absurd before parsing
} // namespace

QByteArray sessionToJson(const Session &s) {
    QJsonObject o;
    o.insert(QStringLiteral("attnscope-session"), kVersion);
    o.insert(QStringLiteral("model"), s.modelPath);
    if (!s.tokenizerPath.isEmpty())
        o.insert(QStringLiteral("tokenizer"), s.tokenizerPath);
    o.insert(QStringLiteral("text"), s.text);
    if (!s.compareA.isEmpty() || !s.compareB.isEmpty()) {
        o.insert(QStringLiteral("compare_a"), s.compareA);
        o.insert(QStringLiteral("compare_b"), s.compareB);
    }
    o.insert(QStringLiteral("layer"), s.layer);
    o.insert(QStringLiteral("head"), s.head);
    o.insert(QStringLiteral("aggregation"), s.aggregation);
    o.insert(QStringLiteral("measure"), s.measure);
    o.insert(QStringLiteral("pinned_query"), s.pinnedQuery);
    o.insert(QStringLiteral("pinned_key"), s.pinnedKey);
    o.insert(QStringLiteral("hide_special"), s.hideSpecial);
    o.insert(QStringLiteral("words"), s.words);
    o.insert(QStringLiteral("colormap"), s.colorMap);
    o.insert(QStringLiteral("color_scale"), s.colorScale);
    o.insert(QStringLiteral("arcs_layout"), s.arcsLayout);
    o.insert(QStringLiteral("threshold"), s.threshold);
    o.insert(QStringLiteral("top_k"), s.topK);
    o.insert(QStringLiteral("page"), s.page);
    o.insert(QStringLiteral("step_order"), s.stepOrder);
    return QJsonDocument(o).toJson(QJsonDocument::Indented);
}

QString sessionFromJson(const QByteArray &json, Session *out) {
    if (json.size() > kMaxBytes)
        return QStringLiteral("not an AttnScope session (%1 MB is far too large)").arg(json.size() >> 20);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (doc.isNull() || !doc.isObject())
        return QStringLiteral("not an AttnScope session (not a JSON object%1)")
            .arg(doc.isNull() ? QStringLiteral(": ") + error.errorString() : QString());
    const QJsonObject o = doc.object();
    const QJsonValue version = o.value(QStringLiteral("attnscope-session"));
    if (!version.isDouble())
        return QStringLiteral("not an AttnScope session (no \"attnscope-session\" version)");
    if (version.toInt() > kVersion)
        return QStringLiteral("written by a newer AttnScope (session version %1; this one reads %2)")
            .arg(version.toInt())
            .arg(kVersion);
    Session s;
    QString problem;
    auto text = [&](const char *key, QString *field) {
        const QJsonValue v = o.value(QLatin1String(key));
        if (v.isUndefined())
            return;
        if (!v.isString()) { // the first problem is the one reported; a wrong value is never used
            if (problem.isEmpty())
                problem = QStringLiteral("\"%1\" must be text").arg(QLatin1String(key));
            return;
        }
        *field = v.toString();
    };
    auto number = [&](const char *key, double lo, double hi, auto *field) {
        const QJsonValue v = o.value(QLatin1String(key));
        if (v.isUndefined())
            return;
        if (!v.isDouble() || !(v.toDouble() >= lo && v.toDouble() <= hi)) { // out of range is never converted
            if (problem.isEmpty())
                problem = QStringLiteral("\"%1\" must be a number from %2 to %3").arg(QLatin1String(key)).arg(lo).arg(hi);
            return;
        }
        *field = static_cast<std::remove_pointer_t<decltype(field)>>(v.toDouble());
    };
    text("model", &s.modelPath);
    text("tokenizer", &s.tokenizerPath);
    text("text", &s.text);
    text("compare_a", &s.compareA);
    text("compare_b", &s.compareB);
    text("aggregation", &s.aggregation);
    text("measure", &s.measure);
    text("colormap", &s.colorMap);
    text("color_scale", &s.colorScale);
    text("arcs_layout", &s.arcsLayout);
    text("page", &s.page);
    text("step_order", &s.stepOrder);
    number("layer", 0, 1e6, &s.layer);
    number("head", 0, 1e6, &s.head);
    number("pinned_query", -1, 1e7, &s.pinnedQuery);
    number("pinned_key", -1, 1e7, &s.pinnedKey);
    number("threshold", 0, 1, &s.threshold);
    number("top_k", 0, 64, &s.topK);
    const QJsonValue hide = o.value(QStringLiteral("hide_special"));
    if (!hide.isUndefined() && !hide.isBool() && problem.isEmpty())
        problem = QStringLiteral("\"hide_special\" must be true or false");
    s.hideSpecial = hide.toBool(false);
    const QJsonValue words = o.value(QStringLiteral("words"));
    if (!words.isUndefined() && !words.isBool() && problem.isEmpty())
        problem = QStringLiteral("\"words\" must be true or false");
    s.words = words.toBool(false);
    if (problem.isEmpty() && s.modelPath.isEmpty())
        problem = QStringLiteral("the session names no model");
    if (!problem.isEmpty())
        return problem;
    *out = s;
    return {};
}

} // namespace attnscope
