// Rollout as a running product of (T, T) matrices in double, stored as float per layer.
#include "attnscope/measures.h"

#include <Eigen/Dense>

namespace attnscope {

std::vector<float> attentionRollout(const AttentionResult &r) {
    using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const int T = r.seqLen();
    std::vector<float> out(static_cast<std::size_t>(r.layers) * T * T);
    if (T == 0 || r.heads == 0)
        return out;
    Mat rollout = Mat::Identity(T, T);
    for (int l = 0; l < r.layers; ++l) {
        Mat a = Mat::Zero(T, T); // (T, T) mean over heads
        for (int h = 0; h < r.heads; ++h)
            a += Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(r.head(l, h), T, T)
                     .cast<double>();
        a /= r.heads;
        a = 0.5 * a + 0.5 * Mat::Identity(T, T); // the residual connection
        a.array().colwise() /= a.rowwise().sum().array();
        rollout = a * rollout;
        Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            out.data() + static_cast<std::size_t>(l) * T * T, T, T) = rollout.cast<float>();
    }
    return out;
}

} // namespace attnscope
