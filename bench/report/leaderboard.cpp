#include "bench/report/leaderboard.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "bench/report/cell_check.h"
#include "bench/report/json_io.h"
#include "bench/report/probe_report.h"
#include "bench/report/report.h"
#include "core/paired_tests.h"
#include "core/statistics.h"

namespace tca {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kLeadAlpha = 0.05;  // family-wise error rate of the leads within one ranking

const char* kIntervalMethod =
    "median over seeds (runs at the cell's best learning rate that did not diverge) with a distribution-free "
    "interval from order statistics: [x_(r), x_(k+1-r)] of the k sorted values, r the largest rank whose "
    "coverage of the population median, 1 - 2 P(Binomial(k, 1/2) <= r - 1), is at least 0.95; with k <= 5 "
    "values the min-max range (r = 1), whose coverage is below 0.95 and is given with each interval "
    "(k = 3: 0.75, k = 5: 0.9375). Gradient intervals are the probe's 95% intervals over noise samples at one "
    "parameter point (jackknife; see docs/metrics.md).";

json finite_or_null(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

double binomial_half_cdf(int k, int r) {  // P(Binomial(k, 1/2) <= r)
  double sum = 0, term = std::pow(0.5, k);  // C(k, 0) / 2^k
  for (int i = 0; i <= r; ++i) {
    sum += term;
    term = term * (k - i) / (i + 1);
  }
  return sum;
}

json interval_json(const SeedInterval& s, const std::vector<double>& values) {
  json v = json::array();
  for (double x : values) v.push_back(finite_or_null(x));
  if (s.count == 0) return {{"count", 0}, {"median", nullptr}, {"interval", nullptr}, {"coverage", nullptr}, {"values", v}};
  return {{"count", s.count},
          {"median", finite_or_null(s.median)},
          {"interval", {finite_or_null(s.lo), finite_or_null(s.hi)}},
          {"coverage", s.coverage},
          {"values", v}};
}

json spread(const std::vector<double>& values) { return interval_json(seed_interval(values), values); }

double number_or(const json& v, double fallback) { return v.is_number() ? v.get<double>() : fallback; }

// The runs of a cell's training at its best learning rate, in seed order.
std::vector<const json*> runs_at_rate(const json& train, double best_lr) {
  std::vector<const json*> runs;
  for (const json& run : train.at("runs"))
    if (run.at("learning_rate").get<double>() == best_lr) runs.push_back(&run);
  return runs;
}

// What an entry gathers over its runs: the values of the runs that did not diverge, and counts.
struct RunTotals {
  std::vector<double> metric_values, loss_values, speed_values, to_criterion;
  std::vector<double> curvature, gap;  // runs that measured them (training curvature_batch > 0)
  std::map<std::string, std::vector<double>> metrics;
  int diverged = 0, reached = 0;
  size_t peak_rss = 0, state_bytes = 0;
};

// Gathers the runs' test results, speeds, steps to the criterion and memory.
RunTotals run_totals(const std::vector<const json*>& runs, const std::string& metric) {
  RunTotals r;
  for (const json* run : runs) {
    r.state_bytes = (*run).at("state_bytes");
    r.peak_rss = std::max(r.peak_rss, (*run).at("peak_rss_bytes").get<size_t>());
    if ((*run).at("diverged").get<bool>()) {
      ++r.diverged;
      continue;
    }
    r.metric_values.push_back(number_or((*run).at("test_metrics").at(metric), kInf));
    r.loss_values.push_back(number_or((*run).at("test_loss"), kInf));
    r.speed_values.push_back((*run).at("steps_per_second"));
    for (const auto& [name, value] : (*run).at("test_metrics").items()) r.metrics[name].push_back(number_or(value, kInf));
    if ((*run).value("top_hessian_eigenvalue", json()).is_number())
      r.curvature.push_back((*run).at("top_hessian_eigenvalue"));
    if ((*run).value("generalization_gap", json()).is_number()) r.gap.push_back((*run).at("generalization_gap"));
    const json& steps = (*run).at("steps_to_criterion");
    r.reached += steps.is_number();
    r.to_criterion.push_back(steps.is_number() ? steps.get<double>() : kInf);
  }
  return r;
}

// The median over seeds, at each iteration, of the values that value_of reads from the points of
// each run's array `points` (a value that is not finite is left out); named `names` beside
// "iterations". A run without the array is an error (json::exception) unless `optional`.
json median_curve(const std::vector<const json*>& runs, const std::string& points, bool optional,
                  const std::vector<std::string>& names, const std::function<double(const json&, size_t)>& value_of) {
  std::map<int, std::vector<std::vector<double>>> by_iteration;
  for (const json* run : runs)
    for (const json& p : optional ? (*run).value(points, json::array()) : (*run).at(points)) {
      auto& values = by_iteration[p.at("iteration").get<int>()];
      values.resize(names.size());
      for (size_t i = 0; i < names.size(); ++i) {
        const double v = value_of(p, i);
        if (std::isfinite(v)) values[i].push_back(v);
      }
    }
  json curve = {{"iterations", json::array()}};
  for (const std::string& name : names) curve[name] = json::array();
  for (const auto& [iteration, values] : by_iteration) {
    curve["iterations"].push_back(iteration);
    for (size_t i = 0; i < names.size(); ++i)
      curve[names[i]].push_back(values[i].empty() ? json(nullptr) : finite_or_null(seed_interval(values[i]).median));
  }
  return curve;
}

// Learning curve: the median over seeds of the validation metric and loss at each evaluation.
json learning_curve(const std::vector<const json*>& runs, const std::string& metric) {
  return median_curve(runs, "curve", false, {"validation_metric", "validation_loss"}, [&](const json& p, size_t i) {
    return number_or(i == 0 ? p.at("validation_metrics").value(metric, json()) : p.at("validation_loss"), kInf);
  });
}

// Alignment along the runs' own trajectories (train --align-every): the median over seeds of the
// recurrent cosine and relative error at each point; null when the runs recorded none.
json alignment_curve(const std::vector<const json*>& runs) {
  const json curve = median_curve(runs, "alignment", true, {"cosine", "relative_error"}, [](const json& p, size_t i) {
    return number_or(p.at(i == 0 ? "cosine" : "relative_error"), kInf);
  });
  return curve.at("iterations").empty() ? json(nullptr) : curve;
}

// The statistics the leaderboard keeps of one part of the parameters, with its data-variance floor.
json part_statistics(const json& stats, const json& floor) {
  json part = json::object();
  for (const char* key : {"rel_bias", "rel_bias_debiased", "rel_bias_ci95", "bias_interval_contains_zero",
                          "rel_variance", "rel_variance_ci95", "cosine_of_mean", "cosine_of_mean_ci95", "mean_cosine",
                          "norm_ratio", "notes"})
    part[key] = stats.at(key);
  part["data_floor_rel_variance"] = floor;
  return part;
}

// The probe's gradient statistics of the cell's rule at each checkpoint: for the recurrent
// parameters (the headline: the part the rules approximate) and for all parameters.
json gradient_checkpoints(const json& probe) {
  if (probe.at("schema_version").get<int>() < kProbeSchemaVersion)
    throw std::invalid_argument("its probe was written by an older tcabench (probe schema " +
                                probe.at("schema_version").dump() + ", without the recurrent parameters' "
                                "statistics): run the cell again");
  json gradient = json::array();
  for (const json& point : probe.at("checkpoints")) {
    const json& a = point.at("algorithms").at(0);
    const json& floor = point.at("data_floor");
    gradient.push_back({{"step", point.at("step")},
                        {"samples", a.at("samples")},
                        {"stochastic", a.at("stochastic")},
                        {"reference_loss", point.at("reference_loss")},
                        {"recurrent", part_statistics(a.at("recurrent"), floor.value("recurrent_rel_variance", json()))},
                        {"all", part_statistics(a.at("total"), floor.value("rel_variance", json()))}});
  }
  return gradient;
}

// A training config's criterion, null when it has none.
json criterion_or_null(const json& config) {
  return config.at("criterion").get<std::string>().empty() ? json(nullptr) : config.at("criterion");
}

// One (task, rule, hidden) entry from one cell.
json entry_of(const json& cell) {
  const json& train = cell.at("train");
  const json& c = cell.at("cell");
  const std::string metric = c.at("metric");
  const double best_lr = train.at("summary").at("learning_rate");

  const std::vector<const json*> runs = runs_at_rate(train, best_lr);
  const RunTotals r = run_totals(runs, metric);
  json metric_spreads = json::object();
  for (const auto& [name, values] : r.metrics) metric_spreads[name] = spread(values);
  const json curve = learning_curve(runs, metric);
  const json gradient = gradient_checkpoints(cell.at("probe"));

  const json& config = train.at("config");
  std::vector<uint64_t> seeds;
  json by_seed = json::array();  // the metric of each seed's run, null when it diverged or is not finite
  for (const json* run : runs) {
    seeds.push_back((*run).at("seed"));
    const double x = number_or((*run).at("test_metrics").at(metric), kInf);
    by_seed.push_back((*run).at("diverged").get<bool>() ? json(nullptr) : finite_or_null(x));
  }
  return {{"rule", c.at("rule")},
          {"algorithm", c.at("algorithm")},
          {"model", config.value("model", "rate")},
          {"model_params", config.value("model_params", json::object())},
          {"beats_readout_only", nullptr},  // set once the task's entries are known
          {"algorithm_config", train.at("algorithm").at("config")},
          {"hidden", c.at("hidden")},
          {"file", c.at("file")},
          {"cell_index", c.at("index")},
          {"rank", nullptr},  // set once the task's entries are known
          {"learning_rate", best_lr},
          {"learning_rates", config.at("learning_rates")},
          {"seeds", seeds},
          {"runs", runs.size()},
          {"diverged_runs", r.diverged},
          {"metric", spread(r.metric_values)},
          {"metric_by_seed", by_seed},
          {"lead_over_next", nullptr},  // set once the task's entries are ranked
          {"test_loss", spread(r.loss_values)},
          {"test_metrics", metric_spreads},
          {"steps_to_criterion",
           {{"criterion", criterion_or_null(config)}, {"reached", r.reached}, {"steps", spread(r.to_criterion)}}},
          {"gradient", gradient},
          {"steps_per_second", spread(r.speed_values)},
          {"state_bytes", r.state_bytes},
          {"peak_rss_bytes", r.peak_rss},
          {"peak_rss_per_cell", cell.at("peak_rss_per_cell")},
          {"top_hessian_eigenvalue", spread(r.curvature)},
          {"generalization_gap", spread(r.gap)},
          {"learning_curve", curve},
          {"alignment_curve", alignment_curve(runs)},
          {"device", cell.at("backend").at("device")},
          {"device_name", cell.at("device_name")},
          {"backend", cell.at("backend")},
          {"precision", cell.at("backend").at("precision")},
          {"config_hash", cell.at("config_hash")},
          {"git_commit", cell.at("git_commit")}};
}

std::string format_g(double x, int digits = 3) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.*g", digits, x);
  return buf;
}

std::string format_value(const json& v, int digits = 3) { return v.is_number() ? format_g(v.get<double>(), digits) : "–"; }

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.3g %s", bytes, units[u]);
  return buf;
}

