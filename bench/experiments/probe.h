// The gradient probe: at frozen parameters and one fixed batch, compare every named learning
// rule's gradient estimate with the exact gradient (docs/design.md, "Bias, variance and alignment"), at one or
// several points along a training run.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "algorithms/learner.h"
#include "bench/experiments/gradient_stats.h"
#include "kernels/tensor.h"
#include "models/rate_rnn.h"
#include "tasks/task.h"

namespace tca {

struct ProbeConfig {
  std::string task = "dnms-v1";
  std::map<std::string, std::string> task_params;
  std::vector<std::string> algorithms = {"rtrl", "bptt"};
  // Hyperparameter overrides per rule id: {"uoro": {"name": "value"}}.
  std::map<std::string, std::map<std::string, std::string>> algo_params;
  // The network: "rate" (models/rate_rnn.h: hidden, alpha, gain) or "lif" (models/lif_rnn.h:
  // model_params, documented by lif_params(); rules from rules_of("lif")).
  std::string model = "rate";
  std::map<std::string, std::string> model_params;  // the network's knobs (rate: all but hidden, alpha, gain)
  int hidden = RateRnnConfig{}.n;  // rate: hidden units (defaults: the rate network's knobs)
  int batch = 16;
  uint64_t seed = 1;   // parameters, batches and noise all derive from it
  int samples = 64;    // K noise samples for stochastic rules (deterministic rules: 1)
  double alpha = RateRnnConfig{}.alpha;  // rate: leak of the network
  double gain = InitOptions{}.gain;      // rate: W_rec ~ N(0, gain^2 / n)
  DType dtype = DType::f32;
  Device device = Device::cpu;
  // Training steps (Adam on the exact gradient, fresh batch per step) at which to probe; 0 is
  // the initial point. Sorted, distinct, >= 0.
  std::vector<int> checkpoints = {0};
  double train_lr = 1e-3;  // Adam step size of that training run
  int data_batches = 16;   // batches for the data-variance floor (0: skip)
  // Windows of fresh batches on which a rule that learns parameters of its own (Rule::adapts,
  // kernl) adapts at each checkpoint, parameters frozen, before it is measured with its learned
  // parameters frozen too; what it learned carries over to the next checkpoint.
  int adapt_windows = 100;

