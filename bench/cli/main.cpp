// tcabench: the command-line front end. Each command lives in its own file of bench/cli/:
//   probe          gradient quality of learning rules against exact BPTT (probe_command.cpp)
//   train          one (task, rule) cell over seeds and a learning-rate grid (train_command.cpp)
//   suite, merge, leaderboard   the benchmark grid, its shards, its leaderboard (suite_commands.cpp)
//   tasks, algos, models        the registries (registry_commands.cpp)
//   bench-compare, quality      the performance and gradient-quality gates (gate_commands.cpp)
// Exit status: 0 on success, 1 when a gate fails, 2 on bad input.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <vector>

#include "bench/cli/command.h"
#include "bench/report/interrupt.h"

int main(int argc, char** argv) {
  CLI::App app{"tcabench: temporal credit assignment benchmark for recurrent networks"};
  app.require_subcommand(1);
  std::vector<std::unique_ptr<tca::cli::Command>> commands;
  commands.push_back(tca::cli::probe_command(app));
  commands.push_back(tca::cli::train_command(app));
  commands.push_back(tca::cli::suite_commands(app));
  commands.push_back(tca::cli::registry_commands(app));
  commands.push_back(tca::cli::bench_compare_command(app));
  commands.push_back(tca::cli::quality_command(app));

  // CLI11 reports an unknown first word only as "a subcommand is required": name it.
  std::vector<std::string> words;
  for (const auto& command : commands)
    for (const std::string& name : command->names()) words.push_back(name);
  if (argc > 1 && argv[1][0] != '-' && std::find(words.begin(), words.end(), argv[1]) == words.end()) {
    std::string valid;
    for (const std::string& word : words) valid += (valid.empty() ? "" : ", ") + word;
    std::cerr << "tcabench: error: unknown command '" << argv[1] << "' (valid: " << valid << ")\n";
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "tcabench: error: " << e.what() << " (see tcabench --help)\n";
    return 2;
  }
  tca::install_interrupt_handlers();
  int status = 0;
  try {
    for (const auto& command : commands)
      if (command->parsed()) {
        status = command->run();
        break;
      }
  } catch (const std::exception& e) {
    std::cerr << "tcabench: error: " << e.what() << '\n';
    return 2;
  }
  // A full disk or a closed pipe on the standard output is an error, not a success.
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout)) {
    std::cerr << "tcabench: error: cannot write the standard output: " << std::strerror(errno) << '\n';
    return 2;
  }
  return status;
}