// "median [lo, hi]" of a spread.
std::string format_spread(const json& s, int digits = 3) {
  if (s.at("count").get<int>() == 0) return "–";
  const json& i = s.at("interval");
  if (s.at("count").get<int>() == 1) return format_value(s.at("median"), digits);
  return format_value(s.at("median"), digits) + " [" + format_value(i[0], digits) + ", " + format_value(i[1], digits) + "]";
}

std::string format_ci(const json& value, const json& ci) {
  std::string s = format_value(value);
  if (ci.is_array() && ci.size() == 2) s += " [" + format_value(ci[0], 2) + ", " + format_value(ci[1], 2) + "]";
  return s;
}

// A task's header and entries as the cells arrive; first_index orders the tasks as the config does.
struct TaskGroup {
  int first_index = 0;
  json header;
  std::vector<json> entries;
};

// The cells' entries grouped by task, with every commit and device the cells name.
struct GroupedCells {
  std::map<std::string, TaskGroup> tasks;
  std::set<std::string> commits, devices;
};

// A task's header from one of its cells: its id, config, metric and training settings.
json task_header(const json& cell, const std::string& name) {
  const json& c = cell.at("cell");
  const json& config = cell.at("train").at("config");
  return {{"task", name},
          {"id", c.at("task_id")},
          {"task_config", config.at("task_config")},
          {"metric", c.at("metric")},
          {"better", c.at("better")},
          {"criterion", criterion_or_null(config)},
          {"T", cell.at("train").at("network").at("T")},
          {"iterations", config.at("iterations")},
          {"batch", config.at("batch")},
          {"regime", config.value("regime", "batched")},  // written by the run only when online
          {"update", config.value("update", "window")},  // the defaults of TrainConfig
          {"optimizer", config.value("optimizer", "adam")}};
}

