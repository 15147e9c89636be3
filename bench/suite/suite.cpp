#include "bench/suite/suite.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <fstream>
#include <limits>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>

#include "algorithms/learner.h"
#include "algorithms/registry.h"
#include "bench/report/probe_report.h"
#include "bench/report/interrupt.h"
#include "bench/report/json_io.h"
#include "bench/report/report.h"
#include "bench/report/train_report.h"
#include "models/registry.h"
#include "tasks/task.h"

namespace tca {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

[[noreturn]] void fail(const std::string& message) { throw std::invalid_argument(message); }

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

std::string format_g4(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.4g", value);
  return text;
}

std::string number_text(double value) {
  std::ostringstream s;
  s.precision(17);
  s << value;
  return s.str();
}

// One JSON object of the config, read strictly: a key it does not document is an error, every
// value is type- and range-checked, and messages name the value by its path in the file.
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string path, std::vector<std::string> keys)
      : object_(object), path_(std::move(path)), keys_(std::move(keys)) {
    if (!object_.is_object()) fail(path_ + " must be a JSON object");
    for (const auto& item : object_.items())
      if (std::find(keys_.begin(), keys_.end(), item.key()) == keys_.end())
        fail(path_ + ": unknown key '" + item.key() + "' (valid keys: " + joined(keys_) + ")");
  }

  bool has(const std::string& key) const { return object_.contains(key); }
  std::string path(const std::string& key) const { return path_ + "." + key; }
  const json& at(const std::string& key) const {
    if (!has(key)) fail(path_ + ": missing required key '" + key + "'");
    return object_.at(key);
  }

  std::string text(const std::string& key) const {
    const json& v = at(key);
    if (!v.is_string()) fail(path(key) + " must be a string, got " + json_excerpt(v));
    return v.get<std::string>();
  }
  std::string text(const std::string& key, const std::string& fallback) const { return has(key) ? text(key) : fallback; }

  std::string word(const std::string& key, const std::vector<std::string>& valid, const std::string& fallback) const {
    const std::string w = text(key, fallback);
    if (std::find(valid.begin(), valid.end(), w) == valid.end())
      fail(path(key) + " must be one of " + joined(valid) + ", got '" + w + "'");
    return w;
  }

  long long integer(const std::string& key, long long lo, long long hi, long long fallback) const {
    return has(key) ? integer_value(at(key), path(key), lo, hi) : fallback;
  }

  double real(const std::string& key, double lo, double hi, double fallback, bool exclusive_lo = false) const {
    return has(key) ? real_value(at(key), path(key), lo, hi, exclusive_lo) : fallback;
  }

  const json& array(const std::string& key) const {
    const json& v = at(key);
    if (!v.is_array() || v.empty()) fail(path(key) + " must be a non-empty array, got " + json_excerpt(v));
    return v;
  }

  // {"name": "value" or number}: registry parameters, given as text or as JSON numbers.
  std::map<std::string, std::string> params(const std::string& key) const {
    std::map<std::string, std::string> out;
    if (!has(key)) return out;
    const json& v = at(key);
    if (!v.is_object()) fail(path(key) + " must be an object of name: value, got " + json_excerpt(v));
    for (const auto& item : v.items()) {
      if (item.value().is_string()) out[item.key()] = item.value().get<std::string>();
      else if (item.value().is_number()) out[item.key()] = item.value().dump();
      else fail(path(key) + "." + item.key() + " must be a string or a number, got " + json_excerpt(item.value()));
    }
    return out;
  }

  static long long integer_value(const json& v, const std::string& where, long long lo, long long hi) {
    if (!v.is_number_integer()) fail(where + " must be an integer, got " + json_excerpt(v));
    if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(hi))
      fail(where + " must lie in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + json_excerpt(v));
    const long long x = v.get<long long>();
    if (x < lo || x > hi)
      fail(where + " must lie in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " + json_excerpt(v));
    return x;
  }

  static double real_value(const json& v, const std::string& where, double lo, double hi, bool exclusive_lo) {
    if (!v.is_number()) fail(where + " must be a number, got " + json_excerpt(v));
    const double x = v.get<double>();
    if (!(x >= lo && x <= hi) || (exclusive_lo && x == lo))
      fail(where + " must lie in " + (exclusive_lo ? "(" : "[") + number_text(lo) + ", " + number_text(hi) +
           "], got " + json_excerpt(v));
    return x;
  }

 private:
  const json& object_;
  std::string path_;
  std::vector<std::string> keys_;
};

const std::vector<std::string> kTrainingKeys = {"iterations", "batch",      "optimizer",      "update",
                                                "clip",       "eval_every", "eval_batch",     "learning_rates",
                                                "alpha",      "gain",       "precision",      "regime",
                                                "align_every", "align_batch", "confirm_batch", "stop_at_criterion",
                                                "curvature_batch"};

std::vector<double> learning_rates(const json& v, const std::string& where) {
  if (!v.is_array() || v.empty()) fail(where + " must be a non-empty array of numbers, got " + json_excerpt(v));
  std::vector<double> out;
  for (size_t i = 0; i < v.size(); ++i)
    out.push_back(ObjectReader::real_value(v[i], where + "[" + std::to_string(i) + "]", 0, 1e3, true));
  if (std::set<double>(out.begin(), out.end()).size() != out.size()) fail(where + " must not repeat a rate");
  return out;
}

