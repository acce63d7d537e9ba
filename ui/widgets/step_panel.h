// The "Step by step" page: StepView in a scroll area, the key order, and the wiring that asks InferenceService
// for a layer's q, k, v (traced off the GUI thread) whenever the page is visible and the text or layer changed.
#pragma once

#include "attention_snapshot.h"
#include "views/view_style.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QScrollArea;

namespace attnscope {

class AnalysisPresenter;

class InferenceService;
class StepModel;
class StepView;

class StepPanel : public QWidget {
    Q_OBJECT
public:
    StepPanel(InferenceService *service, QWidget *parent = nullptr);

    StepModel *model() const { return m_model; }
    StepView *view() const { return m_view; }
    QComboBox *orderBox() const { return m_order; }
    QSize viewportSize() const; // the room the step view has before it scrolls

    void setAnalysis(const AnalysisPtr &analysis);
    // The presenter's head, aggregation, measure and focused token (the query; a word's last token).
    void follow(const AnalysisPresenter &presenter);
    // The head the other views show; oneHead = false while they show a mean or a rollout, which has no single
    // computation to step through.
    void setHead(int layer, int head, bool oneHead);
    void setQuery(int position); // -1: the last token
    // What the other views show; under value-weighted attention the page says it explains the softmax under it.
    void setMeasure(Measure measure);
    QString hint() const;
    void setFocusedKey(int position);
    void setStyle(const ViewStyle &style);

signals:
    void cellChosen(int query, int key); // positions: a key row was clicked

protected:
    void showEvent(QShowEvent *event) override;

private:
    void refresh(); // asks for a trace when the visible page lacks one for this result and layer
    bool traceFits() const; // the held trace is of the shown tokens and layer

    InferenceService *m_service;
    StepModel *m_model;
    StepView *m_view;
    QScrollArea *m_scroll;
    QComboBox *m_order;
    QLabel *m_hint;
    AnalysisPtr m_analysis;
    int m_layer = 0;
    bool m_oneHead = true;
    ResultPtr m_requestedFor; // the result and layer of the trace asked for (or held)
    int m_requestedLayer = -1;
};

} // namespace attnscope