// Adds one cell's entry to its task's group; the task's lowest-index cell gives the header.
void add_cell(const json& cell, GroupedCells& grouped) {
  json entry = entry_of(cell);
  const json& c = cell.at("cell");
  const std::string name = c.at("task");
  auto [it, fresh] = grouped.tasks.try_emplace(name);
  TaskGroup& group = it->second;
  const int index = c.at("index");
  if (fresh || index < group.first_index) {
    group.first_index = index;
    group.header = task_header(cell, name);
  }
  grouped.commits.insert(entry.at("git_commit").get<std::string>());
  grouped.devices.insert(entry.at("device").get<std::string>() + " (" + entry.at("device_name").get<std::string>() +
                         ")");
  group.entries.push_back(std::move(entry));
}

// Groups the cells by task; a cell with a missing or malformed field is an error naming its file.
GroupedCells group_cells(const std::vector<json>& cells) {
  GroupedCells grouped;
  for (const json& cell : cells) {
    std::string where = cell.contains("cell") ? cell["cell"].value("file", "a cell") : "a cell";
    try {
      add_cell(cell, grouped);
    } catch (const json::exception& e) {
      throw std::invalid_argument(where + ": missing or malformed field (" + std::string(e.what()) + ")");
    }
  }
  return grouped;
}

