// The token strip as chips in reading order, shared by the on-screen view and export: pieces of one word sit
// together, words are spaced, byte pieces show their hex value with the character they spell underneath,
// special tokens are marked, and while a token is focused each chip is tinted by how much it is attended to.
#pragma once

#include "models/focus.h"
#include "views/view_style.h"

#include <QFont>
#include <QRectF>
#include <QString>

#include <vector>

class QPainter;

namespace attnscope {

class HeatmapModel;

struct TokenChip {
    int position = 0; // index into the result's tokens
    int row = -1;     // row in the model, -1 when hidden
    QString text;     // what the chip shows
    QRectF rect;
    bool special = false;
    bool byte = false;
};

struct TokenCaption { // the character a run of byte pieces spells
    QString text;
    QRectF rect;
};

struct TokenStripLayout {
    std::vector<TokenChip> chips;
    std::vector<TokenCaption> captions;
    double height = 0; // from the top of the area to below the last line
};

struct TokenStripMarks {
    int hover = -1; // index into chips
    Focus focus;
};

// Chips wrapped to `width`, starting at `origin`.
TokenStripLayout layoutTokenStrip(const HeatmapModel &model, const QFont &font, double width, QPointF origin = {});
// Draws chips and captions; the background is left to the caller (so exports can be transparent).
void paintTokenStrip(QPainter &painter, const TokenStripLayout &layout, const HeatmapModel &model,
                     const ViewStyle &style, const QFont &font, const TokenStripMarks &marks = {});

} // namespace attnscope
