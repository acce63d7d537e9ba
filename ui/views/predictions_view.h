// Next-token predictions as horizontal bars: one row per candidate token, its bar as long as its probability,
// the percentage beside it. Reads InsightsModel; paints only.
#pragma once

#include <QWidget>

namespace attnscope {

class InsightsModel;

class PredictionsView : public QWidget {
    Q_OBJECT
public:
    explicit PredictionsView(QWidget *parent = nullptr);
    void setModel(InsightsModel *model);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    InsightsModel *m_model = nullptr;
};

} // namespace attnscope