// Metrics other than the ranked one that are the same in every run: chance levels and baselines.
json landmarks_of(const TaskGroup& group) {
  std::map<std::string, std::set<double>> seen;
  for (const json& e : group.entries)
    for (const auto& [name, s] : e.at("test_metrics").items())
      for (const json& v : s.at("values")) seen[name].insert(number_or(v, kInf));
  json landmarks = json::object();
  for (const auto& [name, values] : seen)
    if (name != group.header.at("metric") && values.size() == 1 && std::isfinite(*values.begin()))
      landmarks[name] = *values.begin();
  return landmarks;
}

// Entries ranked together: the same hidden size and network.
bool same_ranking(const json& a, const json& b) { return a.at("hidden") == b.at("hidden") && a.at("model") == b.at("model"); }

// Sorts a task's entries by hidden size, network and rank within each, and numbers the ranks.
void rank_entries(std::vector<json>& entries, bool higher) {
  // Rank by the median; ties (frequent for accuracies) by the worst seed's end of the
  // interval, then by the median steps to the criterion, then by config order.
  auto key = [&](const json& e) {
    const json& m = e.at("metric");
    auto oriented = [&](const json& v) {
      const double x = number_or(v, std::numeric_limits<double>::quiet_NaN());
      return std::isfinite(x) ? (higher ? -x : x) : kInf;
    };
    const json worst = m.at("interval").is_array() ? m.at("interval")[higher ? 0 : 1] : json();
    return std::make_tuple(oriented(m.at("median")), oriented(worst),
                           number_or(e.at("steps_to_criterion").at("steps").at("median"), kInf),
                           e.at("cell_index").get<int>());
  };
  std::sort(entries.begin(), entries.end(), [&](const json& a, const json& b) {
    const int na = a.at("hidden"), nb = b.at("hidden");
    if (na != nb) return na < nb;
    if (a.at("model") != b.at("model")) return a.at("model").get<std::string>() < b.at("model").get<std::string>();
    return key(a) < key(b);
  });
  for (size_t i = 0; i < entries.size(); ++i)
    entries[i]["rank"] = i > 0 && same_ranking(entries[i], entries[i - 1]) ? entries[i - 1].at("rank").get<int>() + 1 : 1;
}

