// The training run's reports: the JSON report and the terminal table.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "bench/experiments/train.h"

namespace tca {

// The JSON report (schema version, config and hash, commit, backend, machine, runs, and the
// summary at the best rate: median and range of the test metrics over seeds).
nlohmann::json train_report(const TrainResult& result);
// A short table for the terminal: one line per learning rate, the best marked.
std::string train_table(const TrainResult& result);

}  // namespace tca
