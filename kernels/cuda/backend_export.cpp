// libtca_cuda.so's entry point: the table of its ops and runtime functions
// (kernels/cuda_backend.h) through which tca_kernels calls it after loading it.
#include "kernels/cuda/ops_cuda.h"
#include "kernels/cuda/runtime.h"
#include "kernels/cuda_backend.h"

namespace tca::cuda {
namespace {

template <typename T>
cuda_backend::TypedOps<T> typed_ops() {
  cuda_backend::TypedOps<T> ops;
#define TCA_OP(ret, name, params) ops.name = &::tca::cuda::name<T>;
#define TCA_OP_UNTYPED(ret, name, params)
#include "kernels/op_signatures.inc"
  return ops;
}

cuda_backend::Table make_table() {
  cuda_backend::Table table;
  table.signature = cuda_backend::kSignature;
  table.f32 = typed_ops<float>();
  table.f64 = typed_ops<double>();
#define TCA_OP(ret, name, params)
#define TCA_OP_UNTYPED(ret, name, params) table.name = &::tca::cuda::name;
#include "kernels/op_signatures.inc"
#define TCA_CUDA_RUNTIME_ENTRY(ret, name, params) table.name = &::tca::cuda::name;
  TCA_CUDA_RUNTIME_FUNCTIONS(TCA_CUDA_RUNTIME_ENTRY)
#undef TCA_CUDA_RUNTIME_ENTRY
  return table;
}

}  // namespace
}  // namespace tca::cuda

extern "C" __attribute__((visibility("default"))) const tca::cuda_backend::Table* tca_cuda_backend_table() {
  static const tca::cuda_backend::Table table = tca::cuda::make_table();
  return &table;
}