// Whether each entry's lead over the next in its ranking holds across seeds: the exact Wilcoxon
// signed-rank test of their per-seed differences over the seeds both ran, with Holm's correction
// over the adjacent pairs of the ranking (core/paired_tests.h), in its favour (W+ > W-). A diverged run (or one whose
// metric is not finite) counts as worse than any finite value: against a finite one its
// difference ranks above every finite difference, against another diverged run it is zero.
void compare_adjacent(std::vector<json>& entries, bool higher) {
  const auto oriented = [&](const json& v) {  // smaller is better; null is the worst
    return v.is_number() ? (higher ? -v.get<double>() : v.get<double>()) : kInf;
  };
  size_t begin = 0;
  while (begin < entries.size()) {
    size_t end = begin + 1;
    while (end < entries.size() && same_ranking(entries[end], entries[begin])) ++end;
    std::vector<double> p;
    for (size_t i = begin; i + 1 < end; ++i) {
      const json& a = entries[i];
      const json& b = entries[i + 1];
      std::vector<double> differences;
      for (size_t x = 0; x < a.at("seeds").size(); ++x)
        for (size_t y = 0; y < b.at("seeds").size(); ++y)
          if (a.at("seeds")[x] == b.at("seeds")[y]) {
            const double da = oriented(a.at("metric_by_seed")[x]), db = oriented(b.at("metric_by_seed")[y]);
            differences.push_back(da == db ? 0.0 : db - da);  // > 0: a is better on this seed
          }
      double largest = 0;
      for (const double d : differences)
        if (std::isfinite(d)) largest = std::max(largest, std::abs(d));
      for (double& d : differences)
        if (!std::isfinite(d)) d = std::copysign(2 * largest + 1, d);
      p.push_back(wilcoxon_signed_rank_p(differences));
      entries[i]["lead_over_next"] = {{"rule", b.at("rule")},
                                      {"seeds", differences.size()},
                                      {"p_value", p.back()},
                                      {"ahead_on_seeds", signed_rank_sum(differences) > 0}};
    }
    const std::vector<double> adjusted = holm_adjusted(p);
    for (size_t i = begin; i + 1 < end; ++i) {
      json& lead = entries[i]["lead_over_next"];
      lead["p_holm"] = adjusted[i - begin];
      // A lead holds when the paired difference is significant and goes this entry's way: the
      // median ranks it first, but its diverged seeds could make it worse seed by seed.
      lead["holds"] = adjusted[i - begin] < kLeadAlpha && lead.at("ahead_on_seeds").get<bool>();
      lead.erase("ahead_on_seeds");
    }
    begin = end;
  }
}

// Marks each entry that has a readout_only entry of its network (id and knobs) and size beside it: true when
// its median beats every seed of the baseline (a rule that does not has assigned no temporal
// credit on the task that this grid can see), false otherwise; null without a baseline.
void mark_against_readout_only(std::vector<json>& entries, bool higher) {
  for (json& e : entries) {
    const json* baseline = nullptr;
    for (const json& b : entries)
      if (b.at("algorithm") == "readout_only" && b.at("model") == e.at("model") &&
          b.at("model_params") == e.at("model_params") && b.at("hidden") == e.at("hidden"))
        baseline = &b;
    if (!baseline || baseline == &e) continue;
    const double median = number_or(e.at("metric").at("median"), std::numeric_limits<double>::quiet_NaN());
    bool beats = std::isfinite(median);
    for (const json& v : baseline->at("metric").at("values")) {
      const double x = number_or(v, std::numeric_limits<double>::quiet_NaN());
      if (std::isfinite(x)) beats = beats && (higher ? median > x : median < x);
    }
    e["beats_readout_only"] = beats;
  }
}

