// Writing exports to disk: atomically (QSaveFile: a file appears complete or not at all) and under predictable
// names, shared by File > Export and attnscope-cli export.
#pragma once

#include "export/image_export.h"

#include <attnscope/attention_view.h>

#include <QByteArray>
#include <QIODevice>
#include <QList>
#include <QString>

#include <functional>

namespace attnscope {

// Writes `bytes` to `path` through a temporary file renamed into place. Returns an empty string on success,
// otherwise a message naming the file and the reason ("No space left on device"); nothing is left behind.
QString writeFileAtomically(const QString &path, const QByteArray &bytes);
// The same from parts written one after another, e.g. a header and a large array used where it lies.
QString writeFileAtomically(const QString &path, const QList<QByteArray> &parts);
// The same from a writer that streams into the open file and returns an error message or an empty string (it may
// also stop early: the message is then kept and nothing is saved). Free space is checked first against `bytes`.
QString writeFileAtomically(const QString &path, qint64 bytes, const std::function<QString(QIODevice &)> &writer);
// Every head of `result` as float32 [layers, heads, T, T] in .npy: the header, then each head a block of rows at a
// time (recomputed from the result's source when it keeps no dense tensor), so writing it needs a few MB whatever T
// is. The size of that file: attentionNpyBytes.
QString writeAttentionNpy(QIODevice &out, const AttentionResult &result);
qint64 attentionNpyBytes(const AttentionResult &result);
// A .npy file as two parts: its header and the floats in place (QByteArray::fromRawData, no copy: `data` must
// outlive the parts), so writing attention.npy never holds a second copy of the attention.
QList<QByteArray> npyParts(const float *data, const std::vector<std::int64_t> &shape);

// "heatmap_L1_H3", "arcs_L0_mean", "line-arcs_L2_max", "heatmap_all_mean", "grid", "tokens". Layer and head numbers
// are zero-padded to the width of the model's largest, so file names sort in order. Other measures than raw
// attention add "_value" or "_rollout"; rollout has one matrix per layer ("heatmap_L1_rollout").
QString exportBaseName(ExportView view, const ViewParams &params, int layers, int heads,
                       Measure measure = Measure::Raw);
// "attention_L1_H3" (CSV of one head or aggregate), same numbering.
QString numbersBaseName(const ViewParams &params, int layers, int heads, Measure measure = Measure::Raw);

} // namespace attnscope
