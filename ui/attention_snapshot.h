// How core results and engines cross into Qt: immutable shared values registered as metatypes, and the text
// helpers every view uses to label tokens.
#pragma once

#include <attnscope/attention.h>
#include <attnscope/engine.h>
#include <attnscope/head_roles.h>
#include <attnscope/head_step.h>
#include <attnscope/words.h>

#include <QMetaType>
#include <QString>

#include <memory>

namespace attnscope {

using ResultPtr = std::shared_ptr<const AttentionResult>;
using EnginePtr = std::shared_ptr<const Engine>;
using TracePtr = std::shared_ptr<const LayerTrace>; // one layer's q, k, v for the step-by-step view

// One analysed text as the window shows it.
struct Analysis {
    ResultPtr raw;                 // softmax weights, logits (and value norms when the measure needs them)
    ResultPtr shown;               // the chosen measure (raw, value-weighted or rollout): what the views draw
    std::vector<HeadRoles> roles;  // of the raw attention, one per head, layer by layer
    std::vector<Word> words;       // the words of the text (sub-word pieces merged; words.h)
    ResultPtr shownWords;          // `shown` between words: rows pooled from it when a view asks
};
using AnalysisPtr = std::shared_ptr<const Analysis>;

// A token as a reader should see it: "▁" kept (it is how sentencepiece marks a word start), control
// characters escaped, byte pieces such as <0xF0> left as they are.
QString tokenLabel(const Token &token);
// "▁Lily" (id 317, bytes 24-29) for tooltips.
QString tokenDescription(const Token &token);

void registerMetaTypes();

} // namespace attnscope

Q_DECLARE_METATYPE(attnscope::ResultPtr)
Q_DECLARE_METATYPE(attnscope::EnginePtr)
Q_DECLARE_METATYPE(attnscope::AnalysisPtr)
Q_DECLARE_METATYPE(attnscope::TracePtr)
