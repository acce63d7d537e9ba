// Help > About: the version and the loaded model's facts (format, architecture, sizes, vocabulary, context,
// weight types, tokenizer), with a warning where quantized weights change the attention itself.
#pragma once

#include <attnscope/engine.h>

#include <QString>

namespace attnscope {

QString aboutHtml(const EngineInfo *model); // model: nullptr when none is loaded

} // namespace attnscope
