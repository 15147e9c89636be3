#include "bench/report/cell_check.h"

#include <cmath>
#include <stdexcept>

#include "bench/report/json_io.h"

namespace tca {

namespace {

using nlohmann::json;

// A field of the document, with the path that names it in messages.
class Field {
 public:
  Field(const json& value, std::string path, const std::string& file) : value_(value), path_(std::move(path)), file_(file) {}

  Field at(const std::string& key) const {
    const std::string path = path_.empty() ? key : path_ + "." + key;
    if (!value_.is_object() || !value_.contains(key)) fail("is missing", path);
    return Field(value_[key], path, file_);
  }
  bool has(const std::string& key) const { return value_.is_object() && value_.contains(key); }
  Field item(size_t i) const { return Field(value_[i], path_ + "[" + std::to_string(i) + "]", file_); }
  const json& value() const { return value_; }

  const Field& object() const {
    if (!value_.is_object()) fail("must be an object");
    return *this;
  }
  const Field& text() const {
    if (!value_.is_string()) fail("must be a string");
    return *this;
  }
  const Field& boolean() const {
    if (!value_.is_boolean()) fail("must be true or false");
    return *this;
  }
  const Field& boolean_or_null() const {
    if (!value_.is_boolean() && !value_.is_null()) fail("must be true, false or null");
    return *this;
  }
  // An integer in [lo, hi] (not a float that happens to be large: 1e300 is refused).
  const Field& integer(double lo, double hi) const {
    if (!value_.is_number_integer()) fail("must be an integer");
    const double v = value_.get<double>();
    if (v < lo || v > hi) fail("must lie in [" + number(lo) + ", " + number(hi) + "]");
    return *this;
  }
  const Field& finite(double lo = -HUGE_VAL, double hi = HUGE_VAL) const {
    if (!value_.is_number() || !std::isfinite(value_.get<double>())) fail("must be a finite number");
    if (value_.get<double>() < lo || value_.get<double>() > hi) fail("must lie in [" + number(lo) + ", " + number(hi) + "]");
    return *this;
  }
  const Field& finite_or_null() const {
    if (!value_.is_null()) finite();
    return *this;
  }
  // null, or two numbers (each may be null: an endpoint that is not finite).
  const Field& interval_or_null() const {
    if (value_.is_null()) return *this;
    if (!value_.is_array() || value_.size() != 2) fail("must be null or an interval [lo, hi]");
    item(0).finite_or_null();
    item(1).finite_or_null();
    return *this;
  }
  const Field& array(size_t min_size) const {
    if (!value_.is_array()) fail("must be an array");
    if (value_.size() < min_size) fail("must have at least " + std::to_string(min_size) + " element(s)");
    return *this;
  }

  [[noreturn]] void fail(const std::string& problem, const std::string& path = "") const {
    const std::string where = !path.empty() ? path : !path_.empty() ? path_ : "the document";
    const std::string got = path.empty() ? ", got " + json_excerpt(value_) : "";
    throw std::invalid_argument(file_ + ": " + where + " " + problem + got);
  }

