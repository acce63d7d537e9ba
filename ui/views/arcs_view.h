// Token-to-token arcs over a HeatmapModel (two columns or one line in reading order): heads overlaid in
// their colours with a clickable legend, hover shows one token's lines and weights, click pins the token in
// the shared selection.
#pragma once

#include "export/image_export.h"
#include "views/arcs_renderer.h"

#include "views/model_view.h"

class QItemSelectionModel;

namespace attnscope {

class HeatmapModel;

class ArcsView : public ModelView {
    Q_OBJECT
public:
    explicit ArcsView(QWidget *parent = nullptr);

    void setArcsLayout(ArcsLayout layout);
    void setThreshold(float threshold);
    void setTopK(int topK);
    void setHeadEnabled(int head, bool enabled);

    ArcsLayout arcsLayout() const { return m_layout; }
    float threshold() const { return m_threshold; }
    int topK() const { return m_topK; }
    std::vector<bool> enabledHeads() const { return m_enabled; }
    const ArcsScene &scene() const { return m_scene; }
    // The pinned token and the heads the legend shows, for exporting the view as it is on screen.
    ViewState exportState() const;
    const ArcsGeometry &geometry() const { return m_geometry; }
    int hoveredToken() const { return m_marks.hoverToken; }
    QSize sizeHint() const override { return {480, 560}; }
    QSize minimumSizeHint() const override { return {220, 200}; }

signals:
    void tokenHovered(int row); // -1 when none

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
    void syncHeads();

    ArcsLayout m_layout = ArcsLayout::Columns;
    float m_threshold = 0.05f;
    int m_topK = 0;
    std::vector<bool> m_enabled; // (heads)
    int m_syncedHead = -1;       // the head selector's head last shown, so a change there follows
    ArcsScene m_scene;
    ArcsGeometry m_geometry;
    ArcsMarks m_marks;
};

} // namespace attnscope
