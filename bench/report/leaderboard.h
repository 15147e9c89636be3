// The leaderboard: the cells of a suite (bench/suite/suite.h) aggregated per task, rule and hidden
// size into one JSON document (results/schema/leaderboard.schema.json) and a Markdown table.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace tca {

constexpr int kLeaderboardSchemaVersion = 2;

// The median of values over seeds with a distribution-free interval from order statistics:
// [x_(r), x_(k+1-r)] of the k sorted values covers the population median with probability
// 1 - 2 P(Binomial(k, 1/2) <= r - 1). r is the largest rank whose coverage is at least 95%;
// with k <= 5 values no rank reaches 95% and the interval is the min-max range (r = 1) with
// its lower coverage (k = 3: 75%, k = 5: 93.75%). +inf (a run that never got there) sorts last.
struct SeedInterval {
  int count = 0;
  double median = 0, lo = 0, hi = 0;
  double coverage = 0;
};
SeedInterval seed_interval(std::vector<double> values);

// Every cell file (*.json) of a folder, sorted by name; throws std::invalid_argument on an
// empty folder or a file that is not a cell.
std::vector<nlohmann::json> read_cells(const std::string& folder);

// Aggregates cells into the leaderboard document. Throws std::invalid_argument on a cell that
// lacks a field the leaderboard needs.
nlohmann::json build_leaderboard(const std::vector<nlohmann::json>& cells);

// The leaderboard as Markdown: one table per task, rows ranked by the task's metric.
std::string leaderboard_markdown(const nlohmann::json& leaderboard);

}  // namespace tca
