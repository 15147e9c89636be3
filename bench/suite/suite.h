// The benchmark suite: a grid of cells (task, rule, hidden size) described by one JSON config
// (suites/*.json). A cell trains the rule on the task over the suite's seeds and its
// learning-rate grid (bench/experiments/train.h) and probes its gradient against exact BPTT
// (bench/experiments/probe.h); its results go to one JSON file, written atomically, so a suite can be
// interrupted and resumed, split into shards for a cluster, and the shards merged.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "bench/experiments/cost.h"
#include "bench/experiments/probe.h"
#include "bench/experiments/train.h"
#include "kernels/tensor.h"

namespace tca {

constexpr int kSuiteCellSchemaVersion = 1;

// One task of the grid. name (default: the id) names its cells and tells two entries of the
// same task with different parameters apart.
struct SuiteTask {
  std::string name;
  std::string id;
  std::map<std::string, std::string> params;
  std::string metric;            // the task metric the leaderboard reports (one of its metrics)
  bool higher_is_better = true;  // "better": "higher" or "lower"
  TrainConfig training;          // the suite's training settings with this task's overrides and criterion
  // The names of the suite's rules that run on this task (empty: all of them).
  std::vector<std::string> rules;
  bool runs(const std::string& rule_name) const;
};

// One learning rule of the grid. name (default: the id) as for tasks.
struct SuiteAlgorithm {
  std::string name;
  std::string id;
  std::map<std::string, std::string> params;
  std::vector<double> learning_rates;  // empty: the task's training grid
  // The network the rule trains: "rate", or "lif" (the spiking network, whose hidden size n of
  // a cell is split into n_lif = n / 2 and n_alif = n - n / 2 neurons) with its other knobs.
  std::string model = "rate";
  std::map<std::string, std::string> model_params;
};

// How each cell probes its rule's gradient (bench/experiments/probe.h), on the first seed's parameters.
struct SuiteProbe {
  int samples = 16;               // noise samples K of a stochastic rule
  int batch = 16;                 // sequences in the probe batch
  int data_batches = 8;           // batches for the data-variance floor (0: skip)
  std::vector<int> checkpoints = {0};
  double train_lr = 1e-3;         // Adam step size of the probe's own exact-gradient run to later checkpoints
  int adapt_windows = ProbeConfig{}.adapt_windows;  // adaptation of rules that learn their own parameters
};

struct SuiteConfig {
  std::string description;
  std::vector<SuiteTask> tasks;
  std::vector<SuiteAlgorithm> algorithms;
  std::vector<int> hidden;
  std::vector<uint64_t> seeds;
  SuiteProbe probe;
};

// Parses a suite config strictly: an unknown key, a wrong type, a missing required key, an
// unknown task, rule, parameter or metric is a std::invalid_argument naming it (`where` is
// the file name, for the message). Builds every task and rule once to check them.
SuiteConfig parse_suite_config(const nlohmann::json& config, const std::string& where = "suite config");
SuiteConfig load_suite_config(const std::string& path);

// One cell of the grid; index is its position in the fixed order: tasks in config order,
// then rules in config order, then hidden sizes in config order.
struct SuiteCell {
  int index = 0;
  const SuiteTask* task = nullptr;
  const SuiteAlgorithm* algorithm = nullptr;
  int hidden = 0;
  std::string file_name() const;  // "<task>.<rule>.n<hidden>.json"
};
std::vector<SuiteCell> suite_cells(const SuiteConfig& config);

// Cells j with j % count == index.
struct Shard {
  int index = 0, count = 1;
  bool contains(int cell) const { return cell % count == index; }
};
// "i/N" with 0 <= i < N; throws std::invalid_argument otherwise.
Shard parse_shard(const std::string& text);

TrainConfig cell_train_config(const SuiteCell& cell, const SuiteConfig& config, Device device);
ProbeConfig cell_probe_config(const SuiteCell& cell, const SuiteConfig& config, Device device);
// Everything that determines a cell's results (its hash decides whether a written cell is reused).
nlohmann::json cell_config_json(const SuiteCell& cell, const SuiteConfig& config, Device device);

// Trains (jobs runs side by side) and probes one cell; returns its JSON document. references
// (may be null): the probe references computed so far, shared by the cells of one (task, n)
// (ProbeReferences).
nlohmann::json run_cell(const SuiteCell& cell, const SuiteConfig& config, Device device, int jobs = 1,
                        std::ostream* progress = nullptr, ProbeReferences* references = nullptr);

struct SuiteOptions {
  std::string out_dir = "out/suite";  // cells go to out_dir/cells/
  Shard shard;
  Device device = Device::cpu;
  bool force = false;        // recompute a written cell whose config hash differs (else: error)
  bool list_only = false;    // print the cells of this shard and their state; run nothing
  bool quiet = false;        // no training or probe progress inside a cell
  int jobs = 1;              // training runs of a cell computed at a time (CPU; same results)
  double max_hours = 0;      // > 0: refuse when the cells to run are estimated to take longer
  bool go_on = false;        // run whatever the estimate
};
struct SuiteSummary {
  int ran = 0, skipped = 0, other_shards = 0;
};
// The estimated cost of one cell: its training runs (options.jobs side by side) and its probe.
CostEstimate estimate_cell(const SuiteCell& cell, const SuiteConfig& config, const SuiteOptions& options,
                           CostCalibration& calibration);

// Runs the cells of the shard that are not written yet. progress (may be null) gets a line per
// cell. Throws std::invalid_argument on a written cell of another config unless force.
SuiteSummary run_suite(const SuiteConfig& config, const SuiteOptions& options, std::ostream* progress);

// The cell files (*.json) of a suite folder: dir/cells/ when it exists, else dir itself.
std::string cells_folder(const std::string& dir);
// The suite folder of such a folder: dir when it holds a cells/ folder, else the folder that
// holds dir (dir is then the cells/ folder itself). Where a leaderboard goes by default.
std::filesystem::path suite_folder(const std::string& dir);

// Copies the cell files of several suite folders into out_dir/cells/. A cell present in
// several folders (or already in out_dir) must be byte-identical everywhere; any conflict is
// a std::invalid_argument naming the files, and then nothing is copied.
struct MergeSummary {
  int copied = 0, identical_duplicates = 0;
};
MergeSummary merge_cells(const std::vector<std::string>& dirs, const std::string& out_dir);

}  // namespace tca
