#include "bench/report/tidy_csv.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

namespace tca {

namespace {

using nlohmann::json;

// A field as CSV: quoted when it holds a comma, a quote or a line break (quotes doubled).
std::string field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// A JSON value as a CSV field: numbers in as few digits as read back exactly,
// booleans as 1 and 0, strings as they are; null, absent and anything else as empty.
std::string value_text(const json& v) {
  if (v.is_boolean()) return v.get<bool>() ? "1" : "0";
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  if (v.is_number_unsigned()) return std::to_string(v.get<unsigned long long>());
  if (v.is_number_float()) {  // the shortest of 15, 16 or 17 digits that reads back exactly
    const double x = v.get<double>();
    char text[32];
    for (int digits = 15; digits <= 17; ++digits) {
      std::snprintf(text, sizeof(text), "%.*g", digits, x);
      if (std::strtod(text, nullptr) == x) break;
    }
    return text;
  }
  if (v.is_string()) return v.get<std::string>();
  return "";
}

const json& member(const json& object, const char* key) {
  static const json kNull;
  return object.is_object() && object.contains(key) ? object.at(key) : kNull;
}

constexpr const char* kHeader =
    "cell,task,task_id,rule,algorithm,model,hidden,regime,update,optimizer,batch,iterations,precision,device,"
    "config_hash,git_commit,source,seed,learning_rate,best_rate,step,group,metric,value\n";

// The configuration columns of one cell, joined, with a trailing comma.
std::string config_columns(const json& cell) {
  const json& c = cell.at("cell");
  const json& train = cell.at("train");
  const json& config = train.at("config");
  std::string model = value_text(member(config, "model"));
  if (model.empty()) model = "rate";
  std::string out;
  for (const std::string& text :
       {value_text(c.at("file")), value_text(c.at("task")), value_text(c.at("task_id")), value_text(c.at("rule")),
        value_text(c.at("algorithm")), model, value_text(c.at("hidden")), value_text(member(train, "regime")),
        value_text(member(config, "update")), value_text(member(config, "optimizer")),
        value_text(member(config, "batch")), value_text(member(config, "iterations")),
        value_text(member(config, "precision")), value_text(member(config, "device")),
        value_text(cell.at("config_hash")), value_text(cell.at("git_commit"))})
    out += field(text) + ",";
  return out;
}

void add_row(std::ostringstream& out, const std::string& config, const std::string& source, const std::string& seed,
             const std::string& learning_rate, const std::string& best, const std::string& step,
             const std::string& group, const std::string& metric, const json& value) {
  out << config << source << ',' << seed << ',' << learning_rate << ',' << best << ',' << step << ',' << field(group)
      << ',' << field(metric) << ',' << value_text(value) << '\n';
}

void train_rows(std::ostringstream& out, const json& cell, const std::string& config) {
  const json& train = cell.at("train");
  const double best = train.at("selection").at("best_learning_rate").get<double>();
  for (const json& run : train.at("runs")) {
    const std::string seed = value_text(run.at("seed")), rate = value_text(run.at("learning_rate"));
    const std::string is_best = run.at("learning_rate").get<double>() == best ? "1" : "0";
    const auto row = [&](const std::string& metric, const json& value) {
      add_row(out, config, "train", seed, rate, is_best, "", "", metric, value);
    };
    row("test_loss", run.at("test_loss"));
    for (const auto& [name, value] : member(run, "test_metrics").items()) row("test_" + name, value);
    row("final_validation_loss", run.at("final_validation_loss"));
    row("diverged", run.at("diverged"));
    const json& steps = member(run, "steps_to_criterion");
    row("steps_to_criterion", steps.is_number() && steps.get<double>() >= 0 ? steps : json());
    for (const char* key : {"top_hessian_eigenvalue", "generalization_gap", "steps_per_second", "wall_seconds",
                            "state_bytes", "peak_rss_bytes"})
      row(key, member(run, key));
  }
}

void probe_rows(std::ostringstream& out, const json& cell, const std::string& config) {
  const json& probe = cell.at("probe");
  const std::string seed = value_text(member(member(probe, "config"), "seed"));
  for (const json& checkpoint : member(probe, "checkpoints")) {
    const std::string step = value_text(member(checkpoint, "step"));
    for (const json& algorithm : member(checkpoint, "algorithms")) {
      const auto row = [&](const std::string& group, const std::string& metric, const json& value) {
        add_row(out, config, "probe", seed, "", "", step, group, metric, value);
      };
      for (const char* key : {"flops_per_step_per_sequence", "state_bytes", "seconds_per_window"})
        row("", key, member(algorithm, key));
      std::vector<std::pair<std::string, const json*>> groups;
      for (const auto& [name, stats] : member(algorithm, "groups").items()) groups.emplace_back(name, &stats);
      for (const char* whole : {"recurrent", "total"})
        if (algorithm.contains(whole)) groups.emplace_back(whole, &algorithm.at(whole));
      for (const auto& [name, stats] : groups)
        for (const char* key :
             {"rel_bias", "rel_bias_debiased", "rel_variance", "cosine_of_mean", "mean_cosine", "norm_ratio"})
          row(name, key, member(*stats, key));
    }
  }
}

}  // namespace

std::string tidy_csv(const std::vector<json>& cells) {
  std::ostringstream out;
  out << kHeader;
  for (const json& cell : cells) {
    const std::string config = config_columns(cell);
    train_rows(out, cell, config);
    probe_rows(out, cell, config);
  }
  return out.str();
}

}  // namespace tca
