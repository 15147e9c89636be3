// CUDA implementations of backend ops on device pointers (float and double overloads).
// Launchers in kernels/ops.cpp check shapes before calling these. Every call checks its
// CUDA status; kernels run on the default stream.
#pragma once

#include <cstdint>

namespace tca::cuda {

void fill(float* x, int64_t n, float value);
void fill(double* x, int64_t n, double value);
void axpy(int64_t n, float alpha, const float* x, float* y);
void axpy(int64_t n, double alpha, const double* x, double* y);
void scale(int64_t n, float alpha, float* x);
void scale(int64_t n, double alpha, double* x);
void mul(int64_t n, float alpha, const float* x, const float* y, float* out);
void mul(int64_t n, double alpha, const double* x, const double* y, double* out);
double dot(int64_t n, const float* x, const float* y);
double dot(int64_t n, const double* x, const double* y);
double nrm2(int64_t n, const float* x);
double nrm2(int64_t n, const double* x);

}  // namespace tca::cuda
