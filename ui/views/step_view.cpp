// StepView: a worked example of one head's attention for one query token.
#include "views/step_view.h"
#include "models/step_model.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <cmath>

namespace attnscope {

namespace {
const QColor kPositive(0xe6, 0x61, 0x01); // PuOr's orange and purple ends: colour-blind safe, and the same
const QColor kNegative(0x5e, 0x3c, 0x99); // ends as the vector strips
const QColor kGrid(0xd0, 0xd0, 0xd0);

QString number(double v) {
    const double a = std::abs(v);
    return QString::number(v, 'f', a >= 100 ? 0 : a >= 10 ? 1 : 2).replace(QLatin1Char('-'), QChar(0x2212));
}
QString percent(double w) {
    return QStringLiteral("%1%").arg(w * 100.0, 0, 'f', w < 0.1 ? 1 : 0);
}
// Step ②'s operation: "÷ √64" for the usual 1 / sqrt(d_head), "× 0.0625" for a family's own query scale (Gemma 2/3).
QString scaleText(const HeadStep &s) {
    const double usual = 1.0 / std::sqrt(double(s.headSize));
    if (std::abs(s.scale - usual) < 1e-6 * usual)
        return QStringLiteral("÷ √%1").arg(s.headSize);
    return QStringLiteral("× %1").arg(s.scale, 0, 'f', 4);
}
} // namespace

StepView::StepView(QWidget *parent) : QWidget(parent) {
    setAttribute(Qt::WA_OpaquePaintEvent);
    setMouseTracking(true);
}

void StepView::setModel(StepModel *model) {
    m_model = model;
    connect(model, &StepModel::changed, this, [this] {
        m_hoverRow = -1;
        m_widest = -1;
        updateGeometry();
        update();
    });
    updateGeometry();
    update();
}

void StepView::setStyle(const ViewStyle &style) {
    m_style = style;
    update();
}

void StepView::setFocusedKey(int position) {
    m_focusedKey = position;
    update();
}

void StepView::setMessage(const QString &message) {
    if (message == m_message)
        return;
    m_message = message;
    updateGeometry();
    update();
}

void StepView::setZoom(double zoom) {
    m_zoom = std::clamp(zoom, 0.5, 4.0);
    m_widest = -1;
    updateGeometry();
    update();
}

double StepView::fitZoom(const QSize &area) const {
    // The largest zoom (in 5% steps) at which every row fits the height and about 90 characters the width, the
    // room the columns need to stay readable. Heights are measured at each candidate, so rounding cannot overflow.
    for (double z = 2.5; z > 1.0; z -= 0.05) {
        const QFontMetricsF fm(viewFont(z));
        if (contentHeight(z) <= area.height() && fm.horizontalAdvance(QLatin1Char('x')) * 90 <= area.width())
            return z;
    }
    return 1.0;
}

QFont StepView::viewFont(double zoom) const {
    QFont f = font();
    f.setPointSizeF(f.pointSizeF() * zoom);
    return f;
}

QFont StepView::viewFont() const {
    return viewFont(m_zoom);
}

void StepView::layoutRows(const QFontMetricsF &fm, Geometry &g) {
    g.margin = fm.height() * 0.6;
    g.line = fm.height();
    g.row = std::round(fm.height() * 1.45);
    g.title = g.margin;
    g.queryRow = g.title + g.line * 1.5;
    g.header = g.queryRow + g.row * 1.3;
    g.rowsTop = g.header + g.line * 3.3; // a bold title and up to two lines of detail
}

int StepView::contentHeight(double zoom) const {
    Geometry g;
    layoutRows(QFontMetricsF(viewFont(zoom)), g);
    const int rows = m_model && m_model->step() && m_message.isEmpty() ? m_model->rowCount() : 4;
    return int(g.rowsTop + g.row * (rows + 4.5) + g.margin);
}

void StepView::changeEvent(QEvent *event) {
    if (event->type() == QEvent::FontChange) {
        m_widest = -1;
        updateGeometry();
    }
    QWidget::changeEvent(event);
}

StepView::Geometry StepView::geometry() const {
    const QFontMetricsF fm(viewFont());
    Geometry g;
    layoutRows(fm, g);
    if (m_widest < 0) { // measured once per step, zoom and font: geometry() runs on every mouse move
        m_widest = fm.horizontalAdvance(QStringLiteral("query q "));
        if (m_model && m_model->step())
            for (int j = 0; j < m_model->step()->keys; ++j)
                m_widest = std::max(m_widest, fm.horizontalAdvance(m_model->tokenText(m_model->step()->first + j)) +
                                                  fm.horizontalAdvance(QStringLiteral(" 000")));
    }
    const double widest = m_widest;
    g.label = g.margin;
    g.labelWidth = std::min(widest + fm.height() * 0.5, fm.horizontalAdvance(QLatin1Char('x')) * 18);
    const double gap = fm.height() * 0.8;
    const double free = std::max(200.0, width() - 2 * g.margin - g.labelWidth - 6 * gap);
    const int d = m_model && m_model->step() ? m_model->step()->headSize : 8;
    const double cell = std::clamp(free * 0.17 / d, 2.0, fm.height() * 1.2);
    g.strip = cell * d;
    g.barWidth = std::min((free - 3 * g.strip) / 3.0, fm.height() * 12.0); // numbers stay near their bars
    g.keys = g.label + g.labelWidth + gap;
    g.product = g.keys + g.strip + gap;
    g.score = g.product + g.strip + gap;
    g.scaled = g.score + g.barWidth + gap;
    g.softmax = g.scaled + g.barWidth + gap;
    g.values = g.softmax + g.barWidth + gap;
    return g;
}

QSize StepView::sizeHint() const {
    const QFontMetrics fm(viewFont());
    return {fm.horizontalAdvance(QLatin1Char('x')) * 110, contentHeight(m_zoom)};
}

QSize StepView::minimumSizeHint() const {
    // Every row must stay reachable: the scroll area (widget resizable) scrolls only past the minimum height.
    const QFontMetrics fm(viewFont());
    return {fm.horizontalAdvance(QLatin1Char('x')) * 60, sizeHint().height()};
}

int StepView::rowAt(const QPoint &point) const {
    if (!m_model || !m_model->step() || !m_message.isEmpty())
        return -1;
    const Geometry g = geometry();
    if (point.y() < g.rowsTop || point.y() < visibleRegion().boundingRect().top() + g.rowsTop)
        return -1; // above the rows, or under the header that stays at the top while they scroll
    const int row = int((point.y() - g.rowsTop) / g.row);
    return row < m_model->rowCount() ? row : -1;
}

QRect StepView::rowRect(int row) const {
    const Geometry g = geometry();
    return QRect(0, int(g.rowsTop + row * g.row), width(), int(g.row));
}

QString StepView::rowDescription(int row) const {
    if (!m_model || !m_model->step() || row < 0 || row >= m_model->rowCount())
        return {};
    const HeadStep &s = *m_model->step();
    const int key = m_model->keyOfRow(row);
    const std::size_t j = m_model->indexOfRow(row);
    QStringList values;
    const float *wv = m_model->weightedValue(row);
    for (int e = 0; e < std::min(s.headSize, 8); ++e)
        values << number(wv[e]);
    if (s.headSize > 8)
        values << QStringLiteral("… (%1 numbers)").arg(s.headSize);
    const QString scaled = s.softcap > 0 ? tr("%1, softcap %2 · tanh(%1 ÷ %2) → %3")
                                               .arg(QString::number(s.uncapped[j], 'f', 4), QString::number(s.softcap),
                                                    QString::number(s.scaled[j], 'f', 4))
                                         : QString::number(s.scaled[j], 'f', 4);
    return tr("“%1” (token %2) as a key for “%3” (token %4)\n"
              "① score q·k = %5\n"
              "② %6 → %7\n"
              "③ softmax: exp(%8 − %9) ÷ %10 → weight %11\n"
              "④ weight × v = [%12]")
        .arg(m_model->tokenText(key))
        .arg(key)
        .arg(m_model->tokenText(s.query))
        .arg(s.query)
        .arg(QString::number(s.dots[j], 'f', 4), scaleText(s), scaled, QString::number(s.scaled[j], 'f', 4),
             QString::number(s.maxScaled, 'f', 4), QString::number(s.expSum, 'f', 4),
             QString::number(s.weights[j] * 100.0, 'f', 2) + QLatin1Char('%'), values.join(QStringLiteral(", ")));
}

QString StepView::describeAt(const QPoint &point) const {
    if (!m_model || !m_model->step() || !m_message.isEmpty())
        return {};
    const HeadStep &s = *m_model->step();
    const LayerTrace &t = *m_model->trace();
    const Geometry g = geometry();
    const double x = point.x();
    const int d = s.headSize;
    auto in = [&](double left) { return x >= left && x < left + g.strip; };
    auto dimension = [&](double left) { return std::clamp(int((x - left) / g.strip * d), 0, d - 1); };
    // How a vector was made: the projection of this layer's normalised input at that token, and what followed.
    auto made = [&](const QString &matrix, int position, bool rotated) {
        QStringList steps{tr("layer %1's %2 applied to the normalised hidden state of token %3").arg(s.layer).arg(matrix).arg(position)};
        if (t.biases)
            steps << tr("plus its bias");
        if (rotated && t.qkNorm)
            steps << tr("RMS-normalised per head (QK-norm)");
        if (rotated && t.rotary)
            steps << tr("rotated by RoPE for position %1").arg(position);
        return steps.join(QStringLiteral(", "));
    };
    const int kvHead = t.kvHeadOf(s.head), group = t.heads / std::max(1, t.kvHeads);
    const QString kvText = group > 1 ? tr("key/value head %1, shared by query heads %2–%3").arg(kvHead).arg(kvHead * group).arg(kvHead * group + group - 1)
                                     : tr("head %1").arg(s.head);
    const double top = std::max(0, visibleRegion().boundingRect().top()); // the header stays at the top
    if (point.y() >= top + g.queryRow && point.y() < top + g.queryRow + g.row && in(g.keys)) {
        const int e = dimension(g.keys);
        return tr("Query vector q of “%1” (token %2), head %3:\n%4.\nDimension %5 of %6: %7")
            .arg(m_model->tokenText(s.query)).arg(s.query).arg(s.head).arg(made(QStringLiteral("W_Q"), s.query, true))
            .arg(e).arg(d).arg(number(t.query(s.query, s.head)[e]));
    }
    const double outputY = g.rowsTop + m_model->rowCount() * g.row + g.row * 1.3;
    if (point.y() >= outputY && point.y() < outputY + g.row && in(g.values)) {
        const int e = dimension(g.values);
        return tr("The head's output for “%1”: Σ weight × v over the %2 keys it sees.\nLayer %3's output projection "
                  "W_O then mixes it with the other heads' outputs into the residual stream.\nDimension %4 of %5: %6")
            .arg(m_model->tokenText(s.query)).arg(s.keys).arg(s.layer).arg(e).arg(d).arg(number(s.output[std::size_t(e)]));
    }
    const int row = rowAt(point);
    if (row < 0)
        return {};
    const int key = m_model->keyOfRow(row);
    const std::size_t j = m_model->indexOfRow(row);
    const QString keyText = m_model->tokenText(key);
    if (in(g.keys)) {
        const int e = dimension(g.keys);
        return tr("Key vector k of “%1” (token %2), %3:\n%4.\nDimension %5 of %6: %7")
            .arg(keyText).arg(key).arg(kvText, made(QStringLiteral("W_K"), key, true)).arg(e).arg(d)
            .arg(number(t.key(key, s.head)[e]));
    }
    if (in(g.product)) {
        const int e = dimension(g.product);
        QStringList strongest;
        for (int dim : m_model->strongestDimensions(row, 3))
            strongest << tr("dimension %1: %2").arg(dim).arg(number(m_model->product(row)[dim]));
        return tr("q ⊙ k for “%1” (token %2): dimension by dimension q × k;\nthe %3 terms add up to the score ① q·k = %4.\n"
                  "Largest: %5.\nDimension %6: %7 × %8 = %9")
            .arg(keyText).arg(key).arg(d).arg(number(s.dots[j]), strongest.join(QStringLiteral(", "))).arg(e)
            .arg(number(t.query(s.query, s.head)[e]), number(t.key(key, s.head)[e]), number(m_model->product(row)[e]));
    }
    if (in(g.values)) {
        const int e = dimension(g.values);
        return tr("Weight × value for “%1” (token %2): its weight %5 times its value vector v, this key's share of the head's "
                  "output.\nv: %3, %4.\nDimension %6: %7 × %8 = %9")
            .arg(keyText).arg(key).arg(kvText, made(QStringLiteral("W_V"), key, false), percent(s.weights[j])).arg(e)
            .arg(QString::number(s.weights[j], 'f', 4), number(t.value(key, s.head)[e]), number(m_model->weightedValue(row)[e]));
    }
    return rowDescription(row);
}

void StepView::paintStrip(QPainter &p, const QRectF &r, const float *values, double range) const {
    const int d = m_model->step()->headSize;
    const double cell = r.width() / d;
    for (int e = 0; e < d; ++e) {
        const float t = static_cast<float>(0.5 + 0.5 * values[e] / range);
        p.fillRect(QRectF(r.left() + e * cell, r.top(), cell + 0.5, r.height()), ColorMap::purpleOrange().color(t));
    }
    p.setPen(QPen(kGrid, 1));
    p.setBrush(Qt::NoBrush);
    p.drawRect(r);
}

void StepView::paintStrip(QPainter &p, const QRectF &r, const double *values, double range) const {
    std::vector<float> f(values, values + m_model->step()->headSize);
    paintStrip(p, r, f.data(), range);
}

void StepView::paintEvent(QPaintEvent *event) {
    QPainter p(this);
    p.setFont(viewFont());
    p.fillRect(rect(), m_style.background);
    p.setRenderHint(QPainter::Antialiasing, false);
    const QFontMetricsF fm(viewFont());
    const Geometry g = geometry();
    const QColor text = m_style.text, muted = m_style.muted;
    QFont bold = viewFont();
    bold.setBold(true);
    if (!m_message.isEmpty() || !m_model || !m_model->step()) {
        p.setPen(muted);
        p.drawText(rect().adjusted(int(g.margin), int(g.margin), -int(g.margin), -int(g.margin)),
                   Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
                   m_message.isEmpty() ? tr("Type a sentence to see how one head computes its attention.") : m_message);
        return;
    }
    const HeadStep &s = *m_model->step();
    const TracePtr &trace = m_model->trace();
    const QString queryText = m_model->tokenText(s.query);

    const double stripH = g.row * 0.62;
    // The title, the query vector and the column headers stay at the top of the visible part while the rows
    // scroll under them (painted last, over the rows); the panel repaints the whole view on every scroll.
    auto paintHeader = [&](double top) {
        p.save();
        p.fillRect(QRectF(0, top, width(), g.rowsTop - g.row * 0.1), m_style.background);
        p.translate(0, top);
        // Title.
        QFont titleFont = bold;
        titleFont.setPointSizeF(viewFont().pointSizeF() * 1.15);
        p.setFont(titleFont);
        p.setPen(text);
        p.drawText(QRectF(g.margin, g.title, width() - 2 * g.margin, g.line * 1.4), Qt::AlignLeft | Qt::AlignVCenter,
                   tr("Layer %1, head %2: where “%3” (token %4) looks, step by step")
                       .arg(s.window > 0 ? tr("%1 (sliding window of %2)").arg(s.layer).arg(s.window) : QString::number(s.layer))
                       .arg(s.head)
                       .arg(queryText)
                       .arg(s.query));
        p.setFont(viewFont());

        // The query vector, right above the key vectors it is compared with.
        p.setPen(text);
        p.setFont(bold);
        p.drawText(QRectF(g.label, g.queryRow, g.labelWidth, g.row), Qt::AlignRight | Qt::AlignVCenter, tr("query q"));
        p.setFont(viewFont());
        paintStrip(p, QRectF(g.keys, g.queryRow + (g.row - stripH) / 2, g.strip, stripH), trace->query(s.query, s.head),
                   m_model->keyRange());
        p.setPen(muted);
        p.drawText(QRectF(g.score, g.queryRow, width() - g.score - g.margin, g.row), Qt::AlignLeft | Qt::AlignVCenter,
                   s.qkNorm ? tr("%1 numbers · QK-norm: q and k RMS-normalised per head, then RoPE").arg(s.headSize)
                            : tr("%1 numbers per vector · each key below is compared with q").arg(s.headSize));

        // Column headers: what each step does, in two lines.
        auto header = [&](double x, double w, const QString &title, const QString &detail) {
            p.setFont(bold);
            p.setPen(text);
            p.drawText(QRectF(x, g.header, w, g.line), Qt::AlignLeft | Qt::AlignVCenter, fm.elidedText(title, Qt::ElideRight, w));
            p.setFont(viewFont());
            p.setPen(muted);
            p.drawText(QRectF(x, g.header + g.line * 1.1, w, g.line * 2.2), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
                       detail);
        };
        header(g.label, g.labelWidth, tr("key token"),
               s.window > 0 ? tr("last %1 (window)").arg(s.window)
               : trace->causal ? tr("up to this one") : tr("every token"));
        header(g.keys, g.strip, tr("key k"), QString());
        header(g.product, g.strip, tr("q ⊙ k"), tr("q × k: the terms of ①"));
        header(g.score, g.barWidth, tr("① q·k"), tr("score: how well q and k match"));
        header(g.scaled, g.barWidth, s.softcap > 0 ? tr("② %1, softcap").arg(scaleText(s)) : tr("② %1").arg(scaleText(s)),
               s.softcap > 0 ? tr("then %1 · tanh(s ÷ %1): no score beyond ±%1").arg(s.softcap)
               : s.scale * std::sqrt(double(s.headSize)) > 0.999 && s.scale * std::sqrt(double(s.headSize)) < 1.001
                   ? tr("÷ %1, on the same axis").arg(std::sqrt(double(s.headSize)), 0, 'f', 2)
                   : tr("× %1 (the model's query scale), on the same axis").arg(s.scale, 0, 'f', 4));
        header(g.softmax, g.barWidth, tr("③ softmax"), tr("exp, then share of the total"));
        header(g.values, width() - g.values - g.margin, tr("④ weight × v"), tr("value vectors, added up below"));
        p.restore();
    };

    // One row per key.
    const double numberWidth = fm.horizontalAdvance(QStringLiteral("−00.00")) + fm.height() * 0.3;
    const double barArea = std::max(8.0, g.barWidth - numberWidth);
    const double barH = g.row * 0.56;
    auto signedBar = [&](double x, double y, double value, double range) {
        const double half = barArea / 2, zero = x + half;
        const double len = std::min(1.0, std::abs(value) / range) * half;
        p.fillRect(QRectF(value >= 0 ? zero : zero - len, y + (g.row - barH) / 2, std::max(1.0, len), barH),
                   value >= 0 ? kPositive : kNegative);
        p.fillRect(QRectF(zero - 0.5, y + 2, 1, g.row - 4), muted);
        p.setPen(text);
        p.drawText(QRectF(x + barArea, y, numberWidth, g.row), Qt::AlignRight | Qt::AlignVCenter, number(value));
    };
    const int first = std::max(0, int((event->rect().top() - g.rowsTop) / g.row));
    const int last = std::min(m_model->rowCount() - 1, int((event->rect().bottom() - g.rowsTop) / g.row) + 1);
    for (int row = first; row <= last; ++row) {
        const int key = m_model->keyOfRow(row);
        const std::size_t j = m_model->indexOfRow(row);
        const double y = g.rowsTop + row * g.row;
        const QRectF band(g.margin * 0.5, y, width() - g.margin, g.row);
        if (key == m_focusedKey)
            p.fillRect(band, QColor(m_style.selection.red(), m_style.selection.green(), m_style.selection.blue(), 40));
        else if (row == m_hoverRow)
            p.fillRect(band, QColor(0, 0, 0, 16));
        if (key == s.query) { // the query token among the keys: a causal head may attend to itself
            p.setPen(QPen(m_style.selection, 1.5));
            p.drawRect(band.adjusted(0.5, 0.5, -0.5, -0.5));
        }
        p.setPen(text);
        const QString label = QStringLiteral("%1  %2").arg(m_model->tokenText(key)).arg(key);
        p.drawText(QRectF(g.label, y, g.labelWidth, g.row), Qt::AlignRight | Qt::AlignVCenter,
                   fm.elidedText(label, Qt::ElideLeft, g.labelWidth));
        paintStrip(p, QRectF(g.keys, y + (g.row - stripH) / 2, g.strip, stripH), trace->key(key, s.head),
                   m_model->keyRange());
        paintStrip(p, QRectF(g.product, y + (g.row - stripH) / 2, g.strip, stripH), m_model->product(row),
                   m_model->productRange());
        signedBar(g.score, y, s.dots[j], m_model->scoreRange());
        signedBar(g.scaled, y, s.scaled[j], m_model->scoreRange());
        const double w = s.weights[j];
        p.fillRect(QRectF(g.softmax, y + (g.row - barH) / 2, barArea, barH), QColor(0xee, 0xee, 0xee));
        p.fillRect(QRectF(g.softmax, y + (g.row - barH) / 2, std::max(1.0, barArea * w), barH),
                   m_style.map->color(m_style.scale.toUnit(float(w))));
        p.setPen(QPen(kGrid, 1));
        p.drawRect(QRectF(g.softmax, y + (g.row - barH) / 2, barArea, barH));
        p.setPen(w >= 0.2 ? text : muted);
        if (w >= 0.2)
            p.setFont(bold);
        p.drawText(QRectF(g.softmax + barArea, y, numberWidth, g.row), Qt::AlignRight | Qt::AlignVCenter, percent(w));
        p.setFont(viewFont());
        paintStrip(p, QRectF(g.values, y + (g.row - stripH) / 2, g.strip, stripH), m_model->weightedValue(row),
                   m_model->valueRange());
    }

    // Totals: the weights make 100%, the weighted values add up to what the head passes on.
    const double y = g.rowsTop + m_model->rowCount() * g.row + g.row * 0.3;
    p.setPen(QPen(text, 1));
    p.drawLine(QPointF(g.softmax, y), QPointF(g.softmax + g.barWidth, y));
    p.drawLine(QPointF(g.values, y), QPointF(g.values + g.strip, y));
    p.setFont(bold);
    p.drawText(QRectF(g.softmax, y, g.barWidth, g.row), Qt::AlignRight | Qt::AlignVCenter, tr("Σ = 100%"));
    const double outputY = y + g.row;
    p.drawText(QRectF(g.label, outputY, g.values - g.label - fm.height() * 0.8, g.row), Qt::AlignRight | Qt::AlignVCenter,
               tr("the head's output for “%1” = Σ weight × v").arg(fm.elidedText(queryText, Qt::ElideRight, g.labelWidth)));
    p.setFont(viewFont());
    paintStrip(p, QRectF(g.values, outputY + (g.row - stripH) / 2, g.strip, stripH), s.output.data(),
               m_model->valueRange());
    p.setPen(muted);
    p.drawText(QRectF(g.margin, outputY + g.row * 1.2, width() - 2 * g.margin, g.row * 2), Qt::AlignLeft | Qt::TextWordWrap,
               tr("softmax: weight = exp(score − max) ÷ Σ exp(score − max), max = %1, Σ = %2. Colours: orange "
                  "positive, purple negative. Hover a row for its numbers; click it to select that cell.")
                   .arg(number(s.maxScaled), QString::number(s.expSum, 'f', 2)));
    paintHeader(std::max(0, visibleRegion().boundingRect().top()));
}

void StepView::mousePressEvent(QMouseEvent *event) {
    const int row = rowAt(event->position().toPoint());
    if (event->button() == Qt::LeftButton && row >= 0)
        emit keyClicked(m_model->keyOfRow(row));
    QWidget::mousePressEvent(event);
}

void StepView::mouseMoveEvent(QMouseEvent *event) {
    const int row = rowAt(event->position().toPoint());
    if (row != m_hoverRow) {
        m_hoverRow = row;
        update();
    }
    QWidget::mouseMoveEvent(event);
}

void StepView::leaveEvent(QEvent *event) {
    m_hoverRow = -1;
    update();
    QWidget::leaveEvent(event);
}

bool StepView::event(QEvent *event) {
    if (event->type() == QEvent::ToolTip) {
        auto *help = static_cast<QHelpEvent *>(event);
        const QString text = describeAt(help->pos());
        if (text.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(help->globalPos(), text, this);
        return true;
    }
    return QWidget::event(event);
}

} // namespace attnscope
