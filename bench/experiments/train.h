// Training runs: one (task, rule) cell trained with the rule's own gradient estimate over
// several seeds and a small grid of learning rates, so that every rule is scored at the rate
// that suits it best (chosen on validation data, reported on separate held-out test data).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "bench/experiments/parameter_update.h"
#include "kernels/tensor.h"
#include "models/rate_rnn.h"

namespace tca {

// "metric>=value" or "metric<=value" on a task metric of the validation batch, e.g.
// accuracy>=0.9; the run has reached it at the first evaluation where it holds.
struct Criterion {
  std::string metric;
  bool at_least = true;  // >= (true) or <= (false)
  double value = 0;
  bool defined() const { return !metric.empty(); }
  bool met(double x) const { return at_least ? x >= value : x <= value; }
  std::string to_string() const;
};
// Throws std::invalid_argument on text that is not of that form.
Criterion parse_criterion(const std::string& text);

// When the rule's estimate is applied: at the end of every window of T steps (the gradient of
// the summed loss at frozen parameters), or after every step (online learning: the parameters
// change within the sequence; only rules whose estimate is complete after each step).
enum class UpdateSchedule { window, step };

// How the training data flows.
//   batched  every window is B fresh sequences from zero state (the rules' traces reset too);
//   online   B endless streams (Task::stream): the network's state and the rule's traces carry
//            over from one window to the next, with no reset at trial boundaries, and the
//            parameters change after every step: the regime in which Marschall et al. 2020,
//            Tallec & Ollivier 2018 and Mujika et al. 2018 train their rules. A window is then
//            only the unit of data handed out (T steps of every stream) and of the curves.
enum class Regime { batched, online };
std::string to_string(Regime regime);  // "batched" or "online"

struct TrainConfig {
  std::string task = "add-v0";
  std::map<std::string, std::string> task_params;
  std::string algorithm = "rtrl";
  std::map<std::string, std::string> algo_params;
  std::string model = "rate";  // rate (models/rate_rnn.h) or lif (models/lif_rnn.h)
  std::map<std::string, std::string> model_params;  // the spiking network's knobs (lif only)
  int hidden = RateRnnConfig{}.n;  // rate model (defaults: the rate network's knobs)
  int batch = 16;       // sequences per training window
  double alpha = RateRnnConfig{}.alpha;  // leak of the rate network
  double gain = InitOptions{}.gain;      // W_rec ~ N(0, gain^2 / n)
  DType dtype = DType::f32;
  Device device = Device::cpu;
  std::vector<uint64_t> seeds = {1, 2, 3};  // parameters, batches and noise of a run derive from its seed
  std::vector<double> learning_rates = {1e-3, 3e-3, 1e-2};
  Optimizer optimizer = Optimizer::adam;
  Regime regime = Regime::batched;
  UpdateSchedule update = UpdateSchedule::window;  // online: step (required)
  double clip = 1.0;         // largest global gradient norm per update (0: no clipping)
  int iterations = 200;      // training windows
  int eval_every = 20;       // validation every this many iterations (and at the end)
  int eval_batch = 256;      // sequences of the validation and of the test batch
  Criterion criterion;       // optional
  bool stop_at_criterion = false;  // end a run at the first validation point meeting the criterion
  // When > 0: a validation point that meets the criterion counts only if a fresh batch of this
  // many sequences meets it too (Bellec et al. 2020's check on a larger batch); else training
  // goes on.
  int confirm_batch = 0;
  // Alignment along the run's own trajectory: every this many iterations (and at the last one;
  // 0: never), the rule's estimate and the exact gradient at the current parameters, on a fresh
  // batch of align_batch sequences from zero state (0: the training batch size).
  int align_every = 0;
  int align_batch = 0;
  // Where each run ends (0: skip): the top eigenvalue of the Hessian of the loss of a fresh
  // batch of this many sequences from the training distribution (bench/experiments/curvature.h),
  // and the generalization gap (batched regime).
  int curvature_batch = 0;