  nlohmann::json to_json() const;
  // The network's knobs (models/registry.h): --hidden, --alpha, --gain for the rate model,
  // model_params otherwise.
  std::map<std::string, std::string> network_knobs() const;
};

struct AlgorithmProbe {
  std::string id;
  std::map<std::string, std::string> config;  // the rule's effective hyperparameters
  bool stochastic = false;
  int samples = 1;
  // by parameter group: W_rec, W_in, b, W_out, b_out (rate); W_rec (no diagonal), W_in, W_out, b_out (lif)
  std::map<std::string, GradientStats> groups;
  // The recurrent parameters W (every group but the readout W_out, b_out, which all rules
  // compute exactly): the part the rules approximate, and the headline of the reports.
  GradientStats recurrent;
  GradientStats total;  // all parameters
  double loss = 0;                // the window's loss as this run computed it
  double seconds_per_window = 0;  // median wall time of one forward + learning-rule window
  size_t state_bytes = 0;
  double flops_per_step = 0;      // per sequence
  std::vector<std::vector<double>> estimates;  // the K flattened gradients [W | W_outb]
};

// The data-variance floor: how much the exact gradient itself varies across batches,
// tr(Cov_batches g) / |g|^2, per group, for the recurrent parameters and in total (g of the
// probe batch).
struct DataFloor {
  int batches = 0;
  double recurrent = 0;
  double total = 0;
  std::map<std::string, double> groups;
};

// Everything measured at one point theta of the training run.
struct ProbePoint {
  int step = 0;                                // training steps taken to reach theta
  std::map<std::string, double> task_metrics;  // task metrics of the network's outputs at theta
  double reference_loss = 0;
  std::vector<double> reference;  // flattened exact gradient [W | W_outb], double precision
  std::vector<double> W, W_outb;  // theta, as the run's dtype holds it
  DataFloor data_floor;
  std::vector<AlgorithmProbe> algorithms;
};

struct ProbeResult {
  ProbeConfig config;
  int n = 0, m = 0, o = 0;
  nlohmann::json network;  // the network's model id and effective configuration
  nlohmann::json task_config;
  Batch batch;  // the probe batch (the same at every checkpoint)
  std::vector<ProbePoint> points;
};

// The probe's steps, one at a time (run_probe calls them; so does the Python module, whose
// numbers are then the probe's):
// The probe's network with `rule` attached (config.algo_params[rule] its hyperparameters), in
// precision `dtype` on `device`.
Learner probe_learner(const ProbeConfig& config, const Task& task, const std::string& rule, DType dtype,
                      Device device);
// A rule that learns parameters of its own (Rule::adapts) adapts on config.adapt_windows fresh
// batches of config.batch sequences at the learner's current point, then is frozen for its
// estimates; `checkpoint` keys the batches' seeds.
void adapt_rule(const ProbeConfig& config, const Task& task, Learner& learner, int checkpoint);
// The rule's estimates at the learner's parameters on one batch, flattened [W | W_outb]:
// config.samples windows for a stochastic rule (1 for a deterministic one), window s drawing its
// noise from derived_seed(config.seed, SeedPurpose::noise, s). `loss` (may be null): the last
// window's objective; `seconds` (may be null): each window's wall time, appended.
std::vector<std::vector<double>> rule_estimates(const ProbeConfig& config, Learner& learner, const DeviceBatch& batch,
                                                double* loss, std::vector<double>* seconds);

// Refuses (std::invalid_argument) what run_probe refuses before any work: bad settings, unknown
// tasks, rules or hyperparameters, a batch or a rule state that does not fit in memory.
void check_probe(const ProbeConfig& config);

// The part of a probe that no rule changes: the batch, the exact-gradient training run and, at
// each checkpoint, the point, the exact gradient there, its loss and task metrics and the data
// floor (ProbePoints without algorithms). A suite probes every rule at one (task, n) on the
// same reference, so ProbeReferences computes it once for all of them.
struct ProbeReference {
  Batch batch;
  std::vector<ProbePoint> points;
  // W_outb of the training run before each step s (entry s) and after the last (entry
  // last + 1), for rules whose state follows the training (Rule::follows_training); empty
  // when not recorded.
  std::vector<std::vector<double>> W_outb_trajectory;
};
// What a config's reference depends on (every field but the rules, their hyperparameters, the
// samples, the adaptation windows and the device), as text: configs with one key share it.
std::string probe_reference_key(const ProbeConfig& config);

// References by key, for many probes in one process (a suite's cells): run_probe takes the
// reference from here when it holds config's key (with W_outb along the training run when the
// probe's rules need it) and stores the one it computed otherwise. The numbers are those each
// probe would compute alone (tested bit for bit); clear() drops them.
class ProbeReferences {
 public:
  const ProbeReference* find(const ProbeConfig& config, bool need_trajectory) const;
  void store(const ProbeConfig& config, ProbeReference reference);
  void erase(const std::string& key) { cache_.erase(key); }
  void clear() { cache_.clear(); }
  size_t size() const { return cache_.size(); }

 private:
  std::map<std::string, ProbeReference> cache_;
};

// Runs the probe. Throws std::invalid_argument on bad configuration (unknown task or rule,
// sizes out of range). progress (may be null) receives one line per finished measurement.
// references (may be null): where the reference comes from, and goes, for probes to come.
ProbeResult run_probe(const ProbeConfig& config, std::ostream* progress = nullptr,
                      ProbeReferences* references = nullptr);

}  // namespace tca
