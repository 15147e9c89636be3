// The suite, merge and leaderboard commands of the tcabench binary: their options, and running
// whichever of them was given.
#pragma once

#include <string>
#include <vector>

#include "bench/cli/command.h"
#include "bench/cli/command_line.h"
#include "bench/suite/suite.h"

namespace tca::cli {

class SuiteCommands final : public Command {
 public:
  explicit SuiteCommands(CLI::App& app);
  std::vector<std::string> names() const override { return {"suite", "merge", "leaderboard"}; }
  bool parsed() const override;
  int run() override;

 private:
  CommandLine suite_;
  CommandLine merge_;
  CommandLine leaderboard_;
  std::string config_path_, shard_ = "0/1", device_ = "auto";
  int jobs_ = 0;
  SuiteOptions options_;
  std::vector<std::string> merge_dirs_;
  std::string merge_out_;
  std::string cells_ = "out/suite", board_out_, markdown_, csv_;
};

}  // namespace tca::cli
