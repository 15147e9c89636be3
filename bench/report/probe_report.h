// The probe's reports: the JSON report, the dump of every gradient, and the terminal tables.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "bench/experiments/probe.h"

namespace tca {

// The report: schema version, config and its hash, git commit, backend, machine, results.
// With only_algorithm set, the report of that one (task, rule) cell.
nlohmann::json probe_report(const ProbeResult& result, const std::string& only_algorithm = "");
// Everything needed to verify the gradients with another tool: parameters, inputs, targets,
// mask, and every gradient (reference and each estimate), as flat row-major arrays.
nlohmann::json probe_dump(const ProbeResult& result);
// One comparison as the reports write it: every statistic, null where it is undefined.
nlohmann::json gradient_stats_json(const GradientStats& stats);
// score_estimates' result as a rule's entry in a probe report holds it: "recurrent", "total"
// and "groups" (tcabench.score in Python returns this).
nlohmann::json estimate_scores_json(const EstimateScores& scores);
// The bias to report from a report's statistics object: the debiased estimate, or the plug-in
// value where there is none (GradientStats::reported_bias, read back from the JSON).
const nlohmann::json& reported_bias(const nlohmann::json& stats);
// A fixed-width table for the terminal: per checkpoint and rule, the recurrent parameters, all
// parameters and each group.
std::string probe_table(const ProbeResult& result);
// One line per (task, rule) of several probes: the recurrent parameters at the last checkpoint.
std::string probe_summary(const std::vector<ProbeResult>& results);

}  // namespace tca
