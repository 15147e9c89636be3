// tcabench: the command-line front end. Each command lives in its own file of bench/cli/:
//   probe          gradient quality of learning rules against exact BPTT (probe_command.cpp)
//   train          one (task, rule) cell over seeds and a learning-rate grid (train_command.cpp)
//   suite, merge, leaderboard   the benchmark grid, its shards, its leaderboard (suite_commands.cpp)
//   tasks, algos, models        the registries (registry_commands.cpp)
//   bench-compare, quality      the performance and gradient-quality gates (gate_commands.cpp)
// cli.cpp parses the command line and runs the command. Exit status: 0 on success, 1 when a
// gate fails, 2 on bad input.
#include <iostream>
#include <string>
#include <vector>

#include "bench/cli/cli.h"
#include "bench/report/interrupt.h"

int main(int argc, char** argv) {
  tca::install_interrupt_handlers();
  const tca::cli::CommandLineResult result = tca::cli::run_command_line(std::vector<std::string>(argv, argv + argc));
  if (!result.error.empty()) std::cerr << "tcabench: error: " << result.error << '\n';
  return result.status;
}
