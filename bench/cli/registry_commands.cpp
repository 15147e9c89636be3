// tcabench tasks | algos | models: the registries, every parameter with its default and help.
#include <iostream>

#include "algorithms/registry.h"
#include "bench/cli/command.h"
#include "bench/cli/command_line.h"
#include "models/registry.h"
#include "tasks/task.h"

namespace tca::cli {
namespace {

void print_params(const std::vector<ParamDoc>& params) {
  for (const ParamDoc& p : params)
    std::cout << "    " << p.name << " (default " << p.default_value << "): " << p.help << '\n';
}

void print_tasks() {
  for (const TaskInfo& t : task_registry()) {
    std::cout << t.id << "  " << t.summary << '\n';
    print_params(t.params);
  }
}

void print_rules() {
  for (const NetworkInfo& network : network_registry()) {
    std::cout << (network.id == network_registry().front().id ? "" : "\n") << "rules on the " << network.id
              << " network (probe and train --model " << network.id << "):\n";
    for (const RuleInfo& r : rules_of(network.id)) {
      std::cout << r.id << "  " << r.summary << (r.exact ? "" : "  [approximate]") << '\n';
      print_params(r.params);
    }
  }
}

void print_models() {
  for (const NetworkInfo& network : network_registry()) {
    std::cout << network.id << "  " << network.summary << '\n';
    print_params(network.knobs);
  }
}

class RegistryCommands final : public Command {
 public:
  explicit RegistryCommands(CLI::App& app)
      : tasks_(app, "tasks", "List tasks with their parameters and defaults"),
        algos_(app, "algos", "List learning rules of every network with their hyperparameters and defaults"),
        models_(app, "models", "List the networks and their knobs with their defaults") {}
  std::vector<std::string> names() const override { return {"tasks", "algos", "models"}; }
  bool parsed() const override { return tasks_.parsed() || algos_.parsed() || models_.parsed(); }
  int run() override {
    if (tasks_.parsed()) print_tasks();
    if (algos_.parsed()) print_rules();
    if (models_.parsed()) print_models();
    return 0;
  }

 private:
  CommandLine tasks_;
  CommandLine algos_;
  CommandLine models_;
};

}  // namespace

std::unique_ptr<Command> registry_commands(CLI::App& app) { return std::make_unique<RegistryCommands>(app); }

}  // namespace tca::cli
