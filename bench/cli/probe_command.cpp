// tcabench probe: gradient quality of learning rules against exact BPTT at frozen parameters.
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "algorithms/registry.h"
#include "bench/cli/command.h"
#include "bench/cli/command_line.h"
#include "bench/cli/options.h"
#include "bench/experiments/probe.h"
#include "bench/report/probe_report.h"
#include "bench/report/report.h"
#include "tasks/task.h"

namespace tca::cli {
namespace {

class ProbeCommand final : public Command {
 public:
  explicit ProbeCommand(CLI::App& app);
  std::vector<std::string> names() const override { return {"probe"}; }
  bool parsed() const override { return command_.parsed(); }
  int run() override;

 private:
  void add_output_options();
  std::vector<std::string> task_ids() const;
  std::vector<std::string> rule_ids() const;
  void write_reports(const ProbeResult& result, const std::string& task) const;
  // Where tables go: the standard output, or the standard error when a report goes there.
  std::ostream& tables() const { return table_stream({out_path_, dump_path_}); }

  CommandLine command_;
  ProbeConfig probe_;
  std::string algo_list_ = "rtrl,bptt", precision_ = "float", device_ = "auto", seed_text_ = "1";
  std::string task_list_ = probe_.task;
  std::vector<std::string> task_params_, algo_params_, model_params_;
  std::string out_path_, out_dir_, dump_path_;
  bool quiet_ = false, go_on_ = false;
  double max_hours_ = kDefaultMaxHours;
};

ProbeCommand::ProbeCommand(CLI::App& app)
    : command_(app, "probe", "Compare learning rules' gradients with exact BPTT at frozen parameters on one batch") {
  command_.option("--task", task_list_, "Comma-separated task ids, or all (see `tcabench tasks`)");
  command_.repeatable("--task-param", task_params_, "Task parameter override name=value (repeatable)");
  command_.option("--algo", algo_list_, "Comma-separated learning rules, or all (see `tcabench algos`)");
  command_.repeatable("--algo-param", algo_params_,
                       "Rule hyperparameter override rule.name=value (repeatable; see `tcabench algos`)");
  add_network_options(command_, probe_.model, model_params_, probe_.hidden, probe_.alpha, probe_.gain);
  command_.option("--batch", probe_.batch, "Sequences per batch B");
  command_.option("--seed", seed_text_, "Seed of parameters, batches and noise (0 .. 2^64 - 1)");
  command_.option("--samples", probe_.samples, "Noise samples K for stochastic rules");
  command_.choice("--precision", precision_, {"float", "double"}, "float or double");
  command_.list("--checkpoints", probe_.checkpoints,
                       "Training steps at which to probe (Adam on exact gradients), e.g. 0,100,500");
  command_.option("--train-lr", probe_.train_lr, "Adam step size of the training run");
  command_.option("--data-batches", probe_.data_batches,
                       "Batches for the data-variance floor of the exact gradient (0: skip)");
  command_.option("--adapt-windows", probe_.adapt_windows,
                  "Windows of fresh batches on which a rule that learns parameters of its own (kernl, dni, miconi) adapts at each "
                  "checkpoint before it is measured, frozen");
  command_.choice("--device", device_, {"cpu", "cuda", "auto"}, "cpu, cuda, or auto (the GPU when one is present)");
  add_cost_options(command_, max_hours_, go_on_);
  add_output_options();
}

void ProbeCommand::add_output_options() {
  command_.text("--out", out_path_, "Write the JSON report to this file (one task; - for the standard output)");
  command_.text("--out-dir", out_dir_, "Write one JSON report per (task, rule) cell into this folder");
  command_.text("--dump", dump_path_,
                "Write parameters, inputs, targets and every gradient to this JSON file (- for the standard output)");
  command_.flag("--quiet", quiet_, "No tables or progress lines on the terminal");
}

std::vector<std::string> ProbeCommand::task_ids() const {
  if (task_list_ != "all") return split_list(task_list_, "--task");
  std::vector<std::string> tasks;
  for (const TaskInfo& t : task_registry()) tasks.push_back(t.id);
  return tasks;
}

std::vector<std::string> ProbeCommand::rule_ids() const {
  if (algo_list_ != "all") return split_list(algo_list_, "--algo");
  std::vector<std::string> rules;
  for (const RuleInfo& r : rules_of(probe_.model)) rules.push_back(r.id);
  return rules;
}

void ProbeCommand::write_reports(const ProbeResult& result, const std::string& task) const {
  const nlohmann::json report = probe_report(result);
  if (!quiet_) tables() << probe_table(result) << std::flush;
  if (!out_path_.empty()) write_output(out_path_, report.dump(2) + "\n");
  if (!dump_path_.empty()) write_output(dump_path_, probe_dump(result).dump() + "\n");
  if (!out_dir_.empty()) {
    for (const std::string& algo : probe_.algorithms) {
      const std::string path = out_dir_ + "/probe-" + task + "-" + algo + ".json";
      write_file_atomically(path, probe_report(result, algo).dump(2) + "\n");
    }
  }
  if (out_path_.empty() && out_dir_.empty() && quiet_) std::cout << report.dump(2) << '\n';
}

int ProbeCommand::run() {
  probe_.model_params = model_knobs(command_, probe_.model, model_params_);
  const std::vector<std::string> tasks = task_ids();
  probe_.algorithms = rule_ids();
  if (tasks.size() > 1 && (!out_path_.empty() || !dump_path_.empty()))
    throw std::invalid_argument("--out and --dump take one task; use --out-dir for several");
  if (tasks.size() > 1 && !task_params_.empty())
    throw std::invalid_argument("--task-param applies to one task; name a single --task");
  probe_.seed = parse_seed(seed_text_);
  probe_.device = parse_device(device_);
  probe_.dtype = parse_dtype(precision_);
  // Fail now, not after an hour of probing, if the reports cannot be written.
  check_output_file(command_, "--out", out_path_);
  check_output_file(command_, "--dump", dump_path_);
  if (out_path_ == "-" && dump_path_ == "-")
    throw std::invalid_argument("--out - and --dump -: only one of them can go to the standard output");
  if (command_.given("--out-dir") && out_dir_.empty()) throw std::invalid_argument("--out-dir: an empty path");
  probe_.task_params = parse_pairs(task_params_, "--task-param");
  probe_.algo_params = parse_rule_pairs(algo_params_);
  if (!out_dir_.empty()) {
    std::filesystem::create_directories(out_dir_);
    check_writable_folder(out_dir_);
  }
  check_max_hours(max_hours_);
  CostCalibration calibration;
  CostEstimate cost;
  for (const std::string& task : tasks) {
    ProbeConfig config = probe_;
    config.task = task;
    cost += estimate_probe(config, calibration);
  }
  check_cost("probe", cost, calibration.seconds_spent(), max_hours_, go_on_, quiet_);
  report_long_windows(quiet_);
  std::vector<ProbeResult> results;
  for (const std::string& task : tasks) {
    probe_.task = task;
    ProbeResult result = run_probe(probe_, quiet_ ? nullptr : &std::cerr);
    write_reports(result, task);
    results.push_back(std::move(result));
  }
  if (!quiet_ && results.size() * probe_.algorithms.size() > 1)
    tables() << "\nsummary (last checkpoint; intervals 95%)\n" << probe_summary(results);
  return 0;
}

}  // namespace

std::unique_ptr<Command> probe_command(CLI::App& app) { return std::make_unique<ProbeCommand>(app); }

}  // namespace tca::cli
