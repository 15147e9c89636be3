// tcabench train: one (task, rule) cell trained over seeds and a learning-rate grid.
#include <filesystem>
#include <iostream>

#include "bench/cli/command.h"
#include "bench/cli/command_line.h"
#include "bench/cli/options.h"
#include "bench/experiments/train.h"
#include "bench/report/report.h"
#include "bench/report/train_report.h"

namespace tca::cli {
namespace {

class TrainCommand final : public Command {
 public:
  explicit TrainCommand(CLI::App& app);
  std::vector<std::string> names() const override { return {"train"}; }
  bool parsed() const override { return command_.parsed(); }
  int run() override;

 private:
  void add_schedule_options();

  CommandLine command_;
  TrainConfig train_;
  std::string algo_ = train_.algorithm, precision_ = "float", device_ = "auto";
  std::string optimizer_ = "adam", update_ = "window", regime_ = "batched", criterion_, out_;
  std::vector<std::string> task_params_, algo_params_, model_params_, seeds_ = {"1", "2", "3"};
  bool quiet_ = false, go_on_ = false;
  int jobs_ = 0;
  double max_hours_ = kDefaultMaxHours;
};

TrainCommand::TrainCommand(CLI::App& app)
    : command_(app, "train",
               "Train one (task, rule) cell over several seeds and a learning-rate grid; score it on held-out data") {
  command_.option("--task", train_.task, "Task id (see `tcabench tasks`)");
  command_.repeatable("--task-param", task_params_, "Task parameter override name=value (repeatable)");
  command_.option("--algo", algo_, "Learning rule (see `tcabench algos`)");
  command_.repeatable("--algo-param", algo_params_, "Rule hyperparameter override name=value (repeatable)");
  add_network_options(command_, train_.model, model_params_, train_.hidden, train_.alpha, train_.gain);
  command_.option("--batch", train_.batch, "Sequences per training window B");
  command_.list("--seeds", seeds_, "Comma-separated seeds: one run per seed and learning rate");
  add_schedule_options();
  command_.choice("--precision", precision_, {"float", "double"}, "float or double");
  command_.choice("--device", device_, {"cpu", "cuda", "auto"}, "cpu, cuda, or auto (the GPU when one is present)");
  command_.text("--out", out_, "Write the JSON report to this file (- for the standard output)");
  command_.flag("--quiet", quiet_, "No table or progress lines on the terminal");
  add_cost_options(command_, max_hours_, go_on_);
  command_.option("--jobs", jobs_, "Runs (seeds x learning rates) computed at a time (on a GPU each on its own stream); 0: one per usable CPU");
}

void TrainCommand::add_schedule_options() {
  command_.list("--lr", train_.learning_rates,
                       "Comma-separated learning rates; the one with the lowest median validation loss is reported");
  command_.choice("--regime", regime_, {"batched", "online"},
                  "batched: every window B fresh sequences from zero state; online: B endless streams, state and "
                  "traces carried over, an update after every step (then unless given: --update step, --optimizer "
                  "sgd, --clip 0, --batch 1)");
  command_.choice("--optimizer", optimizer_, {"adam", "sgd"}, "adam or sgd");
  command_.choice("--update", update_, {"window", "step"}, "window: apply the estimate after each window; step: after every step (online)");
  command_.option("--clip", train_.clip, "Largest global gradient norm per update (0: no clipping)");
  command_.option("--iterations", train_.iterations, "Training windows per run");
  command_.option("--eval-every", train_.eval_every, "Validate every this many iterations");
  command_.option("--eval-batch", train_.eval_batch, "Sequences in the validation and in the test batch");
  command_.text("--criterion", criterion_, "Validation metric threshold for steps-to-criterion, e.g. accuracy>=0.9");
  command_.flag("--stop-at-criterion", train_.stop_at_criterion,
                     "End a run at the first validation point that meets --criterion");
  command_.option("--confirm-batch", train_.confirm_batch,
                  "A validation point meeting --criterion counts only if a fresh batch of this many sequences "
                  "meets it too (0: no check)");
  command_.option("--align-every", train_.align_every,
                  "Every this many iterations, the rule's estimate against the exact gradient at the current "
                  "parameters on a fresh batch (0: never)");
  command_.option("--align-batch", train_.align_batch, "Sequences of that batch (0: --batch)");
  command_.option("--curvature-batch", train_.curvature_batch,
                  "Where each run ends: the top Hessian eigenvalue of the loss of a fresh batch of this many "
                  "sequences, and the generalization gap (0: skip)");
}

int TrainCommand::run() {
  train_.model_params = model_knobs(command_, train_.model, model_params_);
  train_.algorithm = algo_;
  train_.task_params = parse_pairs(task_params_, "--task-param");
  train_.algo_params = parse_pairs(algo_params_, "--algo-param");
  train_.seeds.clear();
  for (const std::string& s : seeds_) train_.seeds.push_back(parse_seed(s, "--seeds"));
  train_.optimizer = optimizer_ == "sgd" ? Optimizer::sgd : Optimizer::adam;
  train_.update = update_ == "step" ? UpdateSchedule::step : UpdateSchedule::window;
  if (regime_ == "online") {  // the literature's online setting, for what was not given
    const TrainConfig given = train_;
    set_online_regime(train_);
    if (command_.given("--update")) train_.update = given.update;
    if (command_.given("--optimizer")) train_.optimizer = given.optimizer;
    if (command_.given("--clip")) train_.clip = given.clip;
    if (command_.given("--batch")) train_.batch = given.batch;
  }
  train_.criterion = parse_criterion(criterion_);
  train_.dtype = parse_dtype(precision_);
  train_.device = parse_device(device_);
  check_output_file(command_, "--out", out_);
  const int jobs = parse_jobs(jobs_);
  check_max_hours(max_hours_);
  CostCalibration calibration;
  const CostEstimate cost = estimate_training(train_, jobs, calibration);
  check_cost("train", cost, calibration.seconds_spent(), max_hours_, go_on_, quiet_);
  report_long_windows(quiet_);
  const TrainResult result = run_training(train_, quiet_ ? nullptr : &std::cerr, jobs);
  const nlohmann::json report = train_report(result);
  if (!quiet_) table_stream({out_}) << train_table(result) << std::flush;
  if (!out_.empty()) write_output(out_, report.dump(2) + "\n");
  else if (quiet_) std::cout << report.dump(2) << '\n';
  return 0;
}

}  // namespace

std::unique_ptr<Command> train_command(CLI::App& app) { return std::make_unique<TrainCommand>(app); }

}  // namespace tca::cli
