#include "bench/experiments/parameter_update.h"

#include <cmath>

#include "kernels/ops.h"

namespace tca {

ParameterUpdate::ParameterUpdate(Optimizer kind, double lr, double clip, NetworkParams& params,
                                 const Network& network)
    : kind_(kind), lr_(lr), clip_(clip), params_(params), network_(network) {
  if (kind_ == Optimizer::adam) {
    for (const Tensor* p : {&params.W, &params.W_outb}) {
      moments_.emplace_back(p->shape(), p->dtype(), p->device());
      moments_.emplace_back(p->shape(), p->dtype(), p->device());
    }
    for (Tensor& t : moments_) ops::fill(t, 0.0);
  }
}

double ParameterUpdate::apply(const Gradients& g) {
  const double norm = std::hypot(ops::nrm2(g.W), ops::nrm2(g.W_outb));
  if (!std::isfinite(norm) || norm == 0) return norm;
  const double scale = (clip_ > 0 && norm > clip_) ? clip_ / norm : 1.0;
  ++steps_;
  if (kind_ == Optimizer::sgd) {
    ops::axpy(-lr_ * scale, g.W, params_.W);
    ops::axpy(-lr_ * scale, g.W_outb, params_.W_outb);
  } else {
    constexpr double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // Kingma & Ba's defaults
    ops::adam_update(params_.W, g.W, moments_[0], moments_[1], lr_, beta1, beta2, eps, steps_, scale);
    ops::adam_update(params_.W_outb, g.W_outb, moments_[2], moments_[3], lr_, beta1, beta2, eps, steps_, scale);
  }
  network_.constrain(params_);
  return norm;
}

}  // namespace tca
