// ExamplesPanel: a QListWidget whose delegate draws the sentence and its note as two wrapped paragraphs.
#include "widgets/examples_panel.h"

#include <QAbstractItemView>
#include <QApplication>
#include <QListWidget>
#include <QPainter>
#include <QSignalBlocker>
#include <QStyledItemDelegate>
#include <QVBoxLayout>

namespace attnscope {

namespace {

constexpr int kNoteRole = Qt::UserRole + 1;

class ExampleDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;

    void paint(QPainter *p, const QStyleOptionViewItem &option, const QModelIndex &index) const override {
        QStyleOptionViewItem o = option;
        initStyleOption(&o, index);
        const QString text = o.text, note = index.data(kNoteRole).toString();
        o.text.clear();
        QStyle *style = o.widget ? o.widget->style() : QApplication::style();
        style->drawControl(QStyle::CE_ItemViewItem, &o, p, o.widget); // background and selection
        const bool selected = o.state & QStyle::State_Selected;
        const QRect r = o.rect.adjusted(pad(o), pad(o) / 2, -pad(o), -pad(o) / 2);
        QFont bold = o.font;
        bold.setBold(true);
        p->save();
        p->setFont(bold);
        p->setPen(o.palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
        const QRect title = QFontMetrics(bold).boundingRect(r, Qt::TextWordWrap, text);
        p->drawText(r, Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, text);
        p->setFont(o.font);
        QColor muted = o.palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
        muted.setAlphaF(0.7);
        p->setPen(muted);
        p->drawText(r.adjusted(0, title.height() + 2, 0, 0), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, note);
        p->restore();
    }

    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override {
        QFont bold = option.font;
        bold.setBold(true);
        const int width = std::max(120, (option.widget ? option.widget->width() - 24 : 300)) - 2 * pad(option);
        const QRect box(0, 0, width, 10000);
        const int title = QFontMetrics(bold).boundingRect(box, Qt::TextWordWrap, index.data().toString()).height();
        const int note = QFontMetrics(option.font).boundingRect(box, Qt::TextWordWrap, index.data(kNoteRole).toString()).height();
        return {width, title + note + 2 + pad(option)};
    }

private:
    static int pad(const QStyleOptionViewItem &o) { return QFontMetrics(o.font).height() / 2; }
};

} // namespace

ExamplesPanel::ExamplesPanel(QList<Example> examples, QWidget *parent)
    : QWidget(parent), m_examples(std::move(examples)), m_list(new QListWidget(this)) {
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_list);
    m_list->setItemDelegate(new ExampleDelegate(m_list));
    m_list->setWordWrap(true);
    m_list->setResizeMode(QListView::Adjust); // rows re-wrap when the dock is resized
    m_list->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_list->setToolTip(tr("Click an example to analyse it; the note says what to look at, and the head and token "
                          "that show it are opened for you. Ctrl+] and Ctrl+[ go through them, also in presentation mode."));
    for (const Example &e : m_examples) {
        auto *item = new QListWidgetItem(e.text, m_list);
        item->setData(kNoteRole, e.note);
        item->setToolTip(e.note);
    }
    connect(m_list, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) { emit exampleChosen(m_list->row(item)); });
    connect(m_list, &QListWidget::itemClicked, this, [this](QListWidgetItem *item) { emit exampleChosen(m_list->row(item)); });
}

int ExamplesPanel::indexOfText(const QString &text) const {
    for (int i = 0; i < m_examples.size(); ++i)
        if (m_examples[i].text == text)
            return i;
    return -1;
}

void ExamplesPanel::setCurrentText(const QString &text) {
    const QSignalBlocker block(m_list);
    const int index = indexOfText(text);
    if (index < 0)
        m_list->clearSelection();
    m_list->setCurrentRow(index);
}

} // namespace attnscope
