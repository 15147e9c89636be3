// tcabench tasks | algos | models: the registries, every parameter with its default and help, for
// the terminal or (--markdown) for the docs.
#include <iostream>

#include "algorithms/registry.h"
#include "bench/cli/command.h"
#include "bench/cli/command_line.h"
#include "models/registry.h"
#include "tasks/task.h"

namespace tca::cli {
namespace {

// One registry as a list of sections (rules come by network), each a list of entries.
struct Entry {
  std::string id, summary, note;
  std::vector<ParamDoc> params;
};
struct Section {
  std::string title;  // empty: no heading
  std::vector<Entry> entries;
};

std::vector<Section> tasks() {
  Section section;
  for (const TaskInfo& t : task_registry()) section.entries.push_back({t.id, t.summary, "", t.params});
  return {section};
}

std::vector<Section> rules() {
  std::vector<Section> sections;
  for (const NetworkInfo& network : network_registry()) {
    Section section{"rules on the " + network.id + " network (probe and train --model " + network.id + ")", {}};
    for (const RuleInfo& r : rules_of(network.id))
      section.entries.push_back({r.id, r.summary, r.exact ? "" : r.baseline ? "[baseline]" : "[approximate]", r.params});
    sections.push_back(section);
  }
  return sections;
}

std::vector<Section> models() {
  Section section;
  for (const NetworkInfo& n : network_registry()) section.entries.push_back({n.id, n.summary, "", n.knobs});
  return {section};
}

// For the terminal: "id  summary", then "    name = D (valid values): help" per parameter.
void print_text(const std::vector<Section>& sections) {
  for (size_t i = 0; i < sections.size(); ++i) {
    if (!sections[i].title.empty()) std::cout << (i ? "\n" : "") << sections[i].title << ":\n";
    for (const Entry& e : sections[i].entries) {
      std::cout << e.id << "  " << e.summary << (e.note.empty() ? "" : "  " + e.note) << '\n';
      for (const ParamDoc& p : e.params)
        std::cout << "    " << p.name << " = " << p.default_value << " (" << p.range << "): " << p.help << '\n';
    }
  }
}

std::string cell(const std::string& text) {
  std::string out;
  for (const char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

// For the docs: a heading per entry and a table of its parameters.
void print_markdown(const std::vector<Section>& sections) {
  for (const Section& section : sections) {
    if (!section.title.empty()) std::cout << "## " << section.title << "\n\n";
    for (const Entry& e : section.entries) {
      std::cout << "### `" << e.id << "`\n\n" << e.summary << (e.note.empty() ? "" : " " + e.note) << "\n\n";
      if (e.params.empty()) continue;
      std::cout << "| parameter | default | valid values | meaning |\n|---|---|---|---|\n";
      for (const ParamDoc& p : e.params)
        std::cout << "| `" << p.name << "` | `" << p.default_value << "` | " << cell(p.range) << " | " << cell(p.help)
                  << " |\n";
      std::cout << '\n';
    }
  }
}

class RegistryCommands final : public Command {
 public:
  explicit RegistryCommands(CLI::App& app)
      : tasks_(app, "tasks", "List tasks with their parameters and defaults"),
        algos_(app, "algos", "List learning rules of every network with their hyperparameters and defaults"),
        models_(app, "models", "List the networks and their knobs with their defaults") {
    for (CommandLine* command : {&tasks_, &algos_, &models_})
      command->flag("--markdown", markdown_, "Print Markdown (a heading and a parameter table per entry) for the docs");
  }
  std::vector<std::string> names() const override { return {"tasks", "algos", "models"}; }
  bool parsed() const override { return tasks_.parsed() || algos_.parsed() || models_.parsed(); }
  int run() override {
    const std::vector<Section> listing = tasks_.parsed() ? tasks() : algos_.parsed() ? rules() : models();
    if (markdown_) print_markdown(listing);
    else print_text(listing);
    return 0;
  }

 private:
  CommandLine tasks_;
  CommandLine algos_;
  CommandLine models_;
  bool markdown_ = false;
};

}  // namespace

std::unique_ptr<Command> registry_commands(CLI::App& app) { return std::make_unique<RegistryCommands>(app); }

}  // namespace tca::cli