// A task of the leaderboard: its header, landmarks and ranked entries.
json task_json(TaskGroup& group) {
  const bool higher = group.header.at("better") == "higher";
  const json landmarks = landmarks_of(group);
  mark_against_readout_only(group.entries, higher);
  rank_entries(group.entries, higher);
  compare_adjacent(group.entries, higher);
  json t = group.header;
  t["landmarks"] = landmarks;
  t["entries"] = group.entries;
  return t;
}

// A task's heading and its line of settings: T, task parameters, training length, criterion, landmarks.
void task_preamble(std::ostream& s, const json& task) {
  const std::string metric = task.at("metric");
  const bool higher = task.at("better") == "higher";
  s << "#### " << task.at("task").get<std::string>() << ": " << metric << " (" << (higher ? "higher" : "lower")
    << " is better)\n\n";
  std::string params;
  for (const auto& [name, value] : task.at("task_config").items())
    params += (params.empty() ? "" : ", ") + name + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
  s << "T = " << task.at("T") << " (" << params << "); ";
  if (task.value("regime", "batched") == "online")
    s << "online regime: " << task.at("batch") << (task.at("batch") == 1 ? " stream" : " streams") << " of "
      << task.at("iterations") << " windows, " << task.at("optimizer").get<std::string>() << " after every step";
  else
    s << task.at("iterations") << " training windows of " << task.at("batch") << " sequences";
  if (task.at("criterion").is_string()) s << "; criterion " << task.at("criterion").get<std::string>();
  if (!task.at("landmarks").empty()) {
    s << "; landmarks:";
    for (const auto& [name, value] : task.at("landmarks").items()) s << ' ' << name << ' ' << format_g(value, 3);
  }
  s << ".\n\n";
}

// An entry's metric column, with its diverged runs; adds the note on its interval's coverage.
std::string metric_column(const json& e, std::set<std::string>& coverage_notes) {
  const json& m = e.at("metric");
  std::string metric_text = format_spread(m);
  if (e.at("diverged_runs").get<int>() > 0)
    metric_text += " (" + std::to_string(e.at("diverged_runs").get<int>()) + " of " +
                   std::to_string(e.at("runs").get<int>()) + " diverged)";
  if (m.at("count").get<int>() > 1) {
    char note[96];
    std::snprintf(note, sizeof(note), "%d seeds: the %s range, coverage %.4g%%", m.at("count").get<int>(),
                  m.at("count").get<int>() <= 5 ? "min–max" : "order-statistic", 100 * m.at("coverage").get<double>());
    coverage_notes.insert(note);
  }
  return metric_text;
}

// An entry's steps-to-criterion column: the runs that reached it and their median steps.
std::string steps_column(const json& e) {
  const json& stc = e.at("steps_to_criterion");
  std::string steps_text = "–";
  if (stc.at("criterion").is_string())
    steps_text = std::to_string(stc.at("reached").get<int>()) + "/" + std::to_string(e.at("runs").get<int>()) +
                 " reached" +
                 (stc.at("steps").at("median").is_number() ? ", median " + format_value(stc.at("steps").at("median"))
                                                           : std::string());
  return steps_text;
}