// The training settings of `object` laid over `base` (the suite's settings for a task's overrides).
TrainConfig read_training(const json& object, const std::string& path, TrainConfig base) {
  const ObjectReader r(object, path, kTrainingKeys);
  TrainConfig t = base;
  if (r.has("regime")) {  // online: the literature's online setting, for what this object does not set
    if (r.word("regime", {"batched", "online"}, "batched") == "online") set_online_regime(t);
    else t.regime = Regime::batched;
  }
  t.iterations = static_cast<int>(r.integer("iterations", 1, 10000000, t.iterations));
  t.batch = static_cast<int>(r.integer("batch", 1, 65536, t.batch));
  t.optimizer = r.word("optimizer", {"adam", "sgd"}, t.optimizer == Optimizer::adam ? "adam" : "sgd") == "adam"
                    ? Optimizer::adam
                    : Optimizer::sgd;
  t.update = r.word("update", {"window", "step"}, t.update == UpdateSchedule::window ? "window" : "step") == "window"
                 ? UpdateSchedule::window
                 : UpdateSchedule::step;
  t.clip = r.real("clip", 0, 1e300, t.clip);
  t.eval_every = static_cast<int>(r.integer("eval_every", 1, 10000000, t.eval_every));
  t.eval_batch = static_cast<int>(r.integer("eval_batch", 1, 65536, t.eval_batch));
  if (r.has("learning_rates")) t.learning_rates = learning_rates(r.at("learning_rates"), r.path("learning_rates"));
  t.alpha = r.real("alpha", 0, 1, t.alpha, true);
  t.gain = r.real("gain", 0, 100, t.gain);
  t.dtype = parse_dtype(r.word("precision", {"float", "double"}, t.dtype == DType::f64 ? "double" : "float"));
  t.align_every = static_cast<int>(r.integer("align_every", 0, 10000000, t.align_every));
  t.align_batch = static_cast<int>(r.integer("align_batch", 0, 65536, t.align_batch));
  t.confirm_batch = static_cast<int>(r.integer("confirm_batch", 0, 65536, t.confirm_batch));
  t.curvature_batch = static_cast<int>(r.integer("curvature_batch", 0, 65536, t.curvature_batch));
  if (r.has("stop_at_criterion")) {
    if (!r.at("stop_at_criterion").is_boolean())
      fail(r.path("stop_at_criterion") + " must be true or false, got " + json_excerpt(r.at("stop_at_criterion")));
    t.stop_at_criterion = r.at("stop_at_criterion").get<bool>();
  }
  if (t.regime == Regime::online && t.update != UpdateSchedule::step)
    fail(r.path("update") + ": the online regime updates after every step; \"window\" contradicts \"regime\": \"online\"");
  return t;
}

// Names become parts of file names: letters, digits, '_' and '-' only.
void check_name(const std::string& name, const std::string& where) {
  const bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-';
  });
  if (!ok) fail(where + " must be a non-empty name of letters, digits, '_' and '-', got '" + name + "'");
}

// The metric names a task reports (scored on a zero output: only the names matter here).
std::vector<std::string> metric_names(const Task& task) {
  const Batch b = task.sample(1, 1);
  std::vector<std::string> names;
  for (const auto& [name, value] : task.metrics(b, std::vector<double>(static_cast<size_t>(b.T) * b.o, 0.0)))
    names.push_back(name);
  return names;
}

// A cell file's document; a file that is not one is an error naming it.
json read_cell(const fs::path& path, const std::string& text) {
  json doc;
  try {
    doc = parse_json_text(text, path.string());
  } catch (const std::invalid_argument& e) {
    fail(std::string(e.what()) + ": not a suite cell file");
  }
  if (!doc.is_object() || !doc.contains("kind") || doc["kind"] != "suite_cell" || !doc.contains("config_hash") ||
      !doc["config_hash"].is_string())
    fail(path.string() + " is not a suite cell file (it needs \"kind\": \"suite_cell\" and a string \"config_hash\")");
  return doc;
}

// Resets the kernel's record of this process's peak resident memory (Linux >= 4.0), so that
// each cell of a suite reports its own peak rather than the largest of all before it.
bool reset_peak_memory() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.close();
  return static_cast<bool>(out);
}

std::string device_name(Device device) {
  if (device == Device::cuda) return cuda_device_name();
  return machine_info().value("cpu", "unknown");
}

std::string cell_label(const SuiteCell& cell) {
  return cell.task->name + " " + cell.algorithm->name + " n=" + std::to_string(cell.hidden);
}

// The suite's hidden sizes: integers in [1, 4096], none repeated.
std::vector<int> read_hidden(const ObjectReader& top) {
  std::vector<int> out;
  const json& hidden = top.array("hidden");
  for (size_t i = 0; i < hidden.size(); ++i)
    out.push_back(static_cast<int>(
        ObjectReader::integer_value(hidden[i], top.path("hidden") + "[" + std::to_string(i) + "]", 1, 4096)));
  if (std::set<int>(out.begin(), out.end()).size() != out.size())
    fail(top.path("hidden") + " must not repeat a size");
  return out;
}

