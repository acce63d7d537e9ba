#include "runtime/matmul.h"

#include "runtime/kernels.h"
#include "runtime/thread_pool.h"

#include <algorithm>
#include <memory>
#include <vector>

namespace attnscope {

void multiply(const float *x, std::int64_t rows, const Tensor &w, float *out) {
    const std::int64_t K = w.cols, N = w.rows;
    if (rows <= 0 || N <= 0)
        return;
    if (w.type == GgmlType::Q8_0 && K % kernels::kQ8Block == 0) {
        const std::int64_t rowBytes = K / kernels::kQ8Block * kernels::kQ8Bytes;
        std::unique_ptr<unsigned char[]> xq(new unsigned char[static_cast<std::size_t>(rows * rowBytes)]);
        constexpr std::int64_t kRowsPerTask = 16;
        parallelFor((rows + kRowsPerTask - 1) / kRowsPerTask, rows * K, [&](std::int64_t t) {
            const std::int64_t r1 = std::min(rows, (t + 1) * kRowsPerTask);
            for (std::int64_t r = t * kRowsPerTask; r < r1; ++r)
                kernels::quantizeQ8(x + r * K, xq.get() + r * rowBytes, K);
        });
        constexpr std::int64_t kTile = 32;
        const auto *wb = static_cast<const unsigned char *>(w.data);
        parallelFor((N + kTile - 1) / kTile, rows * N * K, [&](std::int64_t t) {
            const std::int64_t j0 = t * kTile, nb = std::min(kTile, N - j0);
            kernels::dotsQ8(xq.get(), rowBytes, static_cast<int>(rows), wb + j0 * rowBytes, rowBytes,
                            static_cast<int>(nb), static_cast<int>(K), out + j0, N);
        });
        return;
    }
    constexpr std::int64_t kTile = 32;
    if (w.isF32()) {
        parallelFor((N + kTile - 1) / kTile, rows * N * K, [&](std::int64_t t) {
            const std::int64_t j0 = t * kTile, nb = std::min(kTile, N - j0);
            kernels::dots(x, K, static_cast<int>(rows), w.f32() + j0 * K, K, static_cast<int>(nb), static_cast<int>(K),
                          out + j0, N);
        });
        return;
    }
    parallelFor((N + kTile - 1) / kTile, (rows + 2) * N * K, [&](std::int64_t t) { // + dequantising the tile
        thread_local std::vector<float> tile; // (kTile, K) dequantized weights, per thread
        tile.resize(static_cast<std::size_t>(kTile * K));
        const std::int64_t j0 = t * kTile, nb = std::min(kTile, N - j0);
        for (std::int64_t r = 0; r < nb; ++r)
            w.dequantizeRow(j0 + r, tile.data() + r * K);
        kernels::dots(x, K, static_cast<int>(rows), tile.data(), K, static_cast<int>(nb), static_cast<int>(K), out + j0, N);
    });
}

} // namespace attnscope
