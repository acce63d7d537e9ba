// The numbers behind the pictures, as text for spreadsheets and scripts: one matrix as CSV (header row and
// column = tokens), a whole result as JSON (tokens + attention[layer][head][query][key]), and the tokens alone.
// Floats are written in the shortest form that reads back to the same float32, so nothing is rounded away.
#pragma once

#include "attnscope/attention.h"
#include "attnscope/attention_view.h"
#include "attnscope/words.h"

#include <string>

namespace attnscope {

// Shortest decimal that parses back to exactly `value` ("0.25", "1.5e-07"); "nan"/"inf" for non-finite values.
std::string formatFloat(float value);

// A JSON string literal: quotes, backslashes and control characters escaped; invalid UTF-8 replaced by U+FFFD
// (the text may come from any file).
std::string jsonString(const std::string &text);

// One CSV field, RFC 4180: quoted when it holds a comma, quote, line break or leading/trailing space.
std::string csvField(const std::string &text);

// The matrix a view shows, rows = queries, columns = keys, labelled with the tokens' pieces; the top-left
// cell is "query\key". Masked cells (above the diagonal of a causal model) are 0, their probability.
// (n + 1) lines of (n + 1) fields, CRLF line ends as RFC 4180 asks.
std::string attentionCsv(const AttentionResult &result, const AttentionMatrix &matrix);

// [{"index": 0, "id": 1, "piece": "<s>", "begin": 0, "end": 0, "special": true, "byte": false}, ...]
std::string tokensJson(const AttentionResult &result);
std::string tokensJson(const std::vector<Token> &tokens);

// [{"index": 0, "text": "<s>", "tokens": [0], "begin": 0, "end": 0, "special": true}, ...]: each word, the token
// positions it spans and its byte span in the text.
std::string wordsJson(const std::vector<Word> &words);

// {"format": "attnscope-attention", "version": 1, "model": ..., "text": ..., "layers": L, "heads": H,
//  "causal": true, "tokens": [...], "attention": [layer][head][query][key]} (one query row per line).
std::string attentionJson(const AttentionResult &result, const std::string &modelName);

} // namespace attnscope
