// Hugging Face tokenizers: tokenizer.json (the `tokenizers` pipeline, with tokenizer_config.json beside it) and the
// files of a model folder (tokenizer.json, then tokenizer.model, then vocab.json + merges.txt, then vocab.txt).
#pragma once

#include "attnscope/result.h"
#include "attnscope/tokenizer.h"

#include <memory>
#include <string>
#include <string_view>

namespace attnscope {

// A tokenizer.json file; tokenizer_config.json in the same folder, when there is one, may switch the BOS / EOS
// template on or off (add_bos_token / add_eos_token), as transformers does for Llama and Gemma tokenizers.
Result<std::shared_ptr<const Tokenizer>> loadTokenizerJson(const std::string &path);
// The same from the files' contents (configJson may be empty); `name` is used in messages and as path().
Result<std::shared_ptr<const Tokenizer>> tokenizerFromJson(std::string_view tokenizerJson, std::string_view configJson,
                                                           const std::string &name);
// GPT-2's vocab.json + merges.txt and BERT's vocab.txt, from their contents (configJson: tokenizer_config.json's,
// may be empty), as the folder loader builds them.
Result<std::shared_ptr<const Tokenizer>> tokenizerFromVocabMerges(std::string_view vocabJson, std::string_view merges,
                                                                  std::string_view configJson, const std::string &name);
Result<std::shared_ptr<const Tokenizer>> tokenizerFromVocabTxt(std::string_view vocabTxt, std::string_view configJson,
                                                               const std::string &name);
// The tokenizer file of a Hugging Face folder that tokenizerFromHfFolder reads, in the order it prefers them:
// "tokenizer.json", "tokenizer.model", "vocab.json" (with merges.txt beside it) or "vocab.txt"; "" when none.
std::string hfFolderTokenizer(const std::string &dir);
// The tokenizer of a Hugging Face model folder.
Result<std::shared_ptr<const Tokenizer>> tokenizerFromHfFolder(const std::string &dir);
// A tokenizer file given by hand: tokenizer.json (by content), a folder, or a sentencepiece .model.
Result<std::shared_ptr<const Tokenizer>> loadTokenizerFile(const std::string &path);

} // namespace attnscope
