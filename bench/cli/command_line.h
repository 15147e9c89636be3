// How a command declares its options: a small interface over one CLI11 subcommand. CLI11 is
// header-only and costs about ten seconds of compilation per file that includes it, so only
// command_line.cpp and main.cpp do; the command files see this header alone.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace tca::cli {

class CommandLine {
 public:
  // A new subcommand `name` of `app`.
  CommandLine(CLI::App& app, const std::string& name, const std::string& description);

  // An option bound to `value`; the value it holds now is shown as its default in --help.
  void option(const std::string& flags, std::string& value, const std::string& help);
  void option(const std::string& flags, int& value, const std::string& help);
  void option(const std::string& flags, double& value, const std::string& help);
  // An option whose value must be one of `choices`.
  void choice(const std::string& flags, std::string& value, const std::vector<std::string>& choices,
              const std::string& help);
  // An option that may be given several times (each value is appended); no default shown.
  void repeatable(const std::string& flags, std::vector<std::string>& values, const std::string& help);
  // A comma-separated list, its current value shown as the default.
  void list(const std::string& flags, std::vector<std::string>& values, const std::string& help);
  void list(const std::string& flags, std::vector<int>& values, const std::string& help);
  void list(const std::string& flags, std::vector<double>& values, const std::string& help);
  // An option without a default that must be given.
  void required(const std::string& flags, std::string& value, const std::string& help);
  void required(const std::string& flags, std::vector<std::string>& values, const std::string& help);
  // An optional text option without a default shown.
  void text(const std::string& flags, std::string& value, const std::string& help);
  void flag(const std::string& flags, bool& value, const std::string& help);

  // True when the command line named this subcommand.
  bool parsed() const;
  // True when the option was given on the command line.
  bool given(const std::string& option) const;

 private:
  CLI::App* command_;
};

}  // namespace tca::cli
