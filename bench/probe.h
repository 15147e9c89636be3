// The gradient probe: at frozen parameters and one fixed batch, compare every named learning
// rule's gradient estimate with the exact gradient (DESIGN.md, "Gradient quality").
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kernels/tensor.h"
#include "tasks/task.h"

namespace tca {

struct ProbeConfig {
  std::string task = "dnms-v0";
  std::map<std::string, std::string> task_params;
  std::vector<std::string> algorithms = {"rtrl", "bptt"};
  // Hyperparameter overrides per rule id: {"uoro": {"name": "value"}}.
  std::map<std::string, std::map<std::string, std::string>> algo_params;
  int hidden = 32;
  int batch = 16;
  uint64_t seed = 1;   // parameters, batch and noise all derive from it
  int samples = 64;    // K noise samples for stochastic rules (deterministic rules: 1)
  double alpha = 1.0;  // leak of the rate network
  double gain = 1.0;   // W_rec ~ N(0, gain^2 / n)
  DType dtype = DType::f32;
  Device device = Device::cpu;

  nlohmann::json to_json() const;
};

// How one estimate compares with the exact gradient g, over K samples ghat_k.
struct GradientStats {
  double rel_bias = 0;        // |mean ghat - g| / |g|
  double rel_variance = 0;    // mean_k |ghat_k - mean ghat|^2 / |g|^2
  double cosine_of_mean = 0;  // cos(mean ghat, g)
  double mean_cosine = 0;     // mean_k cos(ghat_k, g)
  double norm_ratio = 0;      // |mean ghat| / |g|
  double reference_norm = 0;  // |g|
};

struct AlgorithmProbe {
  std::string id;
  std::map<std::string, std::string> config;  // the rule's effective hyperparameters
  bool stochastic = false;
  int samples = 1;
  std::map<std::string, GradientStats> groups;  // by parameter group (W_rec, W_in, b, W_out, b_out)
  GradientStats total;
  double loss = 0;                // the window's loss as this run computed it
  double seconds_per_window = 0;  // median wall time of one forward + learning-rule window
  size_t state_bytes = 0;
  double flops_per_step = 0;      // per sequence
  std::vector<std::vector<double>> estimates;  // the K flattened gradients [W | W_outb]
};

struct ProbeResult {
  ProbeConfig config;
  int n = 0, m = 0, o = 0;
  nlohmann::json task_config;
  std::map<std::string, double> task_metrics;  // task metrics of the network's outputs at theta
  double reference_loss = 0;
  std::vector<double> reference;  // flattened exact gradient [W | W_outb], double precision
  std::vector<double> W, W_outb;  // the frozen parameters, as the run's dtype holds them
  Batch batch;
  std::vector<AlgorithmProbe> algorithms;
};

// Runs the probe. Throws std::invalid_argument on bad configuration (unknown task or rule,
// sizes out of range).
ProbeResult run_probe(const ProbeConfig& config);

// The report: schema version, config and its hash, git commit, backend, machine, results.
nlohmann::json probe_report(const ProbeResult& result);
// Everything needed to verify the gradients with another tool: parameters, inputs, targets,
// mask, and every gradient (reference and each estimate), as flat row-major arrays.
nlohmann::json probe_dump(const ProbeResult& result);
// A fixed-width table for the terminal.
std::string probe_table(const ProbeResult& result);

}  // namespace tca
