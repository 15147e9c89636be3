#include "bench/gates/bench_compare.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "bench/report/json_io.h"
#include "core/statistics.h"

namespace tca {

namespace {

constexpr int kExactLimit = 50;  // largest sample for the exact distribution (automatic)

// Upper tail P(U >= u) of U's null distribution for samples of m and n distinct values.
// The largest of the m + n values belongs to x with probability m / (m + n), and then beats
// all n values of y; so P_{m,n}(u) = m/(m+n) P_{m-1,n}(u - n) + n/(m+n) P_{m,n-1}(u).
double exact_upper_tail(int m, int n, double u) {
  // prev[j], cur[j]: the distribution of U for sizes (i - 1, j) and (i, j), j = 0..n.
  std::vector<std::vector<double>> prev(n + 1, std::vector<double>{1.0}), cur(n + 1);
  for (int i = 1; i <= m; ++i) {
    cur[0] = {1.0};
    for (int j = 1; j <= n; ++j) {
      std::vector<double>& d = cur[j];
      d.assign(static_cast<size_t>(i) * j + 1, 0.0);
      const double px = static_cast<double>(i) / (i + j), py = static_cast<double>(j) / (i + j);
      for (size_t v = 0; v < prev[j].size(); ++v) d[v + j] += px * prev[j][v];
      for (size_t v = 0; v < cur[j - 1].size(); ++v) d[v] += py * cur[j - 1][v];
    }
    std::swap(prev, cur);
  }
  const std::vector<double>& dist = prev[n];
  double tail = 0;
  for (size_t v = dist.size(); v-- > 0;) {
    if (static_cast<double>(v) < u) break;
    tail += dist[v];
  }
  return tail;
}

double unit_in_ns(const std::string& unit, const std::string& path, const std::string& name) {
  if (unit == "ns") return 1.0;
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  throw std::invalid_argument(path + ": benchmark '" + name + "' has time_unit '" + unit +
                              "' (expected ns, us, ms or s)");
}

std::string context_text(const nlohmann::json& context, const char* key) {
  if (!context.contains(key)) return "?";
  const nlohmann::json& v = context[key];
  return v.is_string() ? v.get<std::string>() : json_excerpt(v);
}

}  // namespace

UTest mann_whitney_u(const std::vector<double>& x, const std::vector<double>& y, UTestMethod method) {
  if (x.empty() || y.empty()) throw std::invalid_argument("Mann-Whitney U test: an empty sample");
  for (const std::vector<double>* s : {&x, &y})
    for (double v : *s)
      if (!std::isfinite(v)) throw std::invalid_argument("Mann-Whitney U test: a non-finite value");
  const size_t m = x.size(), n = y.size(), N = m + n;
  // Midranks of the pooled sample; U = (rank sum of x) - m (m + 1) / 2.
  std::vector<std::pair<double, bool>> pooled;  // value, from x
  for (double v : x) pooled.emplace_back(v, true);
  for (double v : y) pooled.emplace_back(v, false);
  std::sort(pooled.begin(), pooled.end());
  double rank_sum_x = 0, tie_term = 0;  // tie_term = sum over tie groups of t^3 - t
  for (size_t i = 0; i < N;) {
    size_t j = i;
    while (j < N && pooled[j].first == pooled[i].first) ++j;
    const double t = static_cast<double>(j - i), midrank = 0.5 * (i + 1 + j);
    for (size_t k = i; k < j; ++k)
      if (pooled[k].second) rank_sum_x += midrank;
    tie_term += t * t * t - t;
    i = j;
  }
  UTest r;
  r.u = rank_sum_x - 0.5 * m * (m + 1);
  const double mn = static_cast<double>(m) * n, u_max = std::max(r.u, mn - r.u);
  const bool ties = tie_term > 0;
  if (method == UTestMethod::exact && ties)
    throw std::invalid_argument("Mann-Whitney U test: the exact distribution assumes no ties");
  r.exact = method == UTestMethod::exact ||
            (method == UTestMethod::automatic && !ties && m <= kExactLimit && n <= kExactLimit);
  if (r.exact) {
    r.p = std::min(1.0, 2 * exact_upper_tail(static_cast<int>(m), static_cast<int>(n), u_max));
    return r;
  }
  const double sigma = std::sqrt(mn / 12 * ((N + 1) - tie_term / (static_cast<double>(N) * (N - 1))));
  if (!(sigma > 0)) return r;  // every value equal: no evidence of a shift, p = 1
  const double z = (u_max - 0.5 * mn - 0.5) / sigma;  // continuity correction towards the mean
  r.p = std::min(1.0, std::erfc(z / std::sqrt(2.0)));  // 2 P(Z > z)
  return r;
}

std::string benchmark_device(const nlohmann::json& context) {
  if (context.contains("tca_device") && context["tca_device"].is_string())
    return context["tca_device"].get<std::string>();
  return "host " + context_text(context, "host_name") + ", " + context_text(context, "num_cpus") +
         " CPUs at " + context_text(context, "mhz_per_cpu") + " MHz";
}

// parse_benchmark_run without the translation of JSON type errors.
static BenchmarkRun parse_benchmark_entries(const nlohmann::json& data, const std::string& path) {
  if (!data.is_object() || !data.contains("benchmarks") || !data["benchmarks"].is_array())
    throw std::invalid_argument(path + ": not Google Benchmark JSON (no \"benchmarks\" array)");
  BenchmarkRun run;
  run.path = path;
  run.context = data.value("context", nlohmann::json::object());
  run.device = benchmark_device(run.context);
  size_t aggregates = 0;
  for (const nlohmann::json& b : data["benchmarks"]) {
    const std::string type = b.value("run_type", b.contains("aggregate_name") ? "aggregate" : "iteration");
    if (type != "iteration") {
      ++aggregates;
      continue;
    }
    const std::string name = b.value("run_name", b.value("name", ""));
    if (name.empty()) throw std::invalid_argument(path + ": a benchmark entry without a name");
    if (!run.times_ns.count(name) && !run.errors.count(name)) run.names.push_back(name);
    if (b.value("error_occurred", false)) {
      run.errors[name] = b.value("error_message", "error");
      run.times_ns.erase(name);
      continue;
    }
    if (run.errors.count(name)) continue;
    if (!b.contains("real_time") || !b["real_time"].is_number())
      throw std::invalid_argument(path + ": benchmark '" + name + "' has no numeric real_time");
    const double t = b["real_time"].get<double>() * unit_in_ns(b.value("time_unit", "ns"), path, name);
    if (!std::isfinite(t) || t <= 0)  // a zero time makes every ratio meaningless
      throw std::invalid_argument(path + ": benchmark '" + name + "' has real_time " + json_excerpt(b["real_time"]) +
                                  " (a positive time is needed)");
    run.times_ns[name].push_back(t);
  }
  if (run.names.empty())
    throw std::invalid_argument(
        path + ": no per-repetition results" +
        (aggregates ? " (only aggregates: rerun without --benchmark_report_aggregates_only)" : ""));
  return run;
}

BenchmarkRun parse_benchmark_run(const nlohmann::json& data, const std::string& path) {
  try {
    return parse_benchmark_entries(data, path);
  } catch (const nlohmann::json::exception& e) {  // a field of the wrong type
    throw std::invalid_argument(path + ": malformed Google Benchmark JSON (" + std::string(e.what()) + ")");
  }
}

BenchmarkRun read_benchmark_run(const std::string& path) { return parse_benchmark_run(read_json_file(path), path); }

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::regression: return "REGRESSION";
    case Verdict::improvement: return "improvement";
    default: return "unchanged";
  }
}

