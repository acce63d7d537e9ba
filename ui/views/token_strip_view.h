// The tokenized input as chips in reading order: pieces of one word sit together, words are spaced, byte
// pieces show their hex value with the character they spell underneath, special tokens are marked. Clicking
// a chip focuses that token in every view; while a token is focused, each chip is tinted by how much the
// focused token attends to it.
#pragma once

#include "views/view_style.h"

#include "views/model_view.h"

class QItemSelectionModel;

namespace attnscope {

class HeatmapModel;

class TokenStripView : public ModelView {
    Q_OBJECT
public:
    explicit TokenStripView(QWidget *parent = nullptr);


    struct Chip {
        int position = 0; // index into the result's tokens
        int row = -1;     // row in the model, -1 when hidden
        QString text;     // what the chip shows
        QRectF rect;
        bool special = false;
        bool byte = false;
    };
    struct Caption { // the character a run of byte pieces spells
        QString text;
        QRectF rect;
    };
    const std::vector<Chip> &chips() const { return m_chips; }
    const std::vector<Caption> &captions() const { return m_captions; }
    int chipAt(const QPointF &pos) const; // index into chips(), or -1

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
    // Places chips for a width; returns the height used.
    double layoutChips(double width, std::vector<Chip> *chips, std::vector<Caption> *captions) const;

    std::vector<Chip> m_chips;
    std::vector<Caption> m_captions;
    int m_hover = -1;
};

} // namespace attnscope