 private:
  static std::string number(double x) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.15g", x);
    return buf;
  }
  const json& value_;
  std::string path_;
  const std::string& file_;
};

constexpr double kMaxCount = 1e12;  // sizes and counts: far above any real run, far below overflow
constexpr double kMaxSeed = 18446744073709551615.0;

void check_statistics(const Field& s) {
  s.object();
  for (const char* key : {"rel_bias", "rel_bias_debiased", "rel_variance", "cosine_of_mean", "mean_cosine", "norm_ratio"})
    s.at(key).finite_or_null();
  for (const char* key : {"rel_bias_ci95", "rel_variance_ci95", "cosine_of_mean_ci95"}) s.at(key).interval_or_null();
  s.at("bias_interval_contains_zero").boolean_or_null();
  const Field notes = s.at("notes").array(0);
  for (size_t i = 0; i < notes.value().size(); ++i) notes.item(i).text();
}

void check_probe(const Field& probe) {
  probe.object();
  probe.at("schema_version").integer(0, kMaxCount);
  const Field checkpoints = probe.at("checkpoints").array(1);
  for (size_t i = 0; i < checkpoints.value().size(); ++i) {
    const Field point = checkpoints.item(i).object();
    point.at("step").integer(0, kMaxCount);
    point.at("data_floor").object();
    point.at("reference_loss").finite_or_null();
    const Field a = point.at("algorithms").array(1).item(0).object();
    a.at("samples").integer(1, kMaxCount);
    a.at("stochastic").boolean();
    check_statistics(a.at("recurrent"));
    check_statistics(a.at("total"));
  }
}

void check_run(const Field& run) {
  run.object();
  run.at("seed").integer(0, kMaxSeed);
  run.at("learning_rate").finite(0.0);
  run.at("state_bytes").integer(0, 1e18);
  run.at("peak_rss_bytes").integer(0, 1e18);
  run.at("diverged").boolean();
  run.at("test_loss").finite_or_null();
  run.at("steps_per_second").finite(0.0);
  run.at("steps_to_criterion").finite_or_null();
  const Field metrics = run.at("test_metrics").object();
  for (const auto& [name, value] : metrics.value().items()) metrics.at(name).finite_or_null();
  for (const char* key : {"top_hessian_eigenvalue", "generalization_gap"})
    if (run.has(key)) run.at(key).finite_or_null();
  const Field curve = run.at("curve").array(0);
  for (size_t i = 0; i < curve.value().size(); ++i) {
    const Field p = curve.item(i).object();
    p.at("iteration").integer(0, kMaxCount);
    p.at("validation_metrics").object();
    p.at("validation_loss").finite_or_null();
  }
  if (run.has("alignment")) {
    const Field alignment = run.at("alignment").array(0);
    for (size_t i = 0; i < alignment.value().size(); ++i) {
      const Field p = alignment.item(i).object();
      p.at("iteration").integer(0, kMaxCount);
      p.at("cosine").finite_or_null();
      p.at("relative_error").finite_or_null();
    }
  }
}

}  // namespace

void check_cell(const json& document, const std::string& file) {
  const Field doc(document, "", file);
  doc.object();
  if (doc.at("kind").text().value() != "suite_cell") doc.at("kind").fail("must be \"suite_cell\"");
  for (const char* key : {"config_hash", "git_commit", "device_name"}) doc.at(key).text();
  doc.at("peak_rss_per_cell").boolean();
  const Field backend = doc.at("backend").object();
  backend.at("device").text();
  backend.at("precision").text();
  if (backend.has("parallel_runs")) backend.at("parallel_runs").integer(1, 1e6);  // absent in older cells

  const Field cell = doc.at("cell").object();
  for (const char* key : {"metric", "rule", "algorithm", "task", "task_id"}) cell.at(key).text();
  const std::string better = cell.at("better").text().value();
  if (better != "higher" && better != "lower") cell.at("better").fail("must be \"higher\" or \"lower\"");
  cell.at("hidden").integer(1, 1 << 24);
  cell.at("index").integer(0, 1 << 30);

  const Field train = doc.at("train").object();
  train.at("network").object().at("T").integer(1, kMaxCount);
  train.at("algorithm").object().at("config").object();
  const Field config = train.at("config").object();
  config.at("criterion").text();
  config.at("task_config").object();
  config.at("iterations").integer(0, kMaxCount);
  config.at("batch").integer(1, kMaxCount);
  const Field rates = config.at("learning_rates").array(1);
  for (size_t i = 0; i < rates.value().size(); ++i) rates.item(i).finite(0.0);
  for (const char* key : {"model", "regime", "update", "optimizer"})
    if (config.has(key)) config.at(key).text();
  if (config.has("model_params")) config.at("model_params").object();
  const Field best = train.at("summary").object().at("learning_rate").finite(0.0);
  const Field runs = train.at("runs").array(1);
  size_t at_best = 0;
  for (size_t i = 0; i < runs.value().size(); ++i) {
    check_run(runs.item(i));
    at_best += runs.value()[i]["learning_rate"] == best.value();
  }
  if (at_best == 0) best.fail("names no run's learning rate");

  check_probe(doc.at("probe"));
}

}  // namespace tca
