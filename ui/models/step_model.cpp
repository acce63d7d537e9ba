// StepModel: one headStep plus the display order and scales of the step-by-step view.
#include "models/step_model.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace attnscope {

StepModel::StepModel(QObject *parent) : QObject(parent) {}

void StepModel::setTrace(TracePtr trace) {
    m_trace = std::move(trace);
    recompute();
}

void StepModel::setHead(int head) {
    if (head == m_head)
        return;
    m_head = head;
    recompute();
}

void StepModel::setQuery(int position) {
    if (position == m_query)
        return;
    m_query = position;
    recompute();
}

void StepModel::setOrder(Order order) {
    if (order == m_order)
        return;
    m_order = order;
    recompute();
}

QString StepModel::tokenText(int position) const {
    if (!m_trace || position < 0 || position >= m_trace->seqLen())
        return {};
    return tokenLabel(m_trace->tokens[static_cast<std::size_t>(position)]);
}

const float *StepModel::weightedValue(int row) const {
    return m_weightedValues.data() + indexOfRow(row) * static_cast<std::size_t>(m_step->headSize);
}

const float *StepModel::product(int row) const {
    return m_products.data() + indexOfRow(row) * static_cast<std::size_t>(m_step->headSize);
}

std::vector<int> StepModel::strongestDimensions(int row, int count) const {
    const float *terms = product(row);
    std::vector<int> dims(static_cast<std::size_t>(m_step->headSize));
    std::iota(dims.begin(), dims.end(), 0);
    std::stable_sort(dims.begin(), dims.end(), [terms](int a, int b) { return std::abs(terms[a]) > std::abs(terms[b]); });
    dims.resize(std::min(dims.size(), static_cast<std::size_t>(std::max(0, count))));
    return dims;
}

void StepModel::recompute() {
    m_step.reset();
    m_rows.clear();
    m_strongestRow = -1;
    m_weightedValues.clear();
    m_products.clear();
    if (m_trace && m_trace->seqLen() > 0) {
        const int query = m_query >= 0 && m_query < m_trace->seqLen() ? m_query : m_trace->seqLen() - 1;
        if (auto step = headStep(*m_trace, m_head, query))
            m_step = std::move(step).value();
    }
    if (!m_step) {
        emit changed();
        return;
    }
    const HeadStep &s = *m_step;
    const std::size_t d = static_cast<std::size_t>(s.headSize);
    m_rows.resize(static_cast<std::size_t>(s.keys));
    std::iota(m_rows.begin(), m_rows.end(), s.first); // key positions; a sliding window starts after 0
    auto weight = [&s](int key) { return s.weights[static_cast<std::size_t>(key - s.first)]; };
    if (m_order == Order::Strongest)
        std::stable_sort(m_rows.begin(), m_rows.end(), [&](int a, int b) { return weight(a) > weight(b); });
    m_strongestRow = 0;
    for (int row = 1; row < static_cast<int>(m_rows.size()); ++row)
        if (weight(keyOfRow(row)) > weight(keyOfRow(m_strongestRow)))
            m_strongestRow = row;
    m_scoreRange = 1e-9;
    for (double dot : s.dots)
        m_scoreRange = std::max(m_scoreRange, std::abs(dot));
    m_keyRange = 1e-9;
    for (std::size_t e = 0; e < d; ++e)
        m_keyRange = std::max(m_keyRange, double(std::abs(m_trace->query(s.query, s.head)[e])));
    m_weightedValues.resize(static_cast<std::size_t>(s.keys) * d);
    m_products.resize(static_cast<std::size_t>(s.keys) * d);
    m_valueRange = 1e-9;
    m_productRange = 1e-9;
    const float *q = m_trace->query(s.query, s.head);
    for (int j = 0; j < s.keys; ++j) {
        const float *k = m_trace->key(s.first + j, s.head), *v = m_trace->value(s.first + j, s.head);
        for (std::size_t e = 0; e < d; ++e) {
            m_keyRange = std::max(m_keyRange, double(std::abs(k[e])));
            const float term = q[e] * k[e];
            m_products[static_cast<std::size_t>(j) * d + e] = term;
            m_productRange = std::max(m_productRange, double(std::abs(term)));
            const float wv = static_cast<float>(s.weights[static_cast<std::size_t>(j)] * v[e]);
            m_weightedValues[static_cast<std::size_t>(j) * d + e] = wv;
            m_valueRange = std::max(m_valueRange, double(std::abs(wv)));
        }
    }
    for (double o : s.output)
        m_valueRange = std::max(m_valueRange, std::abs(o));
    emit changed();
}

} // namespace attnscope