// The suite's seeds: integers in [0, 2^64 - 1], none repeated.
std::vector<uint64_t> read_seeds(const ObjectReader& top) {
  std::vector<uint64_t> out;
  const json& seeds = top.array("seeds");
  for (size_t i = 0; i < seeds.size(); ++i) {
    const json& v = seeds[i];
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<long long>() >= 0))
      fail(top.path("seeds") + "[" + std::to_string(i) + "] must be an integer in [0, 2^64 - 1], got " + json_excerpt(v));
    out.push_back(v.get<uint64_t>());
  }
  if (std::set<uint64_t>(out.begin(), out.end()).size() != out.size())
    fail(top.path("seeds") + " must not repeat a seed");
  return out;
}

// One entry of "tasks": the task is built, and its metric and criterion checked against its metrics.
SuiteTask read_task(const json& entry, const std::string& path, const TrainConfig& training) {
  const ObjectReader r(entry, path, {"id", "name", "params", "metric", "better", "criterion", "training", "rules"});
  SuiteTask t;
  t.id = r.text("id");
  t.name = r.text("name", t.id);
  check_name(t.name, r.path("name"));
  t.params = r.params("params");
  std::unique_ptr<Task> task;
  try {
    task = make_task(t.id, t.params);
  } catch (const std::invalid_argument& e) {
    fail(path + ": " + e.what());
  }
  const std::vector<std::string> metrics = metric_names(*task);
  t.metric = r.text("metric");
  if (std::find(metrics.begin(), metrics.end(), t.metric) == metrics.end())
    fail(r.path("metric") + ": " + t.id + " has no metric '" + t.metric + "' (it has: " + joined(metrics) + ")");
  r.at("better");  // required: the leaderboard ranks by it
  t.higher_is_better = r.word("better", {"higher", "lower"}, "") == "higher";
  t.training = r.has("training") ? read_training(r.at("training"), r.path("training"), training) : training;
  if (r.has("rules")) {  // names checked against the rules once they are read
    const json& rules = r.array("rules");
    for (size_t i = 0; i < rules.size(); ++i) {
      const std::string where = r.path("rules") + "[" + std::to_string(i) + "]";
      if (!rules[i].is_string()) fail(where + " must be a rule's name (a string)");
      const std::string name = rules[i].get<std::string>();
      if (std::find(t.rules.begin(), t.rules.end(), name) != t.rules.end()) fail(where + ": '" + name + "' named twice");
      t.rules.push_back(name);
    }
  }
  try {
    t.training.criterion = parse_criterion(r.text("criterion", ""));
  } catch (const std::invalid_argument& e) {
    fail(r.path("criterion") + ": " + e.what());
  }
  if (t.training.criterion.defined() &&
      std::find(metrics.begin(), metrics.end(), t.training.criterion.metric) == metrics.end())
    fail(r.path("criterion") + ": " + t.id + " has no metric '" + t.training.criterion.metric + "' (it has: " +
         joined(metrics) + ")");
  if (!t.training.criterion.defined() && (t.training.stop_at_criterion || t.training.confirm_batch > 0))
    fail(path + ": training.stop_at_criterion and training.confirm_batch need the task's criterion");
  return t;
}

// The entries of the array `key` in config order, each read by read_one(entry, path); their
// names must differ (`what` names an entry in the error: "task", "rule").
template <typename Read>
auto read_named_entries(const ObjectReader& top, const char* key, const char* what, Read read_one) {
  std::vector<decltype(read_one(json(), std::string()))> out;
  const json& entries = top.array(key);
  for (size_t i = 0; i < entries.size(); ++i) {
    const std::string path = top.path(key) + "[" + std::to_string(i) + "]";
    auto entry = read_one(entries[i], path);
    for (const auto& other : out)
      if (other.name == entry.name)
        fail(path + ": a second " + what + " named '" + entry.name + "' (give it another \"name\")");
    out.push_back(std::move(entry));
  }
  return out;
}

// The suite's tasks in config order (`training`: the suite's training settings); names must differ.
std::vector<SuiteTask> read_tasks(const ObjectReader& top, const TrainConfig& training) {
  return read_named_entries(top, "tasks", "task",
                            [&](const json& entry, const std::string& path) { return read_task(entry, path, training); });
}

// Builds the rule on the network at each of the suite's hidden sizes (with a tiny task shape),
// which checks its id, its parameters and the network's knobs at every size the suite runs;
// returns whether it updates online.
bool rule_updates_online(const SuiteAlgorithm& a, const std::string& path, const std::vector<int>& hidden) {
  bool online = false;
  for (const int n : hidden) {
    try {
      std::map<std::string, std::string> knobs = a.model_params;
      for (const auto& [knob, value] : sized_knobs(a.model, n)) knobs[knob] = value;
      const auto net = make_network(a.model, knobs, TaskShape{}, DType::f64, Device::cpu);
      online = make_rule(*net, a.id, a.params)->supports_online_updates();
    } catch (const std::invalid_argument& e) {
      fail(path + " at hidden size " + std::to_string(n) + ": " + e.what());
    }
  }
  return online;
}

