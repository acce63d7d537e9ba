// The Model value type and the settings every family shares: Model, Tensor rows, ModelConfig's derived values.
#include "attnscope/model.h"

#include <cmath>

namespace attnscope {

Model::Model(ModelConfig config, ModelWeights weights, std::shared_ptr<const void> storage, std::string path,
             std::string format, std::vector<std::vector<float>> owned)
    : m_config(std::move(config)), m_weights(std::move(weights)), m_storage(std::move(storage)),
      m_owned(std::move(owned)), m_path(std::move(path)), m_format(std::move(format)) {}

std::size_t Tensor::rowBytes() const {
    const auto info = typeInfo(static_cast<std::uint32_t>(type));
    return info ? static_cast<std::size_t>(attnscope::rowBytes(*info, cols).value_or(0)) : 0;
}

void Tensor::dequantizeRow(std::int64_t row, float *out) const {
    attnscope::dequantizeRow(type, static_cast<const unsigned char *>(data) + static_cast<std::size_t>(row) * rowBytes(),
                             out, cols);
}

float ModelConfig::scoreScale() const {
    return queryScale > 0 ? queryScale : 1.0f / std::sqrt(static_cast<float>(headSize()));
}

} // namespace attnscope
