#include "bench/report/probe_report.h"

#include <cmath>
#include <cstdio>
#include <optional>
#include <sstream>

#include "bench/report/report.h"

namespace tca {

namespace {

// A number, or null where it is undefined (NaN; the stats' notes say why).
nlohmann::json number_or_null(double value) { return std::isnan(value) ? nlohmann::json(nullptr) : nlohmann::json(value); }

}  // namespace

nlohmann::json gradient_stats_json(const GradientStats& s) {
  // Intervals are null where the stats have none (fewer than 3 samples, no spread, |g| = 0).
  auto interval_json = [&](const Interval& i) {
    return s.has_intervals ? nlohmann::json::array({i.lo, i.hi}) : nlohmann::json(nullptr);
  };
  const std::optional<bool> contains_zero = s.bias_interval_contains_zero();
  return {{"samples", s.samples},
          {"rel_bias", number_or_null(s.rel_bias)},
          {"rel_bias_debiased", number_or_null(s.rel_bias_debiased)},
          {"rel_bias_ci95", interval_json(s.rel_bias_ci95)},
          {"bias_interval_contains_zero", contains_zero ? nlohmann::json(*contains_zero) : nlohmann::json(nullptr)},
          {"rel_variance", number_or_null(s.rel_variance)},
          {"rel_variance_ci95", interval_json(s.rel_variance_ci95)},
          {"cosine_of_mean", number_or_null(s.cosine_of_mean)},
          {"cosine_of_mean_ci95", interval_json(s.cosine_of_mean_ci95)},
          {"mean_cosine", number_or_null(s.mean_cosine)},
          {"mean_cosine_ci95", interval_json(s.mean_cosine_ci95)},
          {"norm_ratio", number_or_null(s.norm_ratio)},
          {"reference_norm", s.reference_norm},
          {"notes", s.notes}};
}

nlohmann::json estimate_scores_json(const EstimateScores& scores) {
  nlohmann::json groups = nlohmann::json::object();
  for (const auto& [name, stats] : scores.groups) groups[name] = gradient_stats_json(stats);
  return {{"recurrent", gradient_stats_json(scores.recurrent)}, {"total", gradient_stats_json(scores.total)}, {"groups", groups}};
}

const nlohmann::json& reported_bias(const nlohmann::json& stats) {
  const nlohmann::json& debiased = stats.at("rel_bias_debiased");
  return debiased.is_number() ? debiased : stats.at("rel_bias");
}

nlohmann::json probe_report(const ProbeResult& r, const std::string& only_algorithm) {
  nlohmann::json config = r.config.to_json();
  config["task_config"] = r.task_config;
  nlohmann::json report;
  report["schema_version"] = kProbeSchemaVersion;
  report["kind"] = "probe";
  if (!only_algorithm.empty()) report["cell"] = {{"task", r.config.task}, {"algorithm", only_algorithm}};
  report["config"] = config;
  report["config_hash"] = config_hash(config);
  report["git_commit"] = git_commit();
  report["backend"] = {{"device", to_string(r.config.device)}, {"precision", to_string(r.config.dtype)}};
  report["machine"] = machine_info();
  report["network"] = {{"n", r.n}, {"m", r.m}, {"o", r.o}, {"T", r.batch.T}, {"B", r.batch.B}};
  for (const auto& [key, value] : r.network.items()) report["network"][key] = value;
  report["reference"] = {{"algorithm", "bptt"}, {"precision", "double"}, {"device", "cpu"}};
  nlohmann::json points = nlohmann::json::array();
  for (const ProbePoint& p : r.points) {
    nlohmann::json algos = nlohmann::json::array();
    for (const AlgorithmProbe& a : p.algorithms) {
      if (!only_algorithm.empty() && a.id != only_algorithm) continue;
      nlohmann::json groups;
      for (const auto& [name, s] : a.groups) groups[name] = gradient_stats_json(s);
      algos.push_back({{"id", a.id},
                       {"config", a.config},
                       {"stochastic", a.stochastic},
                       {"samples", a.samples},
                       {"recurrent", gradient_stats_json(a.recurrent)},
                       {"total", gradient_stats_json(a.total)},
                       {"groups", groups},
                       {"loss", a.loss},
                       {"seconds_per_window", a.seconds_per_window},
                       {"state_bytes", a.state_bytes},
                       {"flops_per_step_per_sequence", a.flops_per_step}});
    }
    nlohmann::json floor = {{"batches", p.data_floor.batches}};
    if (p.data_floor.batches > 0) {
      floor["recurrent_rel_variance"] = p.data_floor.recurrent;
      floor["rel_variance"] = p.data_floor.total;
      floor["groups"] = p.data_floor.groups;
    }
    points.push_back({{"step", p.step},
                      {"reference_loss", p.reference_loss},
                      {"task_metrics", p.task_metrics},
                      {"data_floor", floor},
                      {"algorithms", algos}});
  }
  report["checkpoints"] = points;
  return report;
}

nlohmann::json probe_dump(const ProbeResult& r) {
  nlohmann::json dump;
  if (r.config.model == "rate") {
    dump["layout"] =
        "row-major; W = [W_rec | W_in | b] is n x k (k = n + m + 1), W_outb = [W_out | b_out] is "
        "o x (n + 1); gradients are [W | W_outb] flattened; inputs [T,B,m], targets [T,B,o], "
        "loss_mask [T,B]; loss = (1/B) sum_t,b mask * l";
    dump["alpha"] = r.config.alpha;
  } else {
    dump["layout"] =
        "row-major; spiking network (models/lif_rnn.h, knobs in model_config); W = [W_rec | W_in] is n x k "
        "(k = n + m, W_rec's diagonal 0), W_outb = [W_out | b_out] is o x (n + 1); gradients are [W | W_outb] "
        "flattened; inputs [T,B,m], targets [T,B,o], loss_mask [T,B]; loss = (1/B) sum_t,b mask * l + "
        "rate_reg sum_j (f_j - f0)^2";
    dump["model"] = r.config.model;
    dump["model_config"] = r.network.value("config", nlohmann::json::object());
  }
  dump["n"] = r.n;
  dump["m"] = r.m;
  dump["o"] = r.o;
  dump["T"] = r.batch.T;
  dump["B"] = r.batch.B;
  dump["loss"] = r.batch.loss == LossKind::mse ? "mse" : "cross_entropy";
  dump["inputs"] = r.batch.inputs;
  dump["targets"] = r.batch.targets;
  dump["loss_mask"] = r.batch.loss_mask;
  nlohmann::json points = nlohmann::json::array();
  for (const ProbePoint& p : r.points) {
    nlohmann::json estimates;
    for (const AlgorithmProbe& a : p.algorithms) estimates[a.id] = a.estimates;
    points.push_back({{"step", p.step},
                      {"W", p.W},
                      {"W_outb", p.W_outb},
                      {"reference_gradient", p.reference},
                      {"estimates", estimates}});
  }
  dump["checkpoints"] = points;
  return dump;
}

namespace {

std::string ci_text(const GradientStats& s, const Interval& i) {
  if (!s.has_intervals) return "-";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "[%.2e, %.2e]", i.lo, i.hi);
  return buf;
}

// A value in the given printf format, or "-" where it is undefined.
std::string value_text(const char* format, double value) {
  if (std::isnan(value)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), format, value);
  return buf;
}

}  // namespace