// One entry of "algorithms": the rule and its network, checked by building them and against the tasks' updates.
SuiteAlgorithm read_algorithm(const json& entry, const std::string& path, const std::vector<SuiteTask>& tasks,
                              const std::vector<int>& hidden) {
  const ObjectReader r(entry, path, {"id", "name", "params", "learning_rates", "model", "model_params"});
  SuiteAlgorithm a;
  a.id = r.text("id");
  a.name = r.text("name", a.id);
  check_name(a.name, r.path("name"));
  a.params = r.params("params");
  if (r.has("learning_rates")) a.learning_rates = learning_rates(r.at("learning_rates"), r.path("learning_rates"));
  a.model = r.text("model", a.model);
  if (!find_network(a.model)) fail(r.path("model") + " must be \"rate\" or \"lif\", got '" + a.model + "'");
  a.model_params = r.params("model_params");
  for (const char* knob : {"hidden", "alpha", "gain"})
    if (a.model == "rate" && a.model_params.count(knob))
      fail(r.path("model_params") + ": the rate network's " + knob + " comes from the suite (\"hidden\", and the "
           "training object's \"alpha\" and \"gain\")");
  if (a.model_params.count("n_lif") || a.model_params.count("n_alif"))
    fail(r.path("model_params") + ": n_lif and n_alif come from the suite's hidden sizes (n / 2 and n - n / 2)");
  const bool online = rule_updates_online(a, path, hidden);
  for (const SuiteTask& t : tasks)
    if (t.runs(a.name) && t.training.update == UpdateSchedule::step && !online)
      fail(path + ": " + a.id + " cannot update after every step (training.update \"step\" for task " + t.name +
           "); use \"window\"");
  return a;
}

// The suite's rules in config order; names must differ.
std::vector<SuiteAlgorithm> read_algorithms(const ObjectReader& top, const std::vector<SuiteTask>& tasks,
                                            const std::vector<int>& hidden) {
  return read_named_entries(top, "algorithms", "rule", [&](const json& entry, const std::string& path) {
    return read_algorithm(entry, path, tasks, hidden);
  });
}

// The "probe" settings laid over the defaults.
SuiteProbe read_probe(const json& object, const std::string& path) {
  const ObjectReader r(object, path, {"samples", "batch", "data_batches", "checkpoints", "train_lr", "adapt_windows"});
  SuiteProbe p;
  p.samples = static_cast<int>(r.integer("samples", 1, 1000000, p.samples));
  p.batch = static_cast<int>(r.integer("batch", 1, 65536, p.batch));
  p.data_batches = static_cast<int>(r.integer("data_batches", 0, 100000, p.data_batches));
  if (p.data_batches == 1) fail(r.path("data_batches") + " must be 0 (skip) or at least 2");
  p.adapt_windows = static_cast<int>(r.integer("adapt_windows", 0, 1000000, p.adapt_windows));
  if (r.has("checkpoints")) {
    const json& c = r.array("checkpoints");
    p.checkpoints.clear();
    for (size_t i = 0; i < c.size(); ++i) {
      p.checkpoints.push_back(static_cast<int>(
          ObjectReader::integer_value(c[i], r.path("checkpoints") + "[" + std::to_string(i) + "]", 0, 10000000)));
      if (i > 0 && p.checkpoints[i] <= p.checkpoints[i - 1]) fail(r.path("checkpoints") + " must be increasing");
    }
  }
  p.train_lr = r.real("train_lr", 0, 1, p.train_lr, true);
  return p;
}

// A cell's state in the output folder: not written yet, written by this config, or by another one.
enum class CellState { pending, done, stale };

// What a written cell took to compute.
double written_seconds(const fs::path& path) {
  const json doc = read_cell(path, read_text_file(path.string()));
  const json& seconds = doc.value("wall_seconds", json());
  return seconds.is_number() ? seconds.get<double>() : std::nan("");
}

// The folder the cells go to, created and checked writable unless the suite only lists its cells.
fs::path output_cells_folder(const SuiteOptions& options) {
  const fs::path folder = fs::path(options.out_dir) / "cells";
  if (!options.list_only) {
    std::error_code ec;
    fs::create_directories(folder, ec);
    if (!fs::is_directory(folder) || access(folder.c_str(), W_OK) != 0)
      fail("cannot write into '" + folder.string() + "'");
  }
  return folder;
}