int Comparison::count(Verdict v) const {
  return static_cast<int>(std::count_if(rows.begin(), rows.end(), [v](const ComparedBenchmark& r) { return r.verdict == v; }));
}

Comparison compare_benchmark_runs(const BenchmarkRun& base, const BenchmarkRun& now,
                                  const CompareOptions& options) {
  if (!(options.threshold > 0 && options.threshold < 1))
    throw std::invalid_argument("--threshold must lie in (0, 1), got " + std::to_string(options.threshold));
  if (!(options.mismatch_threshold == 0 || (options.mismatch_threshold > 0 && options.mismatch_threshold < 1)))
    throw std::invalid_argument("--mismatch-threshold must lie in (0, 1), got " +
                                std::to_string(options.mismatch_threshold));
  if (!(options.alpha > 0 && options.alpha < 1))
    throw std::invalid_argument("--alpha must lie in (0, 1), got " + std::to_string(options.alpha));
  if (options.min_repetitions < 2)
    throw std::invalid_argument("--min-repetitions must be at least 2, got " + std::to_string(options.min_repetitions));
  Comparison c;
  c.options = options;
  c.base_path = base.path;
  c.new_path = now.path;
  c.base_device = base.device;
  c.new_device = now.device;
  c.device_mismatch = base.device != now.device;
  if (c.device_mismatch && !options.allow_device_mismatch)
    throw std::invalid_argument("the runs come from different devices: " + base.path + " from '" + base.device +
                                "', " + now.path + " from '" + now.device +
                                "'; compare runs of one device (or pass --allow-device-mismatch)");

  auto has = [](const BenchmarkRun& r, const std::string& name) {
    return r.times_ns.count(name) || r.errors.count(name);
  };
  for (const std::string& name : base.names) {
    if (!has(now, name)) {
      c.only_in_base.push_back(name);
    } else if (base.errors.count(name) || now.errors.count(name)) {
      c.not_compared[name] = base.errors.count(name) ? "base: " + base.errors.at(name) : "new: " + now.errors.at(name);
    } else {
      ComparedBenchmark row;
      row.name = name;
      const std::vector<double>& b = base.times_ns.at(name);
      const std::vector<double>& n = now.times_ns.at(name);
      row.base_repetitions = static_cast<int>(b.size());
      row.new_repetitions = static_cast<int>(n.size());
      if (row.base_repetitions < options.min_repetitions || row.new_repetitions < options.min_repetitions)
        throw std::invalid_argument("benchmark '" + name + "' has " + std::to_string(row.base_repetitions) +
                                    " repetitions in " + base.path + " and " + std::to_string(row.new_repetitions) +
                                    " in " + now.path + "; the U test needs at least " +
                                    std::to_string(options.min_repetitions) +
                                    " on each side (--benchmark_repetitions=9)");
      row.base_median_ns = median(b);
      row.new_median_ns = median(n);
      c.rows.push_back(row);
    }
  }
  for (const std::string& name : now.names)
    if (!has(base, name)) c.only_in_new.push_back(name);
  if (c.rows.empty()) throw std::invalid_argument("no benchmark with results in both " + base.path + " and " + now.path);

  if (c.device_mismatch) {
    // Absolute times of two machines say nothing; their speed factor is estimated by the
    // median ratio, robust to the few benchmarks that really moved.
    if (c.rows.size() < 3)
      throw std::invalid_argument("comparing across devices needs at least 3 benchmarks in common to estimate the "
                                  "machines' speed factor, got " + std::to_string(c.rows.size()));
    std::vector<double> ratios;
    for (const ComparedBenchmark& row : c.rows) ratios.push_back(row.new_median_ns / row.base_median_ns);
    c.speed_factor = median(ratios);
  }
  c.threshold = c.device_mismatch && options.mismatch_threshold > 0 ? options.mismatch_threshold : options.threshold;
  for (ComparedBenchmark& row : c.rows) {
    std::vector<double> scaled = now.times_ns.at(row.name);
    for (double& t : scaled) t /= c.speed_factor;
    row.ratio = median(scaled) / row.base_median_ns;
    row.test = mann_whitney_u(base.times_ns.at(row.name), scaled);
    if (row.test.p < options.alpha && row.ratio > 1 + c.threshold) row.verdict = Verdict::regression;
    if (row.test.p < options.alpha && row.ratio < 1 - c.threshold) row.verdict = Verdict::improvement;
  }
  return c;
}

