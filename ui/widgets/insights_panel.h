// The insights side panel: "Heads" (the sortable head-role table and "find heads" for a query -> key pair) and
// "Next token" (the model's top-10 predictions at the focused position).
#pragma once

#include <QWidget>

class QLabel;
class QSortFilterProxyModel;
class QTabWidget;
class QTableView;

namespace attnscope {

class InsightsModel;
class PredictionsView;

class InsightsPanel : public QWidget {
    Q_OBJECT
public:
    explicit InsightsPanel(InsightsModel *model, QWidget *parent = nullptr);
    QSize sizeHint() const override;

    QTableView *headsTable() const { return m_table; }
    QSortFilterProxyModel *sortedHeads() const { return m_sorted; }
    PredictionsView *predictionsView() const { return m_predictions; }
    QTabWidget *tabs() const { return m_tabs; }

signals:
    void headChosen(int layer, int head); // a row of the table was clicked

private:
    void updateHint();

    InsightsModel *m_model;
    QTabWidget *m_tabs = nullptr;
    QLabel *m_hint = nullptr;
    QTableView *m_table = nullptr;
    QSortFilterProxyModel *m_sorted = nullptr;
    PredictionsView *m_predictions = nullptr;
    bool m_hadPair = false;
};

} // namespace attnscope