  nlohmann::json to_json() const;
  // Throws std::invalid_argument naming the first bad field.
  void validate() const;
};

// The rule's gradient estimate against the exact one (BPTT in double) at one point of its own
// training run, on one fresh batch: a single estimate, as training uses it (stochastic rules
// included: their noise is part of what the run follows).
struct AlignmentPoint {
  int iteration = 0;           // windows taken, as in the learning curve
  double cosine = 0;           // cos(ghat, g) over the recurrent parameters (NaN when g = 0)
  double relative_error = 0;   // |ghat - g| / |g| over the recurrent parameters (NaN when g = 0)
  double cosine_all = 0;       // cos(ghat, g) over all parameters
  double exact_norm = 0;       // |g| of the recurrent parameters
};

// A validation point that met the criterion, checked on a fresh, larger batch.
struct Confirmation {
  int iteration = 0;
  double value = 0;    // the criterion's metric on the confirmation batch
  bool met = false;    // the criterion holds there too: the run reached it at this iteration
};

struct CurvePoint {
  int iteration = 0;                      // windows taken (online: T updates each)
  double train_loss = 0;                  // mean window loss since the previous point (NaN at 0)
  double validation_loss = 0;
  std::map<std::string, double> validation_metrics;
};

// One (learning rate, seed) run.
struct TrainRun {
  double learning_rate = 0;
  uint64_t seed = 0;
  std::vector<CurvePoint> curve;
  std::vector<AlignmentPoint> alignment;  // empty unless align_every > 0
  bool diverged = false;          // a NaN/Inf loss or gradient stopped the run
  int diverged_at = -1;           // the iteration whose loss or gradient was not finite
  int steps_to_criterion = -1;    // iterations to the first validation point meeting it (-1: never),
                                  // and, with confirm_batch, its confirmation batch too
  std::vector<Confirmation> confirmations;  // confirm_batch > 0: every check, in order
  double final_validation_loss = 0;
  double test_loss = 0;
  std::map<std::string, double> test_metrics;
  double wall_seconds = 0;        // training windows only (not the evaluations)
  double steps_per_second = 0;    // sequence steps (T x B per window) per second of training
  size_t state_bytes = 0;         // the rule's state
  size_t peak_rss_bytes = 0;      // the process's peak resident memory at the run's end (with
                                  // runs side by side, theirs included)
  // curvature_batch > 0, runs that did not diverge (else NaN):
  double top_hessian_eigenvalue = std::numeric_limits<double>::quiet_NaN();
  int curvature_iterations = 0;
  bool curvature_converged = false;
  // test_loss minus the loss of the run's last training batch at the final parameters (batched
  // regime; NaN in the online regime, whose windows are not held-out-like batches)
  double generalization_gap = std::numeric_limits<double>::quiet_NaN();
};

struct TrainResult {
  TrainConfig config;
  int n = 0, m = 0, o = 0, T = 0;
  nlohmann::json task_config;
  std::map<std::string, std::string> algorithm_config;
  std::vector<TrainRun> runs;  // learning rate major, then seed
  double best_learning_rate = 0;  // lowest median final validation loss over seeds (diverged: +inf)
  int parallel_runs = 1;          // runs computed at a time (they do not change the results)
};

// Sets the online regime with the literature's settings: an update after every step, plain SGD,
// no clipping, one stream. The command line and suites then lay over it what the user gave.
void set_online_regime(TrainConfig& config);

// Refuses (std::invalid_argument) what run_training refuses before any work: bad settings, an
// unknown task or rule, an online schedule for a rule that cannot update online, a rule state
// or a batch that does not fit in memory.
void check_training(const TrainConfig& config);

// How many of the config's runs run_training computes at a time: up to jobs, the number of runs,
// and what the memory of the config's device holds of rule states of state_bytes each.
size_t runs_side_by_side(const TrainConfig& config, int jobs, size_t state_bytes);

// Trains every (learning rate, seed) pair, up to `jobs` of them at a time (parallel_runs.h;
// fewer when the memory holds fewer rule states; on a GPU each worker on its own stream): the
// results are the same for every jobs. Throws std::invalid_argument on a bad configuration
// (unknown task or rule, bad sizes, an online schedule for a rule that cannot update online,
// state that does not fit in memory). progress (may be null) receives a progress line.
TrainResult run_training(const TrainConfig& config, std::ostream* progress = nullptr, int jobs = 1);

// " name value" for each metric, for progress lines and tables.
std::string format_metrics(const std::map<std::string, double>& metrics);

}  // namespace tca