std::string comparison_table(const Comparison& c) {
  std::ostringstream s;
  char line[512];
  s << "base: " << c.base_path << " (" << c.base_device << ")\n"
    << "new:  " << c.new_path << " (" << c.new_device << ")\n";
  if (c.device_mismatch) {
    std::snprintf(line, sizeof(line),
                  "different devices (allowed): new times divided by the speed factor %.3f (median of the "
                  "median ratios); only changes relative to the other benchmarks can show\n",
                  c.speed_factor);
    s << line;
  }
  std::snprintf(line, sizeof(line),
                "regression: U test p < %g and median ratio > %.3f; improvement: p < %g and ratio < %.3f\n\n",
                c.options.alpha, 1 + c.threshold, c.options.alpha, 1 - c.threshold);
  s << line;
  size_t width = 9;
  for (const ComparedBenchmark& r : c.rows) width = std::max(width, r.name.size());
  std::snprintf(line, sizeof(line), "%-*s  %5s  %12s  %12s  %7s  %9s  %s\n", static_cast<int>(width), "benchmark",
                "reps", "base (us)", "new (us)", "ratio", "p", "verdict");
  s << line;
  for (const ComparedBenchmark& r : c.rows) {
    const std::string reps = std::to_string(r.base_repetitions) + "/" + std::to_string(r.new_repetitions);
    std::snprintf(line, sizeof(line), "%-*s  %5s  %12.4g  %12.4g  %7.3f  %9.2g  %s\n", static_cast<int>(width),
                  r.name.c_str(), reps.c_str(), r.base_median_ns * 1e-3, r.new_median_ns * 1e-3, r.ratio, r.test.p,
                  to_string(r.verdict));
    s << line;
  }
  for (const std::string& name : c.only_in_base) s << "only in base: " << name << '\n';
  for (const std::string& name : c.only_in_new) s << "only in new: " << name << '\n';
  for (const auto& [name, why] : c.not_compared) s << "not compared: " << name << " (" << why << ")\n";
  s << "\nbench-compare: " << c.rows.size() << " compared, " << c.count(Verdict::regression) << " regressed, "
    << c.count(Verdict::improvement) << " improved, " << c.count(Verdict::unchanged) << " unchanged\n";
  return s.str();
}

