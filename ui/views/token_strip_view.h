// The tokenized input as chips (token_strip_renderer draws them). Clicking a chip focuses that token in every
// view; while a token is focused, each chip is tinted by how much the focused token attends to it.
#pragma once

#include "views/token_strip_renderer.h"

#include "views/model_view.h"

class QItemSelectionModel;

namespace attnscope {

class HeatmapModel;

class TokenStripView : public ModelView {
    Q_OBJECT
public:
    explicit TokenStripView(QWidget *parent = nullptr);

    using Chip = TokenChip;
    using Caption = TokenCaption;
    const std::vector<Chip> &chips() const { return m_layout.chips; }
    const std::vector<Caption> &captions() const { return m_layout.captions; }
    int chipAt(const QPointF &pos) const; // index into chips(), or -1
    Focus exportFocus() const { return focus(); }

    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override { return {200, 36}; }

signals:
    void contentHeightChanged(int height); // for a scroll area that should fit the chips

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;
    bool event(QEvent *event) override;

private:
    void rebuild() override;
    void relayout();

    TokenStripLayout m_layout;
    int m_hover = -1;
};

} // namespace attnscope
