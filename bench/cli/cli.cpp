#include "bench/cli/cli.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <stdexcept>

#include "bench/cli/command.h"
#include "core/cancellation.h"

namespace tca::cli {

CommandLineResult run_command_line(const std::vector<std::string>& args) {
  CLI::App app{"tcabench: temporal credit assignment benchmark for recurrent networks"};
  app.require_subcommand(1);
  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(probe_command(app));
  commands.push_back(train_command(app));
  commands.push_back(suite_commands(app));
  commands.push_back(registry_commands(app));
  commands.push_back(bench_compare_command(app));
  commands.push_back(quality_command(app));

  // CLI11 reports an unknown first word only as "a subcommand is required": name it.
  std::vector<std::string> words;
  for (const auto& command : commands)
    for (const std::string& name : command->names()) words.push_back(name);
  if (args.size() > 1 && !args[1].empty() && args[1][0] != '-' &&
      std::find(words.begin(), words.end(), args[1]) == words.end()) {
    std::string valid;
    for (const std::string& word : words) valid += (valid.empty() ? "" : ", ") + word;
    return {2, "unknown command '" + args[1] + "' (valid: " + valid + ")"};
  }
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp& e) {
    return {app.exit(e), ""};
  } catch (const CLI::CallForAllHelp& e) {
    return {app.exit(e), ""};
  } catch (const CLI::ParseError& e) {
    return {2, std::string(e.what()) + " (see tcabench --help)"};
  }
  int status = 0;
  try {
    for (const auto& command : commands)
      if (command->parsed()) {
        status = command->run();
        break;
      }
  } catch (const Cancelled&) {
    throw;
  } catch (const std::exception& e) {
    return {2, e.what()};
  }
  // A full disk or a closed pipe on the standard output is an error, not a success.
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0 || std::ferror(stdout))
    return {2, std::string("cannot write the standard output: ") + std::strerror(errno)};
  return {status, ""};
}

}  // namespace tca::cli
