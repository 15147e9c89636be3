// One subcommand of the tcabench binary: it declares its options on the app and, when it is the
// one given, runs and returns the process's exit status. bench/cli/main.cpp lists them.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace tca::cli {

class Command {
 public:
  virtual ~Command() = default;
  // The subcommand words this object handles (e.g. {"probe"} or {"suite", "merge", "leaderboard"}).
  virtual std::vector<std::string> names() const = 0;
  // True when the command line named one of them.
  virtual bool parsed() const = 0;
  // Runs it: 0 on success, 1 when a gate fails; throws std::exception on bad input (exit 2).
  virtual int run() = 0;
};

std::unique_ptr<Command> probe_command(CLI::App& app);
std::unique_ptr<Command> train_command(CLI::App& app);
std::unique_ptr<Command> suite_commands(CLI::App& app);      // suite, merge, leaderboard
std::unique_ptr<Command> registry_commands(CLI::App& app);   // tasks, algos, models
std::unique_ptr<Command> bench_compare_command(CLI::App& app);
std::unique_ptr<Command> quality_command(CLI::App& app);

}  // namespace tca::cli
