// tcabench: the command-line front end.
//   tcabench probe ...   gradient quality of learning rules against exact BPTT
//   tcabench train ...   trains one (task, rule) cell over seeds and a learning-rate grid
//   tcabench suite / merge / leaderboard   the benchmark grid, its shards, its leaderboard (bench/suite_cli.h)
//   tcabench tasks       the task registry with every parameter and its default
//   tcabench algos       the learning-rule registries (rate network, spiking network)
//   tcabench models      the networks and their knobs
//   tcabench bench-compare BASE.json NEW.json   the performance-regression gate
//   tcabench quality     the gradient-quality gate against the committed baseline
#include <CLI/CLI.hpp>

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include "algorithms/algorithm.h"
#include "algorithms/lif_algorithm.h"
#include "bench/bench_compare.h"
#include "bench/probe.h"
#include "bench/quality.h"
#include "models/lif_rnn.h"
#include "bench/report.h"
#include "bench/suite_cli.h"
#include "bench/train.h"
#include "tasks/task.h"

namespace {

// "name=value" pairs into a map; throws on text without '='.
std::map<std::string, std::string> parse_pairs(const std::vector<std::string>& pairs,
                                               const std::string& option) {
  std::map<std::string, std::string> out;
  for (const std::string& p : pairs) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::invalid_argument(option + " expects name=value, got '" + p + "'");
    out[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return out;
}

// "rule.name=value" pairs into {rule: {name: value}}.
std::map<std::string, std::map<std::string, std::string>> parse_rule_pairs(
    const std::vector<std::string>& pairs) {
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const auto& [key, value] : parse_pairs(pairs, "--algo-param")) {
    const auto dot = key.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == key.size())
      throw std::invalid_argument("--algo-param expects rule.name=value, got '" + key + "=" + value + "'");
    out[key.substr(0, dot)][key.substr(dot + 1)] = value;
  }
  return out;
}

// A seed as an unsigned 64-bit decimal: no sign, no overflow, nothing after the digits.
uint64_t parse_seed(const std::string& text, const std::string& option = "--seed") {
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size())
    throw std::invalid_argument(option + " must be an integer in [0, 18446744073709551615], got '" + text + "'");
  return value;
}

tca::Device parse_device(const std::string& name) {
  if (name == "cpu") return tca::Device::cpu;
  if (name == "cuda") {
    if (!tca::cuda_available())
#ifdef TCA_HAVE_CUDA
      throw std::invalid_argument("--device cuda: no CUDA device is present");
#else
      throw std::invalid_argument("--device cuda: this tcabench was built without the CUDA backend");
#endif
    return tca::Device::cuda;
  }
  return tca::cuda_available() ? tca::Device::cuda : tca::Device::cpu;  // auto
}

// --model-param pairs of a command: only with --model lif, which refuses the rate model's
// --hidden, --alpha and --gain.
std::map<std::string, std::string> model_knobs(const CLI::App& command, const std::string& model,
                                               const std::vector<std::string>& pairs) {
  if (model == "lif") {
    for (const char* rate_only : {"--hidden", "--alpha", "--gain"})
      if (command.count(rate_only) > 0)
        throw std::invalid_argument(std::string(rate_only) +
                                    " applies to the rate model; the spiking network takes --model-param "
                                    "(see `tcabench models`)");
  } else if (!pairs.empty()) {
    throw std::invalid_argument("--model-param applies to --model lif");
  }
  return parse_pairs(pairs, "--model-param");
}

void check_writable_folder(const std::filesystem::path& folder) {
  const std::filesystem::path dir = folder.empty() ? "." : folder;
  if (!std::filesystem::is_directory(dir) || access(dir.c_str(), W_OK) != 0)
    throw std::invalid_argument("cannot write into '" + dir.string() + "'");
}

void print_tasks() {
  for (const tca::TaskInfo& t : tca::task_registry()) {
    std::cout << t.id << "  " << t.summary << '\n';
    for (const tca::TaskParam& p : t.params)
      std::cout << "    " << p.name << " (default " << p.default_value << "): " << p.help << '\n';
  }
}

void print_rules(const std::vector<tca::AlgorithmInfo>& rules) {
  for (const tca::AlgorithmInfo& a : rules) {
    std::cout << a.id << "  " << a.summary << (a.exact ? "" : "  [approximate]") << '\n';
    for (const tca::ParamDoc& p : a.params)
      std::cout << "    " << p.name << " (default " << p.default_value << "): " << p.help << '\n';
  }
}