// One entry's row of the task's table; against_baseline: the table has the "beats readout_only" column.
// where_it_ends: the table has the curvature and generalization-gap columns.
void entry_row(std::ostream& s, const json& e, bool against_baseline, bool where_it_ends,
               std::set<std::string>& coverage_notes) {
  const json& g = e.at("gradient").at(0);
  const json& r = g.at("recurrent");
  const std::string metric_text = metric_column(e, coverage_notes);
  const std::string steps_text = steps_column(e);
  const std::string variance =
      g.at("stochastic").get<bool>() ? format_ci(r.at("rel_variance"), r.at("rel_variance_ci95")) : "0 (deterministic)";
  const json& lead = e.at("lead_over_next");
  const std::string lead_text =
      lead.is_null() ? "–" : (lead.at("holds").get<bool>() ? "yes" : "tie") + (" (" + format_g(lead.at("p_holm"), 2) + ")");
  s << "| " << e.at("rank") << " | `" << e.at("rule").get<std::string>() << "` | " << e.at("hidden") << " | "
    << metric_text << " | " << lead_text << " | ";
  if (against_baseline) {
    const json& beats = e.at("beats_readout_only");
    s << (beats.is_boolean() ? (beats.get<bool>() ? "yes" : "no") : "–") << " | ";
  }
  s << steps_text << " | ";
  if (where_it_ends)
    s << format_spread(e.at("top_hessian_eigenvalue")) << " | " << format_spread(e.at("generalization_gap")) << " | ";
  s << format_ci(reported_bias(r), r.at("rel_bias_ci95")) << " | " << variance
    << " | " << format_ci(r.at("cosine_of_mean"), r.at("cosine_of_mean_ci95")) << " | "
    << format_value(g.at("all").at("cosine_of_mean")) << " | " << g.at("samples") << " | "
    << format_value(e.at("steps_per_second").at("median")) << " | " << format_bytes(e.at("state_bytes")) << " | "
    << format_bytes(e.at("peak_rss_bytes")) << " | " << format_g(e.at("learning_rate"), 3) << " | "
    << e.at("device").get<std::string>() << " " << e.at("precision").get<std::string>() << " |\n";
}

// A task's table of entries; returns the notes on the coverage of its intervals over seeds.
std::set<std::string> task_table(std::ostream& s, const json& task) {
  bool against_baseline = false, where_it_ends = false;
  for (const json& e : task.at("entries")) {
    against_baseline = against_baseline || e.at("beats_readout_only").is_boolean();
    where_it_ends = where_it_ends || e.at("top_hessian_eigenvalue").at("count").get<int>() > 0;
  }
  s << "| rank | rule | n | " << task.at("metric").get<std::string>() << " (test) | ahead of next (p, Holm) | "
    << (against_baseline ? "beats readout_only | " : "") << "steps to criterion | "
    << (where_it_ends ? "λ_max(H) at the end | test − train loss | " : "")
    << "rel. bias, W [95% CI] | rel. variance, W [95% CI] "
    << "| cos(mean ĝ, g), W | cos, all | K | steps/s | state | peak RSS | lr | device |\n";
  s << "|---|---|---|---|---|" << (against_baseline ? "---|" : "") << (where_it_ends ? "---|---|" : "")
    << "---|---|---|---|---|---|---|---|---|---|---|\n";
  std::set<std::string> coverage_notes;
  for (const json& e : task.at("entries")) entry_row(s, e, against_baseline, where_it_ends, coverage_notes);
  s << '\n';
  return coverage_notes;
}

// The notes under a task's table: the intervals' coverage, the probe and the data-variance floors.
void task_notes(std::ostream& s, const json& task, const std::set<std::string>& coverage_notes) {
  s << "Ranks: per hidden size and network (rate, spiking). Ahead of next: whether the entry's lead over the "
    << "next entry of its ranking holds across seeds (exact Wilcoxon signed-rank test of their per-seed "
    << "differences over the seeds both ran, Holm-adjusted over the ranking's adjacent pairs; yes when below "
    << kLeadAlpha << ", else a tie). ";
  if (!coverage_notes.empty()) {
    s << "Intervals over seeds: ";
    bool first = true;
    for (const std::string& note : coverage_notes) s << (first ? "" : "; ") << note, first = false;
    s << ". ";
  }
  // The data-variance floor belongs to a cell's network and size: one value per (n, network),
  // or, where cells of one network differ in its knobs (e.g. Dale's law), each value with its rules.
  std::map<std::pair<int, std::string>, std::map<std::string, std::vector<std::string>>> floors;
  int step = 0;
  for (const json& e : task.at("entries")) {
    const json& g = e.at("gradient").at(0);
    step = g.at("step");
    const json& floor = g.at("recurrent").at("data_floor_rel_variance");
    // Rounding-size values mean that every batch has the same gradient (dnms-v0 at B % 4 == 0).
    const std::string text = !floor.is_number()       ? "not measured"
                             : floor.get<double>() < 1e-20 ? "0 (every batch has the same gradient)"
                                                          : format_value(floor);
    floors[{e.at("hidden").get<int>(), e.value("model", "rate")}][text].push_back(e.at("rule").get<std::string>());
  }
  s << "Gradient columns: probe at step " << step << " (the first seed's initial parameters) against BPTT in "
    << "double; W: the recurrent parameters [W_rec | W_in | b], the part the rules approximate (every rule "
    << "computes the readout exactly); \"cos, all\": over all parameters; bias: the debiased estimate; K noise "
    << "samples, 95% intervals. Data-variance floor (relative variance of the exact gradient of W across "
    << "batches, at each cell's own network):";
  for (const auto& [key, values] : floors) {
    s << " n=" << key.first << ", " << key.second << " network: ";
    bool first = true;
    for (const auto& [text, rules] : values) {
      s << (first ? "" : ", ") << text;
      if (values.size() > 1) {
        s << " (";
        for (size_t i = 0; i < rules.size(); ++i) s << (i ? ", " : "") << rules[i];
        s << ")";
      }
      first = false;
    }
    s << ";";
  }
  s.seekp(-1, std::ios_base::cur);
  s << ".\n\n";
}