std::string probe_table(const ProbeResult& r) {
  std::ostringstream s;
  char line[320];
  s << "probe " << r.config.task << (r.config.model == "rate" ? "" : "  model=" + r.config.model) << "  n=" << r.n
    << " B=" << r.config.batch << " T=" << r.batch.T
    << " seed=" << r.config.seed << "  " << to_string(r.config.dtype) << " on "
    << to_string(r.config.device) << "  (reference: bptt in double; intervals: 95%)\n";
  for (const ProbePoint& p : r.points) {
    s << "step " << p.step << ": loss " << p.reference_loss;
    for (const auto& [name, value] : p.task_metrics) s << "  " << name << "=" << value;
    s << '\n';
    if (p.data_floor.batches > 0) {
      std::snprintf(line, sizeof(line), "  data-variance floor (BPTT across %d batches): rel_var %.3e recurrent, %.3e all%s\n",
                    p.data_floor.batches, p.data_floor.recurrent, p.data_floor.total,
                    p.data_floor.total == 0.0 ? " (every batch has the same gradient: the task draws no "
                                                "randomness at this batch size)"
                                              : "");
      s << line;
    }
    std::snprintf(line, sizeof(line), "  %-19s %-9s %4s %10s %22s %10s %10s %22s %9s %9s %9s %10s\n", "algorithm",
                  "group", "K", "rel_bias", "bias CI95", "(plug-in)", "rel_var", "var CI95", "cos(mean)", "mean_cos",
                  "norm_rat", "ms/window");
    s << line;
    for (const AlgorithmProbe& a : p.algorithms) {
      auto row = [&](const std::string& group, const GradientStats& st, bool first) {
        char ms[32] = "";
        if (first) std::snprintf(ms, sizeof(ms), "%.3f", a.seconds_per_window * 1e3);
        std::snprintf(line, sizeof(line), "  %-19s %-9s %4d %10s %22s %10s %10s %22s %9s %9s %9s %10s\n",
                      first ? a.id.c_str() : "", group.c_str(), a.samples,
                      value_text("%.3e", st.reported_bias()).c_str(), ci_text(st, st.rel_bias_ci95).c_str(),
                      value_text("%.3e", st.rel_bias).c_str(), value_text("%.3e", st.rel_variance).c_str(),
                      ci_text(st, st.rel_variance_ci95).c_str(), value_text("%.6f", st.cosine_of_mean).c_str(),
                      value_text("%.6f", st.mean_cosine).c_str(), value_text("%.6f", st.norm_ratio).c_str(), ms);
        s << line;
      };
      row("recurrent", a.recurrent, true);
      row("all", a.total, false);
      for (const auto& [name, st] : a.groups) row(name, st, false);
    }
  }
  return s.str();
}