void print_algorithms() {
  print_rules(tca::algorithm_registry());
  std::cout << "\nrules on the spiking network (probe and train --model lif):\n";
  print_rules(tca::lif_algorithm_registry());
}

void print_models() {
  std::cout << "rate  leaky rate RNN h = W [a; x; 1], a = (1 - alpha) a + alpha tanh(h) (probe --hidden, --alpha, --gain)\n"
            << "lif   recurrent spiking network of LIF and ALIF neurons (Bellec et al. 2020), dt = 1 ms by default; "
               "knobs: --model-param NAME=VALUE of probe and train\n";
  for (const tca::ParamDoc& p : tca::lif_param_docs())
    std::cout << "    " << p.name << " (default " << p.default_value << "): " << p.help << '\n';
}

// tcabench quality: 0 when every metric holds, 1 on a violation.
int run_quality(const std::string& baseline_path, bool write) {
  if (write) check_writable_folder(std::filesystem::path(baseline_path).parent_path());
  const nlohmann::json current = tca::quality_metrics();
  if (write) {
    const std::vector<std::string> bad = tca::quality_bound_violations(current);
    if (!bad.empty()) {
      std::cout << "quality: not writing a baseline with exact rules out of bounds:\n";
      for (const std::string& v : bad) std::cout << "  " << v << '\n';
      return 1;
    }
    tca::write_file_atomically(baseline_path, current.dump(2) + "\n");
    std::cout << "quality: wrote " << current["metrics"].size() << " metrics to " << baseline_path << '\n';
    return 0;
  }
  std::ifstream in(baseline_path);
  if (!in) throw std::invalid_argument("cannot read the quality baseline '" + baseline_path + "'");
  nlohmann::json baseline;
  try {
    baseline = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw std::invalid_argument(baseline_path + ": not JSON (" + e.what() + ")");
  }
  const tca::QualityReport report = tca::check_quality(current, baseline);
  std::cout << "quality baseline: " << baseline_path << '\n' << tca::quality_table(report) << std::flush;
  return report.violations.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tcabench: temporal credit assignment benchmark for recurrent networks"};
  app.require_subcommand(1);

  tca::ProbeConfig probe;
  std::string algo_list = "rtrl,bptt";
  std::string precision = "float";
  std::string device = "auto";
  std::vector<std::string> task_params, algo_params;
  std::string task_list = probe.task;
  std::string out_path, out_dir, dump_path;
  bool quiet = false;
  CLI::App* probe_cmd = app.add_subcommand(
      "probe", "Compare learning rules' gradients with exact BPTT at frozen parameters on one batch");
  probe_cmd->add_option("--task", task_list, "Comma-separated task ids, or all (see `tcabench tasks`)")
      ->capture_default_str();
  probe_cmd->add_option("--task-param", task_params, "Task parameter override name=value (repeatable)");
  probe_cmd->add_option("--algo", algo_list, "Comma-separated learning rules, or all (see `tcabench algos`)")
      ->capture_default_str();
  probe_cmd->add_option("--algo-param", algo_params,
                        "Rule hyperparameter override rule.name=value (repeatable; see `tcabench algos`)");
  probe_cmd->add_option("--model", probe.model, "Network: rate, or lif (spiking; see `tcabench models`)")
      ->check(CLI::IsMember({"rate", "lif"}))
      ->capture_default_str();
  std::vector<std::string> model_params;
  probe_cmd->add_option("--model-param", model_params,
                        "Spiking-network knob name=value (repeatable; --model lif; see `tcabench models`)");
  probe_cmd->add_option("--hidden", probe.hidden, "Hidden units n (rate model)")->capture_default_str();
  probe_cmd->add_option("--batch", probe.batch, "Sequences per batch B")->capture_default_str();
  std::string seed_text = "1";
  probe_cmd->add_option("--seed", seed_text, "Seed of parameters, batches and noise (0 .. 2^64 - 1)")
      ->capture_default_str();
  probe_cmd->add_option("--samples", probe.samples, "Noise samples K for stochastic rules")
      ->capture_default_str();
  probe_cmd->add_option("--alpha", probe.alpha, "Leak alpha in (0, 1] (rate model)")->capture_default_str();
  probe_cmd->add_option("--gain", probe.gain, "W_rec init scale: N(0, gain^2/n) (rate model)")->capture_default_str();
  probe_cmd->add_option("--precision", precision, "float or double")
      ->check(CLI::IsMember({"float", "double"}))
      ->capture_default_str();
  probe_cmd->add_option("--checkpoints", probe.checkpoints,
                        "Training steps at which to probe (Adam on exact gradients), e.g. 0,100,500")
      ->delimiter(',')
      ->capture_default_str();
  probe_cmd->add_option("--train-lr", probe.train_lr, "Adam step size of the training run")->capture_default_str();
  probe_cmd->add_option("--data-batches", probe.data_batches,
                        "Batches for the data-variance floor of the exact gradient (0: skip)")
      ->capture_default_str();
  probe_cmd->add_option("--device", device, "cpu, cuda, or auto (the GPU when one is present)")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}))
      ->capture_default_str();
  probe_cmd->add_option("--out", out_path, "Write the JSON report to this file (one task)");
  probe_cmd->add_option("--out-dir", out_dir, "Write one JSON report per (task, rule) cell into this folder");
  probe_cmd->add_option("--dump", dump_path,
                        "Write parameters, inputs, targets and every gradient to this JSON file");
  probe_cmd->add_flag("--quiet", quiet, "No tables or progress lines on the terminal");

  tca::TrainConfig train;
  std::string train_algo = train.algorithm, train_precision = "float", train_device = "auto";
  std::string optimizer = "adam", update = "window", criterion, train_out;
  std::vector<std::string> train_task_params, train_algo_params, train_seeds = {"1", "2", "3"};
  bool train_quiet = false;
  CLI::App* train_cmd = app.add_subcommand(
      "train", "Train one (task, rule) cell over several seeds and a learning-rate grid; score it on held-out data");
  train_cmd->add_option("--task", train.task, "Task id (see `tcabench tasks`)")->capture_default_str();
  train_cmd->add_option("--task-param", train_task_params, "Task parameter override name=value (repeatable)");
  train_cmd->add_option("--algo", train_algo, "Learning rule (see `tcabench algos`)")->capture_default_str();
  train_cmd->add_option("--algo-param", train_algo_params, "Rule hyperparameter override name=value (repeatable)");
  std::vector<std::string> train_model_params;
  train_cmd->add_option("--model", train.model, "Network: rate, or lif (spiking; see `tcabench models`)")
      ->check(CLI::IsMember({"rate", "lif"}))
      ->capture_default_str();
  train_cmd->add_option("--model-param", train_model_params,
                        "Spiking-network knob name=value (repeatable; --model lif; see `tcabench models`)");
  train_cmd->add_option("--hidden", train.hidden, "Hidden units n (rate model)")->capture_default_str();
  train_cmd->add_option("--batch", train.batch, "Sequences per training window B")->capture_default_str();
  train_cmd->add_option("--alpha", train.alpha, "Leak alpha in (0, 1] (rate model)")->capture_default_str();
  train_cmd->add_option("--gain", train.gain, "W_rec init scale: N(0, gain^2/n) (rate model)")->capture_default_str();
  train_cmd->add_option("--seeds", train_seeds, "Comma-separated seeds: one run per seed and learning rate")
      ->delimiter(',')
      ->capture_default_str();
  train_cmd->add_option("--lr", train.learning_rates,
                        "Comma-separated learning rates; the one with the lowest median validation loss is reported")
      ->delimiter(',')
      ->capture_default_str();
  train_cmd->add_option("--optimizer", optimizer, "adam or sgd")
      ->check(CLI::IsMember({"adam", "sgd"}))
      ->capture_default_str();
  train_cmd->add_option("--update", update,
                        "window: apply the estimate after each window; step: after every step (online)")
      ->check(CLI::IsMember({"window", "step"}))
      ->capture_default_str();
  train_cmd->add_option("--clip", train.clip, "Largest global gradient norm per update (0: no clipping)")
      ->capture_default_str();
  train_cmd->add_option("--iterations", train.iterations, "Training windows per run")->capture_default_str();
  train_cmd->add_option("--eval-every", train.eval_every, "Validate every this many iterations")
      ->capture_default_str();
  train_cmd->add_option("--eval-batch", train.eval_batch, "Sequences in the validation and in the test batch")
      ->capture_default_str();
  train_cmd->add_option("--criterion", criterion,
                        "Validation metric threshold for steps-to-criterion, e.g. accuracy>=0.9");
  train_cmd->add_flag("--stop-at-criterion", train.stop_at_criterion,
                      "End a run at the first validation point that meets --criterion");
  train_cmd->add_option("--precision", train_precision, "float or double")
      ->check(CLI::IsMember({"float", "double"}))
      ->capture_default_str();
  train_cmd->add_option("--device", train_device, "cpu, cuda, or auto (the GPU when one is present)")
      ->check(CLI::IsMember({"cpu", "cuda", "auto"}))
      ->capture_default_str();
  train_cmd->add_option("--out", train_out, "Write the JSON report to this file");
  train_cmd->add_flag("--quiet", train_quiet, "No table or progress lines on the terminal");

  tca::SuiteCommands suite_commands(app);
  app.add_subcommand("tasks", "List tasks with their parameters and defaults");
  app.add_subcommand("algos", "List learning rules with their hyperparameters and defaults");
  app.add_subcommand("models", "List the networks and the spiking network's knobs with their defaults");

  tca::CompareOptions compare;
  std::string compare_base, compare_new, compare_json;
  CLI::App* compare_cmd = app.add_subcommand(
      "bench-compare",
      "Performance-regression gate over two Google Benchmark JSON files (per-repetition results). "
      "A benchmark regressed when a two-sided Mann-Whitney U test is significant (p < alpha) and "
      "the median ratio new/base exceeds 1 + threshold. Exit status: 1 if any benchmark regressed, "
      "0 otherwise, 2 on bad input (including runs of different devices)");
  compare_cmd->add_option("BASE", compare_base, "Baseline JSON (e.g. results/baselines/cpu/micro.json)")->required();
  compare_cmd->add_option("NEW", compare_new, "New JSON of the same benchmarks on the same device")->required();
  compare_cmd->add_option("--threshold", compare.threshold, "Relative change of the median that counts, in (0, 1)")
      ->capture_default_str();
  compare_cmd->add_option("--alpha", compare.alpha, "Significance level of the U test, in (0, 1)")
      ->capture_default_str();
  compare_cmd->add_option("--min-repetitions", compare.min_repetitions,
                          "Repetitions each benchmark must have in both files (--benchmark_repetitions)")
      ->capture_default_str();
  compare_cmd->add_flag("--allow-device-mismatch", compare.allow_device_mismatch,
                        "Compare runs of different devices (context tca_device): new times are then divided "
                        "by the machines' speed factor, the median of the median ratios, so only benchmarks "
                        "that moved relative to the others can be flagged");
  compare_cmd->add_option("--json", compare_json, "Also write the comparison as JSON to this file");

  std::string quality_baseline = "results/baselines/quality.json";
  bool quality_write = false;
  CLI::App* quality_cmd = app.add_subcommand(
      "quality",
      "Gradient-quality gate: every rule against exact BPTT in double on fixed seeds (dnms-v0, add-v0), "
      "compared with the baseline; exact rules must stay below a relative error of 1e-10, other metrics "
      "within 1e-6 relative of the baseline. Exit status 1 on a violation");
  quality_cmd->add_option("--baseline", quality_baseline, "Baseline file")->capture_default_str();
  quality_cmd->add_flag("--write", quality_write,
                        "Write the metrics as the new baseline instead of checking them (refused when an "
                        "exact rule is above its bound)");

  // CLI11 reports an unknown first word only as "a subcommand is required": name it.
  const std::vector<std::string> commands = {"probe", "train", "tasks", "algos", "models", "bench-compare", "quality"};
  if (argc > 1 && argv[1][0] != '-' && std::find(commands.begin(), commands.end(), argv[1]) == commands.end() &&
      !tca::SuiteCommands::is_command(argv[1])) {
    std::cerr << "tcabench: error: unknown command '" << argv[1]
              << "' (valid: probe, train, suite, merge, leaderboard, tasks, algos, models, bench-compare, quality)\n";
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "tcabench: error: " << e.what() << " (see tcabench --help)\n";
    return 2;
  }

  try {
    if (suite_commands.run(parse_device)) {
    } else if (app.got_subcommand("tasks")) {
      print_tasks();
    } else if (app.got_subcommand("algos")) {
      print_algorithms();
    } else if (train_cmd->parsed()) {
      train.model_params = model_knobs(*train_cmd, train.model, train_model_params);
      train.algorithm = train_algo;
      train.task_params = parse_pairs(train_task_params, "--task-param");
      train.algo_params = parse_pairs(train_algo_params, "--algo-param");
      train.seeds.clear();
      for (const std::string& s : train_seeds) train.seeds.push_back(parse_seed(s, "--seeds"));
      train.optimizer = optimizer == "sgd" ? tca::Optimizer::sgd : tca::Optimizer::adam;
      train.update = update == "step" ? tca::UpdateSchedule::step : tca::UpdateSchedule::window;
      train.criterion = tca::parse_criterion(criterion);
      train.dtype = tca::parse_dtype(train_precision);
      train.device = parse_device(train_device);
      if (!train_out.empty()) check_writable_folder(std::filesystem::path(train_out).parent_path());
      const tca::TrainResult result = tca::run_training(train, train_quiet ? nullptr : &std::cerr);
      const nlohmann::json report = tca::train_report(result);
      if (!train_quiet) std::cout << tca::train_table(result) << std::flush;
      if (!train_out.empty()) tca::write_file_atomically(train_out, report.dump(2) + "\n");
      else if (train_quiet) std::cout << report.dump(2) << '\n';
    } else if (app.got_subcommand("models")) {
      print_models();
    } else if (compare_cmd->parsed()) {
      const tca::BenchmarkRun base = tca::read_benchmark_run(compare_base);
      const tca::BenchmarkRun now = tca::read_benchmark_run(compare_new);
      const tca::Comparison comparison = tca::compare_benchmark_runs(base, now, compare);
      if (!compare_json.empty())
        tca::write_file_atomically(compare_json, tca::comparison_json(comparison).dump(2) + "\n");
      std::cout << tca::comparison_table(comparison) << std::flush;
      return comparison.count(tca::Verdict::regression) > 0 ? 1 : 0;
    } else if (quality_cmd->parsed()) {
      return run_quality(quality_baseline, quality_write);
    } else if (probe_cmd->parsed()) {
      probe.model_params = model_knobs(*probe_cmd, probe.model, model_params);
      std::vector<std::string> tasks;
      if (task_list == "all") {
        for (const tca::TaskInfo& t : tca::task_registry()) tasks.push_back(t.id);
      } else {
        tasks = CLI::detail::split(task_list, ',');
      }
      if (algo_list == "all") {
        probe.algorithms.clear();
        for (const tca::AlgorithmInfo& a :
             probe.model == "lif" ? tca::lif_algorithm_registry() : tca::algorithm_registry())
          probe.algorithms.push_back(a.id);
      } else {
        probe.algorithms = CLI::detail::split(algo_list, ',');
      }
      if (tasks.size() > 1 && (!out_path.empty() || !dump_path.empty()))
        throw std::invalid_argument("--out and --dump take one task; use --out-dir for several");
      if (tasks.size() > 1 && !task_params.empty())
        throw std::invalid_argument("--task-param applies to one task; name a single --task");
      probe.seed = parse_seed(seed_text);
      probe.device = parse_device(device);
      probe.dtype = tca::parse_dtype(precision);
      // Fail now, not after an hour of probing, if the reports cannot be written.
      for (const std::string& path : {out_path, dump_path})
        if (!path.empty()) check_writable_folder(std::filesystem::path(path).parent_path());
      probe.task_params = parse_pairs(task_params, "--task-param");
      probe.algo_params = parse_rule_pairs(algo_params);
      if (!out_dir.empty()) {
        std::filesystem::create_directories(out_dir);
        check_writable_folder(out_dir);
      }
      std::vector<tca::ProbeResult> results;
      for (const std::string& task : tasks) {
        probe.task = task;
        tca::ProbeResult result = tca::run_probe(probe, quiet ? nullptr : &std::cerr);
        const nlohmann::json report = tca::probe_report(result);
        if (!quiet) std::cout << tca::probe_table(result) << std::flush;
        if (!out_path.empty()) tca::write_file_atomically(out_path, report.dump(2) + "\n");
        if (!dump_path.empty()) tca::write_file_atomically(dump_path, tca::probe_dump(result).dump() + "\n");
        if (!out_dir.empty()) {
          for (const std::string& algo : probe.algorithms) {
            const std::string path = out_dir + "/probe-" + task + "-" + algo + ".json";
            tca::write_file_atomically(path, tca::probe_report(result, algo).dump(2) + "\n");
          }
        }
        if (out_path.empty() && out_dir.empty() && quiet) std::cout << report.dump(2) << '\n';
        results.push_back(std::move(result));
      }
      if (!quiet && results.size() * probe.algorithms.size() > 1)
        std::cout << "\nsummary (total over all parameters, last checkpoint; intervals 95%)\n"
                  << tca::probe_summary(results);
    }
  } catch (const std::exception& e) {
    std::cerr << "tcabench: error: " << e.what() << '\n';
    return 2;
  }
  return 0;
}
