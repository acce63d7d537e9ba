// The all-heads grid over a HeadGridModel: hover shows a head's scores, click opens it.
#pragma once

#include "views/grid_renderer.h"

#include <QPointer>
#include <QWidget>

namespace attnscope {

class HeadGridModel;

class HeadGridView : public QWidget {
    Q_OBJECT
public:
    explicit HeadGridView(QWidget *parent = nullptr);

    void setModel(HeadGridModel *model);
    void setStyle(const ViewStyle &style);
    const GridGeometry &geometry() const {
        ensureScene();
        return m_geometry;
    }
    const GridScene &scene() const {
        ensureScene();
        return m_scene;
    }
    QSize sizeHint() const override { return {420, 320}; }
    QSize minimumSizeHint() const override { return {160, 120}; }
    bool hasHeightForWidth() const override { return false; }

signals:
    void headClicked(int layer, int head);

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;
    bool event(QEvent *event) override;

private:
    void rebuildScene(); // marks the scene stale: a result resets the model and sets the roles, one rebuild for both
    void relayout();
    void ensureScene() const; // the stale scene rebuilt (and laid out), before anything reads or paints it

    QPointer<HeadGridModel> m_model;
    ViewStyle m_style;
    mutable GridScene m_scene;
    mutable GridGeometry m_geometry;
    mutable bool m_stale = true;
    QPoint m_hover{-1, -1};
};

} // namespace attnscope
