// What the step-by-step view shows: for one layer, head and query token, the numbers of core's headStep (the
// dot products q·k, their scaling, the softmax and the weighted values), in the order the view lists the keys,
// with the shared ranges the view's bars and strips are drawn against. Holds an immutable trace from the worker;
// the arithmetic per query is a headStep call (O(keys x head size)), cheap enough for every click.
#pragma once

#include "attention_snapshot.h"

#include <QObject>
#include <QString>

#include <optional>
#include <vector>

namespace attnscope {

class StepModel : public QObject {
    Q_OBJECT
public:
    enum class Order { Sentence, Strongest };

    explicit StepModel(QObject *parent = nullptr);

    void setTrace(TracePtr trace);
    void setHead(int head);
    void setQuery(int position); // -1: the last token
    void setOrder(Order order);

    const TracePtr &trace() const { return m_trace; }
    int head() const { return m_head; }
    // The step of the current head and query; nullptr when there is no trace or the head is out of its range.
    const HeadStep *step() const { return m_step ? &*m_step : nullptr; }
    Order order() const { return m_order; }
    int rowCount() const { return static_cast<int>(m_rows.size()); }
    int keyOfRow(int row) const { return m_rows[static_cast<std::size_t>(row)]; } // key position
    // Where a key's numbers are in the step's vectors (dots, scaled, weights): keys start at step()->first.
    std::size_t indexOfRow(int row) const { return static_cast<std::size_t>(keyOfRow(row) - m_step->first); }
    int strongestRow() const { return m_strongestRow; } // the row of the largest weight, -1 without a step
    QString tokenText(int position) const;
    // weights_j * v_j (headSize) of a row's key: what that key contributes to the output.
    const float *weightedValue(int row) const;
    // q_e * k_e (headSize) of a row's key: the terms that add up to its score q·k, so which dimensions made it.
    const float *product(int row) const;
    // The dimensions with the largest terms of a row's q·k, largest magnitude first (at most `count`).
    std::vector<int> strongestDimensions(int row, int count) const;
    // Largest magnitudes, so rows share one scale: of q·k (scores and scaled scores are drawn on one axis, which
    // makes the 1/sqrt(d) shrink visible), of q and every k, and of every weighted value and the output.
    double scoreRange() const { return m_scoreRange; }
    double keyRange() const { return m_keyRange; }
    double valueRange() const { return m_valueRange; }
    double productRange() const { return m_productRange; } // of every q_e * k_e

signals:
    void changed();

private:
    void recompute();

    TracePtr m_trace;
    int m_head = 0;
    int m_query = -1;
    Order m_order = Order::Sentence;
    std::optional<HeadStep> m_step;
    std::vector<int> m_rows;            // key positions in display order
    int m_strongestRow = -1;
    std::vector<float> m_weightedValues; // (keys, headSize), by key position
    std::vector<float> m_products;       // (keys, headSize), by key position
    double m_scoreRange = 1, m_keyRange = 1, m_valueRange = 1, m_productRange = 1;
};

} // namespace attnscope