// The closing line: the commits and devices of the cells.
void provenance_line(std::ostream& s, const json& board) {
  s << "Commit(s): ";
  bool first = true;
  for (const json& c : board.at("git_commits")) s << (first ? "" : ", ") << c.get<std::string>(), first = false;
  s << "; device(s): ";
  first = true;
  for (const json& d : board.at("devices")) s << (first ? "" : ", ") << d.get<std::string>(), first = false;
  s << ".\n";
}

}  // namespace

SeedInterval seed_interval(std::vector<double> values) {
  SeedInterval s;
  s.count = static_cast<int>(values.size());
  if (values.empty()) return s;
  std::sort(values.begin(), values.end());
  const size_t k = values.size();
  s.median = median(values);
  int r = 1;
  while (r + 1 <= static_cast<int>(k + 1) / 2 && 1 - 2 * binomial_half_cdf(static_cast<int>(k), r) >= 0.95) ++r;
  s.lo = values[r - 1];
  s.hi = values[k - r];
  s.coverage = std::max(0.0, 1 - 2 * binomial_half_cdf(static_cast<int>(k), r - 1));
  return s;
}

std::vector<json> read_cells(const std::string& folder) {
  if (!fs::is_directory(folder)) throw std::invalid_argument("'" + folder + "' is not a folder of suite cells");
  std::vector<fs::path> files;
  for (const fs::directory_entry& e : fs::directory_iterator(folder))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  if (files.empty()) throw std::invalid_argument("no cell files (*.json) in '" + folder + "'");
  std::sort(files.begin(), files.end());
  std::vector<json> cells;
  for (const fs::path& path : files) {
    json doc = read_json_file(path.string());
    check_cell(doc, path.string());
    doc["cell"]["file"] = path.filename().string();
    cells.push_back(std::move(doc));
  }
  return cells;
}

json build_leaderboard(const std::vector<json>& cells) {
  GroupedCells grouped = group_cells(cells);

  std::vector<TaskGroup*> ordered;
  for (auto& [name, group] : grouped.tasks) ordered.push_back(&group);
  std::sort(ordered.begin(), ordered.end(),
            [](const TaskGroup* a, const TaskGroup* b) { return a->first_index < b->first_index; });

  json out_tasks = json::array();
  for (TaskGroup* group : ordered) out_tasks.push_back(task_json(*group));

  return {{"schema_version", kLeaderboardSchemaVersion},
          {"kind", "leaderboard"},
          {"interval_method", kIntervalMethod},
          {"cells", cells.size()},
          {"git_commits", grouped.commits},
          {"devices", grouped.devices},
          {"tasks", out_tasks}};
}

std::string leaderboard_markdown(const json& board) {
  std::ostringstream s;
  for (const json& task : board.at("tasks")) {
    task_preamble(s, task);
    const std::set<std::string> coverage_notes = task_table(s, task);
    task_notes(s, task, coverage_notes);
  }
  provenance_line(s, board);
  return s.str();
}

}  // namespace tca
