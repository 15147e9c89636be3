#include "bench/cli/command_line.h"

#include <CLI/CLI.hpp>

#include <sstream>

#include "bench/cli/options.h"

namespace tca::cli {

namespace {

// A list's text, split at commas; an empty entry is a CLI11 validation error naming the option.
std::vector<std::string> entries(const std::string& option, const std::string& text) {
  try {
    return split_list(text, option);
  } catch (const std::invalid_argument& e) {
    throw CLI::ValidationError(e.what());
  }
}

template <class T>
T entry_value(const std::string& option, const std::string& text) {
  T value{};
  if (!CLI::detail::lexical_cast(text, value)) throw CLI::ValidationError(option, "'" + text + "' is not a valid entry");
  return value;
}

template <class T>
std::string joined(const std::vector<T>& values) {
  std::ostringstream s;
  for (size_t i = 0; i < values.size(); ++i) s << (i ? "," : "") << values[i];
  return s.str();
}

// A comma-separated list option: its text is split and converted here, strictly.
template <class T>
void add_list(CLI::App* command, const std::string& flags, std::vector<T>& values, const std::string& help) {
  const std::string name = flags.substr(flags.rfind(',') == std::string::npos ? 0 : flags.rfind(',') + 1);
  command
      ->add_option_function<std::string>(
          flags,
          [&values, name](const std::string& text) {
            std::vector<T> parsed;
            for (const std::string& piece : entries(name, text)) parsed.push_back(entry_value<T>(name, piece));
            values = std::move(parsed);
          },
          help)
      ->default_str(joined(values));
}

}  // namespace

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
  add_list(command_, flags, values, help);
}

void CommandLine::list(const std::string& flags, std::vector<int>& values, const std::string& help) {
  add_list(command_, flags, values, help);
}

void CommandLine::list(const std::string& flags, std::vector<double>& values, const std::string& help) {
  add_list(command_, flags, values, help);
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
