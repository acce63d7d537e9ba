// PredictionsView: title line, then ten bars.
#include "views/predictions_view.h"
#include "models/insights_model.h"

#include <QPainter>

namespace attnscope {

namespace {
constexpr int kRows = 10;
}

PredictionsView::PredictionsView(QWidget *parent) : QWidget(parent) {
    setAttribute(Qt::WA_OpaquePaintEvent);
}

void PredictionsView::setModel(InsightsModel *model) {
    m_model = model;
    connect(model, &InsightsModel::insightsChanged, this, qOverload<>(&QWidget::update));
    update();
}

QSize PredictionsView::sizeHint() const {
    const QFontMetrics fm(font());
    return {fm.horizontalAdvance(QLatin1Char('x')) * 40, fm.height() * (kRows + 3) * 3 / 2};
}

QSize PredictionsView::minimumSizeHint() const {
    const QFontMetrics fm(font());
    return {fm.horizontalAdvance(QLatin1Char('x')) * 24, fm.height() * (kRows + 2)};
}

void PredictionsView::paintEvent(QPaintEvent *) {
    QPainter p(this);
    p.fillRect(rect(), palette().base());
    p.setRenderHint(QPainter::Antialiasing);
    const QFontMetricsF fm(font());
    const double margin = 8, line = fm.height() * 1.5;
    p.setPen(palette().text().color());
    if (!m_model || !m_model->analysis()) {
        p.drawText(rect().adjusted(8, 8, -8, -8), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
                   tr("Type a sentence to see what the model predicts next."));
        return;
    }
    const int position = m_model->predictionPosition();
    const auto &predictions = m_model->predictions();
    QFont bold = font();
    bold.setBold(true);
    p.setFont(bold);
    const QString title = predictions.empty()
                              ? tr("This model has no language-model head: it predicts no next token.")
                              : tr("After “%1” (token %2) the model predicts:").arg(m_model->tokenText(position)).arg(position);
    p.drawText(QRectF(margin, margin, width() - 2 * margin, line * 2), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
               title);
    p.setFont(font());
    if (predictions.empty())
        return;
    double labelWidth = 0;
    for (const Prediction &pr : predictions)
        labelWidth = std::max(labelWidth, fm.horizontalAdvance(QString::fromStdString(pr.piece)));
    labelWidth = std::min(labelWidth + 12, width() * 0.4);
    const double percentWidth = fm.horizontalAdvance(QStringLiteral("100.0%")) + 10;
    const double barLeft = margin + labelWidth, barMax = std::max(10.0, width() - barLeft - percentWidth - margin);
    double y = margin + line * 1.6;
    const QColor bar = palette().highlight().color();
    for (const Prediction &pr : predictions) {
        const QRectF row(margin, y, width() - 2 * margin, line);
        p.setPen(palette().text().color());
        p.drawText(QRectF(row.left(), y, labelWidth - 8, line), Qt::AlignRight | Qt::AlignVCenter,
                   fm.elidedText(QString::fromStdString(pr.piece), Qt::ElideRight, labelWidth - 8));
        const double w = std::max(1.0, barMax * pr.probability);
        p.fillRect(QRectF(barLeft, y + line * 0.15, w, line * 0.7), bar);
        p.drawText(QRectF(barLeft + w + 6, y, percentWidth, line), Qt::AlignLeft | Qt::AlignVCenter,
                   QStringLiteral("%1%").arg(pr.probability * 100.0, 0, 'f', pr.probability < 0.1 ? 1 : 0));
        y += line;
    }
    p.setPen(palette().placeholderText().color());
    p.drawText(QRectF(margin, y + 4, width() - 2 * margin, line * 2), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
               tr("Click a token in the strip to see the prediction after it."));
}

} // namespace attnscope
