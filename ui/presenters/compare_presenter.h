// Compare two sentences, without a widget: each sentence runs on its own inference thread; once both are in, the
// tokens (or words) they share become the anchors, the heads are ranked by how much the anchor's attention
// changes (core's headChanges), and a difference A − B exists when both have as many rows. It owns the three
// item models the compare window's heatmaps show and the selections that focus the anchor in A and B.
#pragma once

#include "attention_snapshot.h"

#include <attnscope/insights.h>

#include <QObject>
#include <QTimer>

class QItemSelectionModel;

namespace attnscope {

class HeatmapModel;
class InferenceService;

class ComparePresenter : public QObject {
    Q_OBJECT
public:
    explicit ComparePresenter(int debounceMs = 200, QObject *parent = nullptr);
    ~ComparePresenter() override;

    void setEngine(EnginePtr engine); // another model re-runs both sentences; the same one does nothing
    EnginePtr engine() const;
    void setTexts(const QString &a, const QString &b); // analysed at once
    void setTextA(const QString &a);                   // as typed: after the debounce
    void setTextB(const QString &b);
    QString textA() const { return m_textA; }
    QString textB() const { return m_textB; }
    void setWords(bool words); // both sentences between words (rows pooled as the main window does)
    bool words() const { return m_words; }
    void selectHead(int layer, int head); // clamped to the model
    int layer() const { return m_layer; }
    int head() const { return m_head; }
    int layers() const;
    int heads() const;

    // A row both sentences share, by its text: its row in A and in B.
    struct Anchor {
        QString label;
        int rowA = -1, rowB = -1;
    };
    const std::vector<Anchor> &anchors() const { return m_anchors; }
    int anchorIndex() const { return m_anchor; } // -1 = none shared
    void setAnchor(int index);
    const std::vector<HeadScore> &ranking() const { return m_ranking; }
    bool differenceShown() const; // false while the row counts differ
    float differenceRange() const { return m_range; } // the colour range of A − B: 0.1, 0.2, 0.25, 0.5 or 1
    ResultPtr resultA() const { return m_a; } // as shown (tokens or words)
    ResultPtr resultB() const { return m_b; }

    HeatmapModel *modelA() const { return m_modelA; }
    HeatmapModel *modelB() const { return m_modelB; }
    HeatmapModel *differenceModel() const { return m_diff; }
    QItemSelectionModel *selectionA() const { return m_selectionA; }
    QItemSelectionModel *selectionB() const { return m_selectionB; }

signals:
    void compared();                     // both results are in and the ranking is rebuilt
    void failed(const QString &message); // a sentence could not be analysed
    void stateChanged();                 // head, ranges, anchors, ranking or words changed
    void rankingChanged();               // the anchors and the ranking were rebuilt (not a mere head change)

private:
    void analyze();
    void resultIn();
    void rebuildAnchors();
    void rebuildRanking();
    void fitDifferenceRange();

    InferenceService *m_serviceA = nullptr;
    InferenceService *m_serviceB = nullptr;
    HeatmapModel *m_modelA = nullptr;
    HeatmapModel *m_modelB = nullptr;
    HeatmapModel *m_diff = nullptr;
    QItemSelectionModel *m_selectionA = nullptr;
    QItemSelectionModel *m_selectionB = nullptr;
    QTimer m_debounce;
    QString m_textA = QStringLiteral("Swing the bat!");
    QString m_textB = QStringLiteral("The bat flew at night.");
    AnalysisPtr m_analysisA, m_analysisB;
    ResultPtr m_a, m_b; // shown: the measure's weights, between words when asked
    bool m_words = false;
    int m_layer = 0, m_head = 0;
    std::vector<Anchor> m_anchors;
    int m_anchor = -1;
    std::vector<HeadScore> m_ranking;
    float m_range = 1;
};

} // namespace attnscope
