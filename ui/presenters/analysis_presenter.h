// The main window's state and logic, without a widget: the model and text being analysed (debounced, off the GUI
// thread through InferenceService), the measure, the head shown and how heads are combined, tokens or words, hidden
// special tokens, the focused token or cell (kept across every change that renumbers the rows), sessions and
// examples waiting for their result. It owns the item models the views share; the window only wires controls to
// these setters and the signals back to its controls.
//
// Positions named "token position" count the text's tokens; "row" counts the rows of the views as shown (without
// hidden special tokens, words when Words is on).
#pragma once

#include "attention_snapshot.h"
#include "models/examples.h"
#include "presenters/session.h"

#include <attnscope/attention_view.h>

#include <QObject>
#include <QTimer>

#include <optional>

class QItemSelectionModel;

namespace attnscope {

class HeadGridModel;
class HeatmapModel;
class InferenceService;
class InsightsModel;

class AnalysisPresenter : public QObject {
    Q_OBJECT
public:
    explicit AnalysisPresenter(int debounceMs = 150, QObject *parent = nullptr);
    ~AnalysisPresenter() override;

    InferenceService *service() const { return m_service; }
    HeatmapModel *heatmapModel() const { return m_heatmap; }
    QItemSelectionModel *selection() const { return m_selection; }
    HeadGridModel *gridModel() const { return m_grid; }
    InsightsModel *insightsModel() const { return m_insights; }
    const AnalysisPtr &analysis() const { return m_analysis; }
    const EnginePtr &engine() const;
    QString modelName() const; // empty without a model
    QString errorText() const { return m_error; }
    void setError(const QString &message); // what the banner says (empty: nothing wrong); the next result clears it

    // Inputs. Each starts what it needs: a new text waits for the debounce, a measure runs at once.
    void openModel(const QString &modelPath, const QString &tokenizerPath = {});
    void setText(const QString &text);  // as typed: analysed after the debounce
    void showText(const QString &text); // put in the text box (textReplaced), then analysed likewise
    QString text() const { return m_text; }
    void analyzeNow();
    void setMeasure(Measure measure);
    Measure measure() const { return m_measure; }
    void selectHead(int layer, int head); // clamped to the model
    void showHead(int layer, int head);   // one head, as a click in the grid or the head table asks (rollout: head 0)
    int layer() const { return m_layer; }
    int head() const { return m_head; }
    void setAggregation(Aggregation aggregation);
    Aggregation aggregation() const { return m_aggregation; }
    void setHideSpecial(bool hide);
    bool hideSpecial() const { return m_hideSpecial; }
    void setWords(bool words);
    bool words() const { return m_words; }
    bool wordsShown() const; // Words is on and the result has them

    // What the selectors offer: layers and heads of the result shown (rollout: one matrix per layer), and which apply.
    int layers() const;
    int heads() const;
    bool layerSelectable() const;
    bool headSelectable() const;
    bool oneHeadShown() const; // the views show one head's weights (the step page can explain them)

    // The focus in token positions: the query token (a word's last token when words are shown, as a word's
    // prediction is made there) and the key (-1 = the whole token).
    struct TokenFocus {
        int query = -1, key = -1;
    };
    TokenFocus tokenFocus() const;
    void focusToken(int position);
    void focusCell(int query, int key); // token positions
    void clearFocus();
    int tokenPosition(int row, bool last) const;
    int rowOfToken(int position) const;

    // Sessions: the state to save (the look of the views is the window's, filled in `look`), and one to apply:
    // what needs no result at once, layer, head and pin once its text's result is in.
    Session session(Session look = {}) const;
    QString saveSession(const QString &path, const Session &look); // empty on success, else the message
    QString openSession(const QString &path);                      // reads it; the model loads and the text runs
    // `withCompare`: a session file also reopens its compare sentences; the session a start restores does not (the
    // compare window was a side trip, not the lesson's page).
    void applySession(const Session &session, bool withCompare = false);
    void showExample(const Example &example); // its text, then (on its model) its head and focused token

signals:
    void modelLoading(const QString &fileName);
    void modelLoaded(const attnscope::EnginePtr &engine);
    void loadCancelled(); // the model that was there stays
    void errorChanged(const QString &message); // empty: no error
    void textReplaced(const QString &text);    // a session or an example changed the text (not the user typing)
    void stateChanged();                       // selectors, measure, aggregation, words, hidden tokens
    void focusChanged();                       // the focused token or cell, in token positions
    void wordsChanged(bool words);             // the Words switch (the compare window follows it)
    void resultShown(const attnscope::AnalysisPtr &analysis);
    void sessionLookRequested(const attnscope::Session &session); // the window applies colours, arcs and page
    void compareRequested(const QString &a, const QString &b);    // a session's compare sentences

private:
    void showResult(const AnalysisPtr &analysis);
    void onModelLoaded(const EnginePtr &engine);
    void updateEmptyText(); // what the views say until there is a result: what to do, or what is under way
    void restoreFocus(int query, int key, bool token); // token positions, into the rows as they are now
    // Focuses row `row` (as a token when `token`, else the cell (row, column)); false, and nothing done, when the
    // rows are not there.
    bool focusRows(int row, int column, bool token);
    bool rowsAreWords() const; // the views show the result between words
    void followFocus();        // the next-token list follows the focus
    void applyPendingSession();
    void applyPendingExample();

    InferenceService *m_service = nullptr;
    HeatmapModel *m_heatmap = nullptr;
    QItemSelectionModel *m_selection = nullptr;
    HeadGridModel *m_grid = nullptr;
    InsightsModel *m_insights = nullptr;
    QTimer m_debounce;
    AnalysisPtr m_analysis;
    EnginePtr m_resultEngine; // the model m_analysis came from: a newly loaded one sets the selectors' ranges
    QString m_text;
    QString m_error;
    Measure m_measure = Measure::Raw;
    Aggregation m_aggregation = Aggregation::Head;
    int m_layer = 0, m_head = 0;
    bool m_hideSpecial = false, m_words = false;
    std::optional<Session> m_pendingSession;
    std::optional<Example> m_pendingExample;
};

} // namespace attnscope
