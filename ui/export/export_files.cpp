// Atomic writes and export file names.
#include "export/export_files.h"

#include <attnscope/measures.h>
#include <attnscope/npy.h>

#include <QDir>
#include <QFileInfo>
#include <QSaveFile>

namespace attnscope {

namespace {
QString padded(int value, int count) {
    const int width = static_cast<int>(QString::number(std::max(0, count - 1)).size());
    return QStringLiteral("%1").arg(value, width, 10, QLatin1Char('0'));
}

QString plainSelection(const ViewParams &params, int layers, int heads) {
    switch (params.aggregation) {
    case Aggregation::Head:
        return QStringLiteral("L%1_H%2").arg(padded(params.layer, layers), padded(params.head, heads));
    case Aggregation::MeanOfHeads: return QStringLiteral("L%1_mean").arg(padded(params.layer, layers));
    case Aggregation::MaxOfHeads: return QStringLiteral("L%1_max").arg(padded(params.layer, layers));
    case Aggregation::MeanOfAll: return QStringLiteral("all_mean");
    }
    return {};
}

// "L1_H3" ... plus "_value" or "_rollout" for the other measures; rollout has no heads ("L1_rollout").
QString measureSuffix(Measure measure) {
    return measure == Measure::Raw ? QString() : QLatin1Char('_') + QLatin1String(measureKey(measure));
}

QString selection(const ViewParams &params, int layers, int heads, Measure measure) {
    const QString suffix = measureSuffix(measure);
    if (measure == Measure::Rollout && params.aggregation != Aggregation::MeanOfAll)
        return QStringLiteral("L%1").arg(padded(params.layer, layers)) + suffix;
    return plainSelection(params, layers, heads) + suffix;
}
} // namespace

QString writeFileAtomically(const QString &path, const QByteArray &bytes) {
    return writeFileAtomically(path, QList<QByteArray>{bytes});
}

QList<QByteArray> npyParts(const float *data, const std::vector<std::int64_t> &shape) {
    return {QByteArray::fromStdString(npyHeader(shape)),
            QByteArray::fromRawData(reinterpret_cast<const char *>(data), static_cast<qsizetype>(npyDataBytes(shape)))};
}

QString writeFileAtomically(const QString &path, const QList<QByteArray> &parts) {
    const QString shown = QDir::toNativeSeparators(path);
    const QFileInfo info(path);
    if (info.isDir())
        return QStringLiteral("%1: is a folder; choose a file name").arg(shown);
    if (!info.dir().exists())
        return QStringLiteral("%1: the folder %2 does not exist")
            .arg(shown, QDir::toNativeSeparators(info.dir().path()));
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return QStringLiteral("%1: cannot write here (%2)").arg(shown, file.errorString());
    for (const QByteArray &bytes : parts)
        if (file.write(bytes) != bytes.size()) {
            const QString reason = file.errorString();
            file.cancelWriting();
            return QStringLiteral("%1: write failed (%2); nothing was saved").arg(shown, reason);
        }
    if (!file.commit())
        return QStringLiteral("%1: write failed (%2); nothing was saved").arg(shown, file.errorString());
    return {};
}

QString exportBaseName(ExportView view, const ViewParams &params, int layers, int heads, Measure measure) {
    if (view == ExportView::Grid || view == ExportView::Tokens)
        return viewId(view) + measureSuffix(measure);
    return viewId(view) + QLatin1Char('_') + selection(params, layers, heads, measure);
}

QString numbersBaseName(const ViewParams &params, int layers, int heads, Measure measure) {
    return QStringLiteral("attention_") + selection(params, layers, heads, measure);
}

} // namespace attnscope
