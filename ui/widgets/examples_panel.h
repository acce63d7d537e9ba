// The example library as a side list: each sentence in bold with its note of what to look at underneath. A click
// (or Enter) opens the example; the list marks the example whose text is in the text box.
#pragma once

#include "models/examples.h"

#include <QWidget>

class QListWidget;

namespace attnscope {

class ExamplesPanel : public QWidget {
    Q_OBJECT
public:
    explicit ExamplesPanel(QList<Example> examples, QWidget *parent = nullptr);

    QListWidget *list() const { return m_list; }
    const QList<Example> &examples() const { return m_examples; }
    int indexOfText(const QString &text) const; // -1 when the text is no example's
    void setCurrentText(const QString &text);   // marks the matching example, or none

signals:
    void exampleChosen(int index);

private:
    QList<Example> m_examples;
    QListWidget *m_list;
};

} // namespace attnscope