// The state of this shard's cells from the files in `folder`; a file of another config, or one that is
// not a cell file, stops the suite unless it is forced or only lists its cells.
std::vector<CellState> cell_states(const std::vector<SuiteCell>& cells, const SuiteConfig& config,
                                   const SuiteOptions& options, const fs::path& folder) {
  std::vector<CellState> state(cells.size(), CellState::pending);
  std::vector<std::string> stale;
  for (const SuiteCell& cell : cells) {
    if (!options.shard.contains(cell.index)) continue;
    const fs::path path = folder / cell.file_name();
    if (!fs::exists(path)) continue;
    const std::string want = config_hash(cell_config_json(cell, config, options.device));
    json doc;
    try {
      doc = read_cell(path, read_text_file(path.string()));
    } catch (const std::invalid_argument& e) {
      if (!options.force && !options.list_only)
        fail(std::string(e.what()) + "; delete it, or pass --force to overwrite it");
      state[cell.index] = CellState::stale;
      continue;
    }
    if (doc["config_hash"] == want) {
      state[cell.index] = CellState::done;
    } else {
      state[cell.index] = CellState::stale;
      stale.push_back(path.string() + " (config hash " + doc["config_hash"].get<std::string>() + ", this config " +
                      want + ")");
    }
  }
  if (!stale.empty() && !options.force && !options.list_only)
    fail(std::to_string(stale.size()) + " cell file(s) were written by another config, e.g. " + stale.front() +
         "; use another --out-dir, delete them, or pass --force to recompute them");
  return state;
}

// Stops the suite when the rule of a cell this shard will run needs more state than fits in memory.
void require_cells_fit(const std::vector<SuiteCell>& cells, const SuiteConfig& config, const SuiteOptions& options,
                       const std::vector<CellState>& state) {
  for (const SuiteCell& cell : cells) {
    if (!options.shard.contains(cell.index) || state[cell.index] == CellState::done || options.list_only) continue;
    const TrainConfig t = cell_train_config(cell, config, options.device);
    const std::unique_ptr<Task> task = make_task(t.task, t.task_params);
    const auto net = make_network(t.model, rate_or_model_knobs(t.model, t.hidden, t.alpha, t.gain, t.model_params),
                                  {task->input_size(), task->output_size(), task->loss()}, t.dtype, t.device);
    const std::unique_ptr<Rule> rule = make_rule(*net, t.algorithm, t.algo_params);
    const size_t need = std::max(rule->state_bytes_for(t.batch, task->steps()),
                                 rule->state_bytes_for(config.probe.batch, task->steps()));
    require_state_fits("cell " + cell_label(cell) + "'s rule", need, t.device, "lower its hidden size or batch");
  }
}

// The progress line of a finished cell: its time, best rate, test metric, and its gradient's bias and cosine.
std::string cell_done_line(const SuiteCell& cell, const json& doc) {
  const json& s = doc["train"]["summary"];
  const json& metric = s["test_metrics"].value(cell.task->metric, json());
  // The recurrent parameters' debiased bias (the plug-in one is inflated by the noise) and cosine.
  const json& w = doc["probe"]["checkpoints"][0]["algorithms"][0]["recurrent"];
  const json& bias = reported_bias(w);
  const auto text = [](const json& v, const char* format) {
    if (!v.is_number()) return std::string("n/a");
    char buf[32];
    std::snprintf(buf, sizeof(buf), format, v.get<double>());
    return std::string(buf);
  };
  char line[320];
  std::snprintf(line, sizeof(line), "done in %.1f s: best lr %g, test %s %s (median), W: bias %s, cos %s",
                doc["wall_seconds"].get<double>(), s["learning_rate"].get<double>(), cell.task->metric.c_str(),
                metric.is_object() && metric["median"].is_number() ? format_g4(metric["median"]).c_str()
                                                                  : "n/a (every run diverged)",
                text(bias, "%.3g").c_str(), text(w["cosine_of_mean"], "%.4f").c_str());
  return line;
}

}  // namespace

SuiteConfig parse_suite_config(const json& config, const std::string& where) {
  const ObjectReader top(config, where, {"description", "tasks", "algorithms", "hidden", "seeds", "training", "probe"});
  SuiteConfig s;
  s.description = top.text("description", "");

  TrainConfig training;
  if (top.has("training")) training = read_training(top.at("training"), top.path("training"), training);

  s.hidden = read_hidden(top);
  s.seeds = read_seeds(top);
  s.tasks = read_tasks(top, training);
  s.algorithms = read_algorithms(top, s.tasks, s.hidden);
  for (size_t i = 0; i < s.tasks.size(); ++i)
    for (const std::string& name : s.tasks[i].rules)
      if (std::none_of(s.algorithms.begin(), s.algorithms.end(), [&](const SuiteAlgorithm& a) { return a.name == name; }))
        fail(top.path("tasks") + "[" + std::to_string(i) + "].rules: no rule named '" + name +
             "' in \"algorithms\" (a rule's name is its \"name\", or its id when it has none)");
  if (top.has("probe")) s.probe = read_probe(top.at("probe"), top.path("probe"));

  // The remaining cross-field checks of a training run (none should fire after the above).
  for (const SuiteCell& cell : suite_cells(s)) cell_train_config(cell, s, Device::cpu).validate();
  return s;
}

SuiteConfig load_suite_config(const std::string& path) { return parse_suite_config(read_json_file(path), path); }

std::string SuiteCell::file_name() const {
  return task->name + "." + algorithm->name + ".n" + std::to_string(hidden) + ".json";
}

bool SuiteTask::runs(const std::string& rule_name) const {
  return rules.empty() || std::find(rules.begin(), rules.end(), rule_name) != rules.end();
}

