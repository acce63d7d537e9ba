// Atomic writes and export file names.
#include "export/export_files.h"

#include <attnscope/measures.h>
#include <attnscope/npy.h>

#include <QDir>
#include <QFileInfo>
#include <QSaveFile>
#include <QStorageInfo>

#include <algorithm>
#include <vector>

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
    qint64 bytes = 0;
    for (const QByteArray &p : parts)
        bytes += p.size();
    return writeFileAtomically(path, bytes, [&parts](QIODevice &file) {
        for (const QByteArray &p : parts)
            if (file.write(p) != p.size())
                return file.errorString();
        return QString();
    });
}

QString writeFileAtomically(const QString &path, qint64 bytes, const std::function<QString(QIODevice &)> &writer) {
    const QString shown = QDir::toNativeSeparators(path);
    const QFileInfo info(path);
    if (info.isDir())
        return QStringLiteral("%1: is a folder; choose a file name").arg(shown);
    if (!info.dir().exists())
        return QStringLiteral("%1: the folder %2 does not exist")
            .arg(shown, QDir::toNativeSeparators(info.dir().path()));
    const QStorageInfo volume(info.dir().path());
    if (volume.isValid() && volume.bytesAvailable() >= 0 && bytes > volume.bytesAvailable())
        return QStringLiteral("%1: needs %2 MB but the disk has %3 MB free; nothing was saved")
            .arg(shown)
            .arg(bytes / 1000000)
            .arg(volume.bytesAvailable() / 1000000);
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return QStringLiteral("%1: cannot write here (%2)").arg(shown, file.errorString());
    if (const QString reason = writer(file); !reason.isEmpty()) {
        file.cancelWriting();
        return QStringLiteral("%1: write failed (%2); nothing was saved").arg(shown, reason);
    }
    if (!file.commit())
        return QStringLiteral("%1: write failed (%2); nothing was saved").arg(shown, file.errorString());
    return {};
}

qint64 attentionNpyBytes(const AttentionResult &result) {
    const std::vector<std::int64_t> shape{result.layers, result.heads, result.seqLen(), result.seqLen()};
    return static_cast<qint64>(npyHeader(shape).size() + npyDataBytes(shape));
}

QString writeAttentionNpy(QIODevice &out, const AttentionResult &result) {
    const std::int64_t T = result.seqLen();
    const std::string header = npyHeader({result.layers, result.heads, T, T});
    if (out.write(header.data(), static_cast<qint64>(header.size())) != static_cast<qint64>(header.size()))
        return out.errorString();
    // Rows a block at a time: about 4 MB of floats.
    const int block = static_cast<int>(std::clamp<std::int64_t>((std::int64_t(1) << 20) / std::max<std::int64_t>(T, 1), 1, T));
    std::vector<float> rows(static_cast<std::size_t>(block) * static_cast<std::size_t>(T));
    for (int l = 0; l < result.layers; ++l)
        for (int h = 0; h < result.heads; ++h)
            for (int r0 = 0; r0 < T; r0 += block) {
                const int n = static_cast<int>(std::min<std::int64_t>(block, T - r0));
                result.rows(l, h, r0, n, rows.data());
                const qint64 bytes = static_cast<qint64>(n) * T * static_cast<qint64>(sizeof(float));
                if (out.write(reinterpret_cast<const char *>(rows.data()), bytes) != bytes)
                    return out.errorString();
            }
    return {};
}

QString exportBaseName(ExportView view, const ViewParams &params, int layers, int heads, Measure measure) {
    if (view == ExportView::Grid || view == ExportView::Tokens)
        return viewId(view) + measureSuffix(measure);
    if (view == ExportView::NextToken) // the model's output: no layer, head or measure
        return viewId(view);
    return viewId(view) + QLatin1Char('_') + selection(params, layers, heads, measure);
}

QString numbersBaseName(const ViewParams &params, int layers, int heads, Measure measure) {
    return QStringLiteral("attention_") + selection(params, layers, heads, measure);
}

} // namespace attnscope