std::string probe_summary(const std::vector<ProbeResult>& results) {
  std::ostringstream s;
  char line[320];
  s << "recurrent parameters (W; the readout is exact for every rule); rel_bias: the debiased estimate\n";
  std::snprintf(line, sizeof(line), "%-24s %-19s %5s %4s %10s %22s %10s %22s %9s %22s\n", "task", "algorithm",
                "step", "K", "rel_bias", "bias CI95", "rel_var", "var CI95", "cos(mean)", "cos(mean) CI95");
  s << line;
  for (const ProbeResult& r : results) {
    if (r.points.empty()) continue;
    const ProbePoint& p = r.points.back();
    for (const AlgorithmProbe& a : p.algorithms) {
      const GradientStats& t = a.recurrent;
      std::snprintf(line, sizeof(line), "%-24s %-19s %5d %4d %10s %22s %10s %22s %9s %22s\n", r.config.task.c_str(),
                    a.id.c_str(), p.step, a.samples, value_text("%.3e", t.reported_bias()).c_str(),
                    ci_text(t, t.rel_bias_ci95).c_str(), value_text("%.3e", t.rel_variance).c_str(),
                    ci_text(t, t.rel_variance_ci95).c_str(), value_text("%.6f", t.cosine_of_mean).c_str(),
                    ci_text(t, t.cosine_of_mean_ci95).c_str());
      s << line;
    }
  }
  return s.str();
}

}  // namespace tca
