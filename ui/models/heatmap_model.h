// Table model of one head's attention: rows = query tokens, columns = key tokens. Holds an immutable snapshot.
#pragma once

#include "attention_snapshot.h"

#include <QAbstractTableModel>

namespace attnscope {

class HeatmapModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Roles {
        WeightRole = Qt::UserRole + 1, // float: the attention probability (0 where masked)
        MaskedRole,                    // bool: above the diagonal of a causal model
    };

    explicit HeatmapModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setResult(ResultPtr result); // resets; keeps layer/head when they still exist
    void setLayerHead(int layer, int head);

    const ResultPtr &result() const { return m_result; }
    int layer() const { return m_layer; }
    int head() const { return m_head; }
    int tokenCount() const { return m_result ? m_result->seqLen() : 0; }
    // The (T, T) row-major weights of the current head, or nullptr without a result. For painting.
    const float *matrix() const { return m_result ? m_result->head(m_layer, m_head) : nullptr; }
    QString tokenText(int index) const;
    // "▁Lily -> ▁saw: 0.4123"
    QString cellDescription(int query, int key) const;

signals:
    void layerHeadChanged(int layer, int head);

private:
    ResultPtr m_result;
    int m_layer = 0;
    int m_head = 0;
};

} // namespace attnscope
