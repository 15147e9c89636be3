#include "algorithms/learner.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "algorithms/registry.h"
#include "core/cancellation.h"
#include "kernels/host_memory.h"
#include "models/registry.h"

namespace tca {

namespace {

std::vector<double> concatenated(const Tensor& W, const Tensor& W_outb) {
  std::vector<double> flat = W.to_host();
  const std::vector<double> out = W_outb.to_host();
  flat.insert(flat.end(), out.begin(), out.end());
  return flat;
}

}  // namespace

Learner::Learner(std::unique_ptr<Network> network, const std::string& rule_id,
                 const std::map<std::string, std::string>& rule_params)
    : network_(std::move(network)), rule_id_(rule_id), rule_params_(rule_params) {
  rule_ = make_rule(*network_, rule_id_, rule_params_);
}

void Learner::initialise(uint64_t seed) {
  params_ = network_->initial_params(seed, network_->dtype(), network_->device());
  // A rule with state of its own beyond a window (learned parameters, feedback that follows
  // training) starts afresh, so that every run is independent of the runs before it.
  if (rule_->follows_training() || rule_->adapts()) rule_ = make_rule(*network_, rule_id_, rule_params_);
}

size_t Learner::W_size() const { return static_cast<size_t>(network_->n()) * network_->k(); }

void Learner::set_params(const std::vector<double>& flat) {
  const int n = network_->n(), k = network_->k(), o = network_->o();
  if (flat.size() != W_size() + static_cast<size_t>(o) * (n + 1))
    throw std::invalid_argument("Learner::set_params: " + std::to_string(flat.size()) + " values for " +
                                std::to_string(W_size() + static_cast<size_t>(o) * (n + 1)) + " parameters");
  const auto split = flat.begin() + static_cast<ptrdiff_t>(W_size());
  params_ = {Tensor::from_host(std::vector<double>(flat.begin(), split), {n, k}, network_->dtype(), network_->device()),
             Tensor::from_host(std::vector<double>(split, flat.end()), {o, n + 1}, network_->dtype(),
                               network_->device())};
}

std::vector<double> Learner::flat_params() const { return concatenated(params_.W, params_.W_outb); }

std::vector<double> Learner::initial_flat_params(uint64_t seed) const {
  const NetworkParams p = network_->initial_params(seed, DType::f64, Device::cpu);
  return concatenated(p.W, p.W_outb);
}

double Learner::window(const DeviceBatch& batch, uint64_t noise_seed, std::vector<double>* outputs) {
  return run_window(*network_, params_, batch, rule_.get(), noise_seed, outputs);
}

std::vector<double> Learner::flat_gradient() const { return concatenated(gradient().W, gradient().W_outb); }

void Learner::begin(const DeviceBatch& batch, uint64_t noise_seed) {
  if (!rule_->supports_online_updates())
    throw std::invalid_argument(rule_->id() + " " + rule_->window_only_reason());
  network_->begin(batch.B);
  rule_->reset(params_, batch.B, noise_seed);
}

void Learner::step(const DeviceBatch& batch, int t) {
  throw_if_cancelled();
  network_->step(params_, batch, t);
  rule_->attach_batch(batch);  // the window's batch (a resumed stream's next window brings a new one)
  rule_->step(*network_);
}

void Learner::resume(uint64_t noise_seed) {
  if (!rule_->supports_online_updates())
    throw std::invalid_argument(rule_->id() + " " + rule_->window_only_reason());
  network_->resume();
  rule_->resume(params_, noise_seed);
}

double Learner::end() {
  rule_->finish();
  return network_->window_loss();
}

std::vector<std::pair<std::string, std::vector<size_t>>> Learner::group_indices() const {
  const size_t n = network_->n(), k = network_->k(), o = network_->o();
  std::vector<std::pair<std::string, std::vector<size_t>>> out;
  for (const ParamGroup& g : network_->param_groups()) {
    const size_t rows = g.output ? o : n, width = g.output ? n + 1 : k, base = g.output ? W_size() : 0;
    std::vector<size_t> idx;
    for (size_t i = 0; i < rows; ++i)
      for (int j = 0; j < g.cols; ++j)
        if (!(g.skip_diagonal && static_cast<size_t>(g.first_col + j) == i))
          idx.push_back(base + i * width + g.first_col + j);
    out.push_back({g.name, std::move(idx)});
  }
  return out;
}

std::vector<size_t> Learner::recurrent_indices() const {
  std::vector<size_t> idx;
  for (const auto& group : group_indices())
    for (const size_t i : group.second)
      if (i < W_size()) idx.push_back(i);
  std::sort(idx.begin(), idx.end());
  return idx;
}

void Learner::require_state_fits(int batch_size, int T) {
  const NetworkInfo* info = find_network(network_->id());
  const std::string size_knobs = info ? info->size_knobs : "its size";
  tca::require_state_fits(rule_->id() + " at n = " + std::to_string(network_->n()) + ", --batch " +
                              std::to_string(batch_size) + " (T = " + std::to_string(T) + ", " +
                              to_string(network_->dtype()) + ")",
                          rule_->state_bytes_for(batch_size, T), network_->device(),
                          "lower " + size_knobs + " or --batch");
}

void require_state_fits(const std::string& what, size_t need, Device device, const std::string& advice) {
  const size_t available = available_memory(device);
  if (need <= available) return;
  char text[160];
  std::snprintf(text, sizeof(text), " needs %.2f GiB of state, more than the %.2f GiB available on the ",
                need / 1073741824.0, available / 1073741824.0);
  const std::string limit = device == Device::cpu ? " (set by " + host_memory().limited_by() + ")" : "";
  throw std::invalid_argument(what + text + to_string(device) + limit + "; " + advice);
}

void require_batch_fits(int batch_size, int T, int m, int o, DType dtype, Device device) {
  const size_t values = static_cast<size_t>(batch_size) * static_cast<size_t>(T) * static_cast<size_t>(m + o + 1);
  const std::string what = "a task batch of " + std::to_string(batch_size) + " sequences x " + std::to_string(T) + " steps";
  const std::string advice = "lower --batch or the task's length";
  if (device == Device::cpu) {
    require_state_fits(what, values * (sizeof(double) + dtype_size(dtype)), device, advice);
  } else {
    require_state_fits(what, values * sizeof(double), Device::cpu, advice);
    require_state_fits(what, values * dtype_size(dtype), device, advice);
  }
}

}  // namespace tca
