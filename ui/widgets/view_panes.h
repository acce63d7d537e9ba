// The right-hand panes: the arcs with their layout, threshold and top-k controls, and the all-heads grid with
// the role it marks. Each is its view plus the controls that only change how that view draws.
#pragma once

#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QSpinBox;

namespace attnscope {

class ArcsView;
class HeadGridModel;
class HeadGridView;

class ArcsPane : public QWidget {
    Q_OBJECT
public:
    explicit ArcsPane(QWidget *parent = nullptr);
    ArcsView *view() const { return m_arcs; }
    // As a session stores them: "columns" | "line", the weight threshold, top-k (0 = all keys).
    QString layoutKey() const;
    void setLayoutKey(const QString &key);
    double threshold() const;
    void setThreshold(double threshold);
    int topK() const;
    void setTopK(int k);

private:
    ArcsView *m_arcs = nullptr;
    QComboBox *m_layout = nullptr;
    QDoubleSpinBox *m_threshold = nullptr;
    QSpinBox *m_topK = nullptr;
};

class GridPane : public QWidget {
    Q_OBJECT
public:
    GridPane(HeadGridModel *model, QWidget *parent = nullptr);
    HeadGridView *view() const { return m_grid; }

private:
    HeadGridView *m_grid = nullptr;
    QComboBox *m_highlight = nullptr;
};

} // namespace attnscope
