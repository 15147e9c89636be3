#include "bench/cli/options.h"

#include <unistd.h>

#include <charconv>
#include <iostream>
#include <mutex>
#include <stdexcept>

#include "algorithms/window_progress.h"
#include "bench/experiments/parallel_runs.h"
#include "bench/report/report.h"

namespace tca::cli {

// "name=value" pairs into a map; throws on text without '='.
std::map<std::string, std::string> parse_pairs(const std::vector<std::string>& pairs, const std::string& option) {
  std::map<std::string, std::string> out;
  for (const std::string& p : pairs) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0)
      throw std::invalid_argument(option + " expects name=value, got '" + p + "'");
    out[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return out;
}

// "rule.name=value" pairs into {rule: {name: value}}.
std::map<std::string, std::map<std::string, std::string>> parse_rule_pairs(
    const std::vector<std::string>& pairs) {
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const auto& [key, value] : parse_pairs(pairs, "--algo-param")) {
    const auto dot = key.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == key.size())
      throw std::invalid_argument("--algo-param expects rule.name=value, got '" + key + "=" + value + "'");
    out[key.substr(0, dot)][key.substr(dot + 1)] = value;
  }
  return out;
}

// A seed as an unsigned 64-bit decimal: no sign, no overflow, nothing after the digits.
uint64_t parse_seed(const std::string& text, const std::string& option) {
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size())
    throw std::invalid_argument(option + " must be an integer in [0, 18446744073709551615], got '" + text + "'");
  return value;
}

Device parse_device(const std::string& name) {
  if (name == "cpu") return Device::cpu;
  if (name == "cuda") {
    if (!cuda_available())
#ifdef TCA_HAVE_CUDA
      throw std::invalid_argument("--device cuda: no CUDA device is present");
#else
      throw std::invalid_argument("--device cuda: this tcabench was built without the CUDA backend");
#endif
    return Device::cuda;
  }
  return cuda_available() ? Device::cuda : Device::cpu;  // auto
}

int parse_jobs(int given) {
  if (given < 0) throw std::invalid_argument("--jobs: must be 0 (one per usable CPU) or more, got " + std::to_string(given));
  return given == 0 ? default_jobs() : given;
}

void report_long_windows(bool quiet) {
  if (quiet) return set_window_progress({});
  static std::mutex lines;  // runs side by side share stderr
  WindowProgress progress;
  progress.sink = [](const std::string& line) {
    const std::lock_guard<std::mutex> lock(lines);
    std::cerr << line << '\n' << std::flush;
  };
  set_window_progress(progress);
}

void add_cost_options(CommandLine& command, double& max_hours, bool& go_on) {
  command.option("--max-hours", max_hours,
                 "Refuse to start when the estimated time exceeds this many hours (default 1; see --go-on)");
  command.flag("--go-on", go_on, "Start whatever the estimated time");
}

void check_max_hours(double max_hours) {
  if (!(max_hours > 0)) throw std::invalid_argument("--max-hours: must be positive, got " + std::to_string(max_hours));
}

void check_cost(const std::string& what, const CostEstimate& cost, double calibration_seconds, double max_hours,
                bool go_on, bool quiet) {
  check_max_hours(max_hours);
  if (!quiet)
    std::cerr << what << ": estimated " << describe(cost) << " (calibrated on this machine in "
              << describe_seconds(calibration_seconds) << ")\n" << std::flush;
  if (!go_on && cost.seconds > max_hours * 3600)
    throw std::invalid_argument(what + ": estimated " + describe_seconds(cost.seconds) + " (" + describe(cost) +
                                "), more than --max-hours " + describe_seconds(max_hours * 3600) +
                                "; raise --max-hours or pass --go-on to run it anyway");
}

// --model-param pairs of a command: the network's knobs (`tcabench models`). The rate model takes
// hidden, alpha and gain from --hidden, --alpha and --gain, which --model lif refuses.
void add_network_options(CommandLine& command, std::string& model, std::vector<std::string>& model_params,
                         int& hidden, double& alpha, double& gain) {
  command.choice("--model", model, {"rate", "lif"}, "Network: rate, or lif (spiking; see `tcabench models`)");
  command.repeatable("--model-param", model_params,
                     "Network knob name=value (repeatable; see `tcabench models`; the rate model's hidden, alpha "
                     "and gain are --hidden, --alpha, --gain)");
  command.option("--hidden", hidden, "Hidden units n (rate model)");
  command.option("--alpha", alpha, "Leak alpha in (0, 1] (rate model)");
  command.option("--gain", gain, "W_rec init scale: N(0, gain^2/n), or singular values gain (rate model)");
}

std::map<std::string, std::string> model_knobs(const CommandLine& command, const std::string& model,
                                               const std::vector<std::string>& pairs) {
  if (model == "lif") {
    for (const char* rate_only : {"--hidden", "--alpha", "--gain"})
      if (command.given(rate_only))
        throw std::invalid_argument(std::string(rate_only) +
                                    " applies to the rate model; the spiking network takes --model-param "
                                    "(see `tcabench models`)");
  }
  return parse_pairs(pairs, "--model-param");
}

std::vector<std::string> split_list(const std::string& text, const std::string& option) {
  std::vector<std::string> pieces(1);
  for (const char c : text) {
    if (c == ',') pieces.emplace_back();
    else pieces.back() += c;
  }
  for (const std::string& piece : pieces)
    if (piece.empty()) throw std::invalid_argument(option + ": an empty entry in '" + text + "'");
  return pieces;
}

void check_writable_folder(const std::filesystem::path& folder) {
  const std::filesystem::path dir = folder.empty() ? "." : folder;
  if (!std::filesystem::is_directory(dir) || access(dir.c_str(), W_OK) != 0)
    throw std::invalid_argument("cannot write into '" + dir.string() + "'");
}

std::ostream& table_stream(std::initializer_list<std::string> outputs) {
  for (const std::string& path : outputs)
    if (path == "-") return std::cerr;
  return std::cout;
}

void check_output_file(const CommandLine& command, const std::string& option, const std::string& path) {
  if (path.empty()) {
    if (command.given(option))
      throw std::invalid_argument(option + ": an empty path (give a file name, or - for the standard output)");
    return;
  }
  if (path == "-") return;
  try {
    check_replaceable(path);
  } catch (const std::runtime_error& e) {
    throw std::invalid_argument(option + ": " + e.what());
  }
  check_writable_folder(std::filesystem::path(path).parent_path());
}

}  // namespace tca::cli