std::vector<SuiteCell> suite_cells(const SuiteConfig& config) {
  std::vector<SuiteCell> cells;
  for (const SuiteTask& t : config.tasks)
    for (const SuiteAlgorithm& a : config.algorithms) {
      if (!t.runs(a.name)) continue;
      for (const int n : config.hidden) {
        SuiteCell c;
        c.index = static_cast<int>(cells.size());
        c.task = &t;
        c.algorithm = &a;
        c.hidden = n;
        cells.push_back(c);
      }
    }
  return cells;
}

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  Shard s;
  try {
    size_t used_i = 0, used_n = 0;
    if (slash == std::string::npos || slash == 0) throw std::invalid_argument("");
    const std::string i = text.substr(0, slash), n = text.substr(slash + 1);
    if (!std::isdigit(static_cast<unsigned char>(i[0])) || n.empty() || !std::isdigit(static_cast<unsigned char>(n[0])))
      throw std::invalid_argument("");
    s.index = std::stoi(i, &used_i);
    s.count = std::stoi(n, &used_n);
    if (used_i != i.size() || used_n != n.size() || s.count < 1 || s.index >= s.count) throw std::invalid_argument("");
  } catch (const std::exception&) {
    fail("--shard expects i/N with 0 <= i < N (e.g. 3/16), got '" + text + "'");
  }
  return s;
}

TrainConfig cell_train_config(const SuiteCell& cell, const SuiteConfig& config, Device device) {
  TrainConfig t = cell.task->training;
  t.task = cell.task->id;
  t.task_params = cell.task->params;
  t.algorithm = cell.algorithm->id;
  t.algo_params = cell.algorithm->params;
  t.hidden = cell.hidden;
  t.model = cell.algorithm->model;
  t.model_params = cell.algorithm->model_params;
  if (t.model != "rate")  // the rate network's size is its --hidden
    for (const auto& [knob, value] : sized_knobs(t.model, cell.hidden)) t.model_params[knob] = value;
  t.seeds = config.seeds;
  if (!cell.algorithm->learning_rates.empty()) t.learning_rates = cell.algorithm->learning_rates;
  t.device = device;
  return t;
}

ProbeConfig cell_probe_config(const SuiteCell& cell, const SuiteConfig& config, Device device) {
  const TrainConfig t = cell_train_config(cell, config, device);
  ProbeConfig p;
  p.task = t.task;
  p.task_params = t.task_params;
  p.algorithms = {t.algorithm};
  if (!t.algo_params.empty()) p.algo_params[t.algorithm] = t.algo_params;
  p.hidden = t.hidden;
  p.model = t.model;
  p.model_params = t.model_params;
  p.batch = config.probe.batch;
  p.seed = config.seeds.front();  // the initial parameters of the first seed's training runs
  p.samples = config.probe.samples;
  p.alpha = t.alpha;
  p.gain = t.gain;
  p.dtype = t.dtype;
  p.device = device;
  p.checkpoints = config.probe.checkpoints;
  p.train_lr = config.probe.train_lr;
  p.data_batches = config.probe.data_batches;
  p.adapt_windows = config.probe.adapt_windows;
  return p;
}

// A rule entry of a cell's config, with its network when that is the spiking one.
json algorithm_json(const SuiteAlgorithm& a) {
  json j = {{"name", a.name}, {"id", a.id}, {"params", a.params}};
  if (a.model != "rate") {
    j["model"] = a.model;
    j["model_params"] = a.model_params;
  }
  return j;
}

json cell_config_json(const SuiteCell& cell, const SuiteConfig& config, Device device) {
  return {{"cell_schema_version", kSuiteCellSchemaVersion},
          {"task", {{"name", cell.task->name},
                    {"id", cell.task->id},
                    {"params", cell.task->params},
                    {"metric", cell.task->metric},
                    {"better", cell.task->higher_is_better ? "higher" : "lower"}}},
          {"algorithm", algorithm_json(*cell.algorithm)},
          {"hidden", cell.hidden},
          {"train", cell_train_config(cell, config, device).to_json()},
          {"probe", cell_probe_config(cell, config, device).to_json()}};
}

