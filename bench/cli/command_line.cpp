#include "bench/cli/command_line.h"

#include <CLI/CLI.hpp>

namespace tca::cli {

CommandLine::CommandLine(CLI::App& app, const std::string& name, const std::string& description)
    : command_(app.add_subcommand(name, description)) {}

void CommandLine::option(const std::string& flags, std::string& value, const std::string& help) {
  command_->add_option(flags, value, help)->capture_default_str();
}

void CommandLine::option(const std::string& flags, int& value, const std::string& help) {
  command_->add_option(flags, value, help)->capture_default_str();
}

void CommandLine::option(const std::string& flags, double& value, const std::string& help) {
  command_->add_option(flags, value, help)->capture_default_str();
}

void CommandLine::choice(const std::string& flags, std::string& value, const std::vector<std::string>& choices,
                         const std::string& help) {
  command_->add_option(flags, value, help)->check(CLI::IsMember(choices))->capture_default_str();
}

void CommandLine::repeatable(const std::string& flags, std::vector<std::string>& values, const std::string& help) {
  command_->add_option(flags, values, help);
}

void CommandLine::list(const std::string& flags, std::vector<std::string>& values, const std::string& help) {
  command_->add_option(flags, values, help)->delimiter(',')->capture_default_str();
}

void CommandLine::list(const std::string& flags, std::vector<int>& values, const std::string& help) {
  command_->add_option(flags, values, help)->delimiter(',')->capture_default_str();
}

void CommandLine::list(const std::string& flags, std::vector<double>& values, const std::string& help) {
  command_->add_option(flags, values, help)->delimiter(',')->capture_default_str();
}

void CommandLine::required(const std::string& flags, std::string& value, const std::string& help) {
  command_->add_option(flags, value, help)->required();
}

void CommandLine::required(const std::string& flags, std::vector<std::string>& values, const std::string& help) {
  command_->add_option(flags, values, help)->required();
}

void CommandLine::text(const std::string& flags, std::string& value, const std::string& help) {
  command_->add_option(flags, value, help);
}

void CommandLine::flag(const std::string& flags, bool& value, const std::string& help) {
  command_->add_flag(flags, value, help);
}

bool CommandLine::parsed() const { return command_->parsed(); }

bool CommandLine::given(const std::string& option) const { return command_->count(option) > 0; }

}  // namespace tca::cli
