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
};

class Tokenizer {
public:
    ~Tokenizer();
    Tokenizer(const Tokenizer &) = delete;
    Tokenizer &operator=(const Tokenizer &) = delete;

    // Loads a sentencepiece .model file.
    static Result<std::shared_ptr<const Tokenizer>> loadSentencePiece(const std::string &path);
    // A sentencepiece model from its serialized ModelProto (e.g. rebuilt from a GGUF's vocabulary); `name` is used
    // in messages and as path().
    static Result<std::shared_ptr<const Tokenizer>> fromSentencePieceProto(const std::string &serialized,
                                                                           const std::string &name);

    // Encodes text; prepends BOS when addBos (as llama2.c does). Invalid UTF-8 is tokenized, never rejected.
    Result<std::vector<Token>> encode(std::string_view text, bool addBos = true) const;

    int vocabSize() const;
    int bosId() const;
    std::string piece(int id) const;
    float score(int id) const;    // the piece's score (log probability or merge rank)
    // GGUF / sentencepiece piece type: 1 normal, 2 unknown, 3 control, 5 unused, 6 byte.
    int pieceType(int id) const;
    bool addsSpacePrefix() const; // sentencepiece's add_dummy_prefix
    const std::string &path() const { return m_path; }

    struct Impl; // opaque (sentencepiece lives only in the .cpp)

private:
    explicit Tokenizer(std::unique_ptr<Impl> impl, std::string path);
    std::unique_ptr<Impl> m_impl;
    std::string m_path;
};

} // namespace attnscope
