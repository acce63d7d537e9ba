// Text -> tokens with the byte span each token came from.
#pragma once

#include "attnscope/result.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnscope {

struct Token {
    int id = 0;
    std::string piece; // the vocabulary piece, e.g. "▁Once" or "<0xF0>"
    int byteBegin = 0; // [byteBegin, byteEnd) in the input text; empty for BOS
    int byteEnd = 0;
    bool special = false; // BOS/EOS/control pieces
    bool byte = false;    // a byte-fallback piece such as <0xF0>
    std::string display = {}; // the piece as people read it when that differs (byte-level "Ġquick" -> "▁quick"); empty:
                          // the piece itself
    bool word = false; // a position of a word-level result (words.h): piece = the word, id = the index of the first
                       // word with the same text (so repeated words share it), not a vocabulary id
    bool generated = false; // written by the model (interpret.h's generate), not typed; its byte span is empty
};

// The interface every tokenizer implements: sentencepiece (llama2.c .model files and GGUF "llama" vocabularies) and
// the Hugging Face pipeline (tokenizer.json; GGUF "gpt2" byte-level BPE and "bert" WordPiece vocabularies).
class Tokenizer {
public:
    virtual ~Tokenizer();
    Tokenizer(const Tokenizer &) = delete;
    Tokenizer &operator=(const Tokenizer &) = delete;

    // Loads a sentencepiece .model file.
    static Result<std::shared_ptr<const Tokenizer>> loadSentencePiece(const std::string &path);
    // A sentencepiece model from its serialized ModelProto (e.g. rebuilt from a GGUF's vocabulary); `name` is used
    // in messages and as path(). addBos: whether encode(text, true) prepends BOS (GGUF tokenizer.ggml.add_bos_token).
    static Result<std::shared_ptr<const Tokenizer>> fromSentencePieceProto(const std::string &serialized,
                                                                           const std::string &name, bool addBos = true);

    // Encodes text; prepends BOS (or [CLS] ... [SEP] for BERT) when addSpecial, as the model expects.
    // Invalid UTF-8 is tokenized, never rejected.
    virtual Result<std::vector<Token>> encode(std::string_view text, bool addSpecial = true) const = 0;

    // The text the ids spell, as the tokenizer's decoder writes it (byte-level and byte-fallback pieces become the
    // characters they encode; "▁" and "Ġ" become spaces).
    virtual std::string decode(const std::vector<int> &ids) const;

    virtual int vocabSize() const = 0;
    virtual int bosId() const = 0; // -1 when there is none
    // The end-of-sequence ids generation stops at (EOS, and end-of-turn where the vocabulary names one); may be empty.
    virtual std::vector<int> eosIds() const { return {}; }
    virtual std::string piece(int id) const = 0;
    virtual float score(int id) const { (void)id; return 0.0f; } // log probability or merge rank
    // GGUF / sentencepiece piece type: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
    virtual int pieceType(int id) const { (void)id; return 1; }
    virtual bool addsSpacePrefix() const { return false; } // sentencepiece's add_dummy_prefix
    virtual std::string kind() const = 0; // "sentencepiece", "byte-level BPE (gpt-2)", "WordPiece"
    const std::string &path() const { return m_path; }

protected:
    explicit Tokenizer(std::string path) : m_path(std::move(path)) {}

private:
    std::string m_path;
};

} // namespace attnscope
