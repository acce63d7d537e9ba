// The example library: sentences a teacher can open with one click, each with a note of what to look at and,
// optionally, the head and token that show it. Read from JSON (resources/examples.json), easy to extend:
//   [{"text": "...", "note": "...", "layer": 2, "head": 6, "focus": "▁She", "model": "stories260K"}, ...]
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace attnscope {

struct Example {
    QString text;
    QString note;
    int layer = -1;  // the head to open, or -1 to keep the current one
    int head = -1;
    QString focus;   // the token piece to focus (its last occurrence), e.g. "▁She"; empty = none
    QString model;   // the model the head, token and numbers of the note are for (its file stem); empty = any
};

// Entries without text are skipped; a file that is not a JSON array gives an empty list.
QList<Example> parseExamples(const QByteArray &json);

} // namespace attnscope