json run_cell(const SuiteCell& cell, const SuiteConfig& config, Device device, int jobs, std::ostream* progress,
              ProbeReferences* references) {
  const bool peak_reset = reset_peak_memory();
  const auto start = std::chrono::steady_clock::now();
  const TrainResult trained = run_training(cell_train_config(cell, config, device), progress, jobs);
  const ProbeResult probed = run_probe(cell_probe_config(cell, config, device), progress, references);
  const TrainConfig& t = trained.config;

  json doc;
  doc["schema_version"] = kSuiteCellSchemaVersion;
  doc["kind"] = "suite_cell";
  doc["cell"] = {{"index", cell.index},
                 {"file", cell.file_name()},
                 {"task", cell.task->name},
                 {"task_id", cell.task->id},
                 {"rule", cell.algorithm->name},
                 {"algorithm", cell.algorithm->id},
                 {"hidden", cell.hidden},
                 {"metric", cell.task->metric},
                 {"better", cell.task->higher_is_better ? "higher" : "lower"}};
  doc["config"] = cell_config_json(cell, config, device);
  doc["config_hash"] = config_hash(doc["config"]);
  doc["git_commit"] = git_commit();
  doc["backend"] = {{"device", to_string(t.device)}, {"precision", to_string(t.dtype)}, {"parallel_runs", trained.parallel_runs}};
  doc["device_name"] = device_name(t.device);
  doc["machine"] = machine_info();
  doc["peak_rss_per_cell"] = peak_reset;
  doc["wall_seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  doc["train"] = train_report(trained);
  doc["probe"] = probe_report(probed, cell.algorithm->id);
  return doc;
}

fs::path suite_folder(const std::string& dir) {
  fs::path folder = fs::path(dir).lexically_normal();
  if (!folder.has_filename()) folder = folder.parent_path();  // "out/suite/cells/"
  if (fs::is_directory(folder / "cells")) return folder;
  const fs::path parent = folder.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

std::string cells_folder(const std::string& dir) {
  const fs::path nested = fs::path(dir) / "cells";
  return fs::is_directory(nested) ? nested.string() : dir;
}

// with_reference false: an earlier cell of this run computes the probe's reference.
CostEstimate estimate_cell(const SuiteCell& cell, const SuiteConfig& config, const SuiteOptions& options,
                           CostCalibration& calibration, bool with_reference) {
  CostEstimate cost = estimate_training(cell_train_config(cell, config, options.device), options.jobs, calibration);
  cost += estimate_probe(cell_probe_config(cell, config, options.device), calibration, with_reference);
  return cost;
}

SuiteSummary run_suite(const SuiteConfig& config, const SuiteOptions& options, std::ostream* progress) {
  const std::vector<SuiteCell> cells = suite_cells(config);
  const fs::path folder = output_cells_folder(options);
  if (!options.list_only) {  // what a kill -9 during a write left
    const int removed = remove_stale_temporaries(folder.string());
    if (removed > 0 && progress)
      *progress << "suite: removed " << removed << " temporary file(s) of interrupted writes in " << folder.string()
                << '\n';
  }

  // Classify this shard's cells before running any: a written cell of another config, or a
  // rule that cannot fit, stops the suite now rather than hours into it.
  const std::vector<CellState> state = cell_states(cells, config, options, folder);
  require_cells_fit(cells, config, options, state);

  // The cost of this shard's cells (all of them when listing, to set beside what the written ones
  // took), before any runs; a suite runs its cells one after another.
  CostCalibration calibration;
  std::map<int, CostEstimate> estimates;
  std::map<int, std::string> no_estimate;  // listing: why a cell has none (it would not fit)
  CostEstimate to_run;
  int pending = 0;
  // The cells to run of each probe reference key: the first computes it, the others share it
  // (ProbeReferences), which is dropped after the last of them.
  std::map<std::string, int> cells_of_reference;
  std::map<int, std::string> reference_key;  // of each cell estimated
  for (const SuiteCell& cell : cells) {
    if (!options.shard.contains(cell.index) || (state[cell.index] == CellState::done && !options.list_only)) continue;
    try {
      const std::string& key = reference_key[cell.index] =
          probe_reference_key(cell_probe_config(cell, config, options.device));
      const bool first_of_key = state[cell.index] == CellState::done || cells_of_reference.count(key) == 0;
      estimates[cell.index] = estimate_cell(cell, config, options, calibration, first_of_key);
      if (state[cell.index] != CellState::done) ++cells_of_reference[key];
    } catch (const std::invalid_argument& e) {
      if (!options.list_only) throw;
      no_estimate[cell.index] = e.what();
      continue;
    }
    if (state[cell.index] == CellState::done) continue;
    to_run += estimates[cell.index];
    ++pending;
  }
  if (progress)
    *progress << "suite: " << pending << " cells to run, estimated " << describe(to_run) << " with --jobs "
              << options.jobs << " (calibrated on this machine in " << describe_seconds(calibration.seconds_spent())
              << ")\n" << std::flush;
  if (options.max_hours < 0) fail("--max-hours: must be positive (or 0: no limit), got " + std::to_string(options.max_hours));
  if (options.max_hours > 0 && !options.go_on && !options.list_only && to_run.seconds > options.max_hours * 3600)
    fail("suite: the " + std::to_string(pending) + " cells to run are estimated at " + describe_seconds(to_run.seconds) +
         ", more than --max-hours " + describe_seconds(options.max_hours * 3600) +
         "; raise --max-hours, run a --shard, or pass --go-on");

  SuiteSummary summary;
  const int total = static_cast<int>(cells.size());
  ProbeReferences probe_references;  // one per (task, n) and probe settings, shared by its rules' cells
  for (const SuiteCell& cell : cells) {
    char head[64];
    std::snprintf(head, sizeof(head), "suite [%d/%d] ", cell.index + 1, total);
    if (!options.shard.contains(cell.index)) {
      ++summary.other_shards;
      continue;
    }
    if (options.list_only) {
      static const char* names[] = {"pending", "done", "stale"};
      if (!progress) continue;
      *progress << head << cell.file_name() << ": " << names[static_cast<int>(state[cell.index])];
      if (no_estimate.count(cell.index)) *progress << ", no estimate (" << no_estimate[cell.index] << ")";
      else *progress << ", estimated " << describe_seconds(estimates[cell.index].seconds);
      if (state[cell.index] == CellState::done) *progress << ", took " << describe_seconds(written_seconds(folder / cell.file_name()));
      *progress << '\n';
      continue;
    }
    if (state[cell.index] == CellState::done) {
      ++summary.skipped;
      if (progress) *progress << head << cell_label(cell) << ": already written, skipped\n" << std::flush;
      continue;
    }
    if (progress)
      *progress << head << cell_label(cell) << ": running (estimated " << describe_seconds(estimates[cell.index].seconds)
                << ")\n" << std::flush;
    set_interrupt_message("cell " + cell_label(cell) + " (" + cell.file_name() + ") is abandoned; the " +
                          std::to_string(summary.ran + summary.skipped) + " cells written before it are kept in " +
                          folder.string() + "; the same command continues from there");
    const json doc = run_cell(cell, config, options.device, options.jobs, options.quiet ? nullptr : progress,
                              &probe_references);
    const std::string& key = reference_key.at(cell.index);
    if (--cells_of_reference[key] <= 0) probe_references.erase(key);  // no cell to run needs it again
    write_file_atomically((folder / cell.file_name()).string(), doc.dump(2) + "\n");
    ++summary.ran;
    if (progress) *progress << head << cell_label(cell) << ": " << cell_done_line(cell, doc) << '\n' << std::flush;
  }
  set_interrupt_message("");
  return summary;
}

namespace {

// A cell without what differs between two computations of the same config on the same inputs:
// timings, memory and the machine and commit that ran it. Two cells equal here hold the same
// results.
json results_of(const std::string& text, const fs::path& path) {
  static const std::set<std::string> kVarying = {"wall_seconds",      "steps_per_second", "seconds_per_window",
                                                 "peak_rss_bytes",    "peak_rss_per_cell", "machine",
                                                 "git_commit",        "device_name",      "parallel_runs"};
  std::function<void(json&)> strip = [&](json& v) {
    if (v.is_object()) {
      for (auto it = v.begin(); it != v.end();) it = kVarying.count(it.key()) ? v.erase(it) : std::next(it);
      for (auto& item : v.items()) strip(item.value());
    } else if (v.is_array()) {
      for (json& item : v) strip(item);
    }
  };
  json doc = read_cell(path, text);
  strip(doc);
  return doc;
}

}  // namespace

MergeSummary merge_cells(const std::vector<std::string>& dirs, const std::string& out_dir) {
  if (dirs.empty()) fail("merge: name at least one suite folder to merge");
  struct Source {
    fs::path path;
    std::string text;
    std::string hash;
  };
  std::map<std::string, Source> chosen;  // by file name
  MergeSummary summary;
  auto conflict = [](const std::string& name, const Source& a, const Source& b) {
    fail("merge: cell " + name + " differs between " + a.path.string() + " and " + b.path.string() +
         (a.hash != b.hash ? " (config hash " + a.hash + " vs " + b.hash + ": different configs)"
                           : " (same config hash, different results beyond timings and memory: the cell was "
                             "computed twice, differently)") +
         "; nothing was copied");
  };
  for (const std::string& dir : dirs) {
    const fs::path folder = cells_folder(dir);
    if (!fs::is_directory(folder)) fail("merge: '" + dir + "' is not a folder");
    std::vector<fs::path> files;
    for (const fs::directory_entry& e : fs::directory_iterator(folder))
      if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& path : files) {
      Source src{path, read_text_file(path.string()), ""};
      src.hash = read_cell(path, src.text)["config_hash"].get<std::string>();
      const std::string name = path.filename().string();
      const auto found = chosen.find(name);
      if (found == chosen.end()) {
        chosen.emplace(name, std::move(src));
      } else if (found->second.text == src.text ||
                 results_of(found->second.text, found->second.path) == results_of(src.text, src.path)) {
        ++summary.identical_duplicates;  // the same results (timings may differ): the first is kept
      } else {
        conflict(name, found->second, src);
      }
    }
  }
  const fs::path out = fs::path(out_dir) / "cells";
  std::vector<const std::pair<const std::string, Source>*> to_copy;
  for (const auto& entry : chosen) {
    const fs::path target = out / entry.first;
    if (!fs::exists(target)) {
      to_copy.push_back(&entry);
      continue;
    }
    Source existing{target, read_text_file(target.string()), ""};
    existing.hash = read_cell(target, existing.text)["config_hash"].get<std::string>();
    if (existing.text != entry.second.text &&
        results_of(existing.text, existing.path) != results_of(entry.second.text, entry.second.path))
      conflict(entry.first, existing, entry.second);
    ++summary.identical_duplicates;
  }
  std::error_code ec;
  fs::create_directories(out, ec);
  if (!fs::is_directory(out) || access(out.c_str(), W_OK) != 0) fail("merge: cannot write into '" + out.string() + "'");
  for (const auto* entry : to_copy) {
    write_file_atomically((out / entry->first).string(), entry->second.text);
    ++summary.copied;
  }
  return summary;
}

}  // namespace tca
