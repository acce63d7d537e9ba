// How one head computes attention for one query token, painted as a worked example: the query vector over a
// column of key vectors, then per key the terms q_e·k_e that make its score (which dimensions matched), the score q·k, the same score divided by sqrt(d) on the same axis, the
// softmax weight, and the weighted value vector; under them the sum of weights (100%) and the head's output.
// Bars and heat strips with one number each, not a wall of digits; hovering a row shows its arithmetic.
// Reads StepModel; paints only.
#pragma once

#include "views/view_style.h"

#include <QWidget>

namespace attnscope {

class StepModel;

class StepView : public QWidget {
    Q_OBJECT
public:
    explicit StepView(QWidget *parent = nullptr);
    void setModel(StepModel *model);
    void setStyle(const ViewStyle &style);
    void setFocusedKey(int position); // a key picked elsewhere (a heatmap cell) is marked; -1 = none
    void setMessage(const QString &message); // shown instead of the computation, e.g. while a mean is shown
    QString message() const { return m_message; }
    // Text and rows scale together (View > Zoom In/Out while this page is shown), for the back of a classroom.
    void setZoom(double zoom);
    double zoom() const { return m_zoom; }
    // The zoom at which the whole worked example fills `area` (a short sentence on a projector grows up to 2.5x;
    // a long one that needs scrolling anyway stays at 1x).
    double fitZoom(const QSize &area) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    int rowAt(const QPoint &point) const; // -1 outside the key rows
    QRect rowRect(int row) const;          // where a key row is painted
    QString rowDescription(int row) const; // the row's arithmetic, as the tooltip shows it
    // What the tooltip says at `point`: where the number or vector under it comes from (which vector, which
    // projection of which layer, which dimension), or the row's arithmetic on its bars; empty elsewhere.
    QString describeAt(const QPoint &point) const;

signals:
    void keyClicked(int position); // a row was clicked: select that query -> key cell everywhere

protected:
    void paintEvent(QPaintEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseMoveEvent(QMouseEvent *event) override;
    void leaveEvent(QEvent *event) override;
    bool event(QEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    struct Geometry {
        double margin, line, row; // outer margin, text line, key row height
        double title, queryRow, header, rowsTop; // y positions
        double label, labelWidth;                // key-token column
        double keys, strip;                      // key-vector column and the width of a vector strip
        double product;                          // q ⊙ k: the terms of each score
        double score, scaled, softmax, barWidth; // the three bar columns
        double values;                           // weighted-value column
    };
    Geometry geometry() const;
    static void layoutRows(const QFontMetricsF &fm, Geometry &g); // the vertical part of the geometry
    int contentHeight(double zoom) const; // title, headers, every row and the totals at that zoom
    QFont viewFont() const; // the widget's font times the zoom
    QFont viewFont(double zoom) const;
    void paintStrip(QPainter &p, const QRectF &r, const float *values, double range) const;
    void paintStrip(QPainter &p, const QRectF &r, const double *values, double range) const;

    StepModel *m_model = nullptr;
    ViewStyle m_style;
    int m_focusedKey = -1;
    int m_hoverRow = -1;
    QString m_message;
    double m_zoom = 1;
    mutable double m_widest = -1; // the widest key label, -1 = to measure
};

} // namespace attnscope
