// TensorFlow's Eigen kernels for float32, compiled from the Eigen headers the TensorFlow wheel
// ships, with the compiler flags a build chooses: `-mavx` (the Linux wheel) or `-march=x86-64`
// (a build for baseline x86-64: SSE2 packets). tests/eigen_builds.rs runs it against
// xor-repro's kernels for each packet width.
//
// stdin: lines `OP N` followed by N floats as 8-hex-digit bit patterns (two inputs for
// sigmoid_grad: 2N); stdout: one line of result bit patterns per op. Ops: sigmoid,
// sigmoid_grad, sum, mean. Flush-to-zero and denormals-are-zero are on, as in TensorFlow's
// threads (port::ScopedFlushDenormal).
#include <unsupported/Eigen/CXX11/Tensor>
#include <xmmintrin.h>
#include <pmmintrin.h>
#include <cstdio>
#include <cstring>
#include <cstdint>
#include <vector>
#include <string>
#include <iostream>

// tensorflow/core/kernels/cwise_ops_gradients.h, scalar_sigmoid_gradient_op, verbatim in
// substance: TensorFlow's own header pulls in half of TensorFlow.
template <typename T>
struct sigmoid_gradient_op {
  EIGEN_STRONG_INLINE const T operator()(const T& output, const T& output_gradient) const {
    return output_gradient * output * (T(1) - output);
  }
  template <typename Packet>
  EIGEN_STRONG_INLINE const Packet packetOp(const Packet& output, const Packet& output_gradient) const {
    using namespace Eigen::internal;
    return pmul(output_gradient, pmul(output, psub(pset1<Packet>(T(1)), output)));
  }
};
namespace Eigen { namespace internal {
template <typename T>
struct functor_traits<sigmoid_gradient_op<T>> {
  enum { Cost = 3, PacketAccess = packet_traits<T>::HasSub && packet_traits<T>::HasMul };
};
}}

static float from_hex(const std::string& s) {
  uint32_t u = std::stoul(s, nullptr, 16);
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

static void put(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  std::printf("%08x ", u);
}

int main() {
  _mm_setcsr(_mm_getcsr() | 0x8040);  // FTZ and DAZ
  Eigen::DefaultDevice device;
  std::string op;
  long n;
  while (std::cin >> op >> n) {
    long count = op == "sigmoid_grad" ? 2 * n : n;
    std::vector<float> in(count);
    for (long i = 0; i < count; ++i) {
      std::string h;
      std::cin >> h;
      in[i] = from_hex(h);
    }
    Eigen::TensorMap<Eigen::Tensor<float, 1, Eigen::RowMajor>> x(in.data(), n);
    if (op == "sigmoid") {
      std::vector<float> out(n);
      Eigen::TensorMap<Eigen::Tensor<float, 1, Eigen::RowMajor>> y(out.data(), n);
      y.device(device) = x.unaryExpr(Eigen::internal::scalar_logistic_op<float>());
      for (float v : out) put(v);
    } else if (op == "sigmoid_grad") {
      Eigen::TensorMap<Eigen::Tensor<float, 1, Eigen::RowMajor>> dy(in.data() + n, n);
      std::vector<float> out(n);
      Eigen::TensorMap<Eigen::Tensor<float, 1, Eigen::RowMajor>> g(out.data(), n);
      g.device(device) = x.binaryExpr(dy, sigmoid_gradient_op<float>());
      for (float v : out) put(v);
    } else if (op == "sum" || op == "mean") {
      // TensorFlow's reduce_mean is not Eigen's MeanReducer (stateful, so never in four
      // packet accumulators): reduction_ops.h's ReduceEigenImpl<..., MeanReducer> sums with
      // SumReducer, then divides by the count as a float.
      Eigen::Tensor<float, 0, Eigen::RowMajor> r;
      Eigen::internal::SumReducer<float> sum;
      if (op == "sum") {
        r.device(device) = x.reduce(Eigen::array<long, 1>{0}, sum);
      } else {
        r.device(device) = x.reduce(Eigen::array<long, 1>{0}, sum) / static_cast<float>(n);
      }
      put(r());
    } else {
      std::fprintf(stderr, "unknown op %s\n", op.c_str());
      return 2;
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  return 0;
}