nlohmann::json comparison_json(const Comparison& c) {
  nlohmann::json rows = nlohmann::json::array();
  for (const ComparedBenchmark& r : c.rows)
    rows.push_back({{"name", r.name},
                    {"base_repetitions", r.base_repetitions},
                    {"new_repetitions", r.new_repetitions},
                    {"base_median_ns", r.base_median_ns},
                    {"new_median_ns", r.new_median_ns},
                    {"ratio", r.ratio},
                    {"u", r.test.u},
                    {"p_value", r.test.p},
                    {"p_exact", r.test.exact},
                    {"verdict", to_string(r.verdict)}});
  nlohmann::json not_compared = nlohmann::json::object();
  for (const auto& [name, why] : c.not_compared) not_compared[name] = why;
  return {{"base", {{"path", c.base_path}, {"device", c.base_device}}},
          {"new", {{"path", c.new_path}, {"device", c.new_device}}},
          {"options",
           {{"threshold", c.options.threshold},
            {"mismatch_threshold", c.options.mismatch_threshold},
            {"alpha", c.options.alpha},
            {"min_repetitions", c.options.min_repetitions},
            {"allow_device_mismatch", c.options.allow_device_mismatch}}},
          {"device_mismatch", c.device_mismatch},
          {"speed_factor", c.speed_factor},
          {"threshold_applied", c.threshold},
          {"benchmarks", rows},
          {"only_in_base", c.only_in_base},
          {"only_in_new", c.only_in_new},
          {"not_compared", not_compared},
          {"regressions", c.count(Verdict::regression)},
          {"improvements", c.count(Verdict::improvement)}};
}

}  // namespace tca
