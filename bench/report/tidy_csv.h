// The cells of a suite as one tidy table (CSV): one row per cell, run and metric, each row with
// the cell's configuration, so that any grouping or statistic is one call in pandas or R
// (bench/report/tidy.py loads it). `tcabench leaderboard --csv FILE` writes it.
//
// Columns, in this order:
//   cell, task, task_id, rule, algorithm, model, hidden, regime, update, optimizer, batch,
//     iterations, precision, device, config_hash, git_commit    the cell's configuration
//   source        "train": a training run; "probe": the probe of the rule's gradient
//   seed          the run's seed (probe: the seed of the probed parameters)
//   learning_rate the run's learning rate (probe: empty)
//   best_rate     1 when the run's rate is the cell's chosen one, else 0 (probe: empty)
//   step          probe: the checkpoint (training step) probed; train: empty
//   group         probe: the parameter group (W_rec, W_in, b, W_out, b_out; recurrent: all of
//                 [W_rec | W_in | b]; total: every parameter); train: empty
//   metric, value the metric's name and its value (empty: not defined, e.g. a diverged run's
//                 curvature or a steps-to-criterion never reached)
// Train metrics: test_loss, test_<task metric> for each of the task's metrics,
// final_validation_loss, diverged, steps_to_criterion, top_hessian_eigenvalue,
// generalization_gap, steps_per_second, wall_seconds, state_bytes, peak_rss_bytes. Probe
// metrics, per step and group: rel_bias, rel_bias_debiased, rel_variance, cosine_of_mean,
// mean_cosine, norm_ratio; per step with an empty group: flops_per_step_per_sequence,
// state_bytes, seconds_per_window.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace tca {

// The CSV text (a header line, then the rows, '\n'-terminated) of cells that passed
// check_cell (bench/report/cell_check.h), in the order given.
std::string tidy_csv(const std::vector<nlohmann::json>& cells);

}  // namespace tca
