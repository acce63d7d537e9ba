// Shared by the harnesses: run a loaded model a little, so the shapes a reader accepted meet the forward pass.
#pragma once

#include <attnscope/engine.h>

#include <cstdlib>
#include <memory>
#include <string>

namespace fuzzing {

// ../shared: ATTNSCOPE_SHARED_DIR in the environment (as the tests and CI set it), else the build-time path.
inline std::string sharedDir() {
    const char *env = std::getenv("ATTNSCOPE_SHARED_DIR");
    return env && *env ? env : ATTNSCOPE_SHARED_DIR;
}

// Analyses two tokens when the model is small enough to do so quickly; the result is not checked, only that
// nothing crashes, reads out of bounds or throws.
inline void runSmallModel(const std::shared_ptr<const attnscope::Model> &model,
                          const std::shared_ptr<const attnscope::Tokenizer> &tokenizer) {
    const attnscope::ModelConfig &c = model->config();
    const double work = double(c.layers) * (double(c.dim) * (c.qDim() + 2.0 * c.kvDim() + 3.0 * c.hiddenDim) +
                                            double(c.vocabSize) * c.dim);
    if (!tokenizer || work > 5e7)
        return;
    attnscope::EngineInfo info;
    info.config = c;
    const attnscope::Engine engine(model, tokenizer, info);
    std::vector<attnscope::Token> tokens(2);
    tokens[1].id = c.vocabSize > 1 ? 1 : 0;
    attnscope::AnalyzeParams params;
    params.valueNorms = true;
    (void)engine.analyzeTokens(tokens, params);
    (void)engine.traceLayer(tokens, 0);
}

} // namespace fuzzing
