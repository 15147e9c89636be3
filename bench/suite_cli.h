// The suite, merge and leaderboard commands of the tcabench binary (bench/main.cpp registers
// them): their options, and running whichever of them was given.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "bench/suite.h"

namespace tca {

class SuiteCommands {
 public:
  explicit SuiteCommands(CLI::App& app);
  static bool is_command(const std::string& word);
  // Runs the command that was parsed, if it is one of these, and returns true; false otherwise.
  // parse_device turns cpu|cuda|auto into a device (throwing where it is not available).
  bool run(Device (*parse_device)(const std::string&));

 private:
  CLI::App* suite_ = nullptr;
  CLI::App* merge_ = nullptr;
  CLI::App* leaderboard_ = nullptr;
  std::string config_path_, shard_ = "0/1", device_ = "auto";
  SuiteOptions options_;
  std::vector<std::string> merge_dirs_;
  std::string merge_out_;
  std::string cells_ = "out/suite", board_out_ = "results/leaderboard.json", markdown_;
};

}  // namespace tca
