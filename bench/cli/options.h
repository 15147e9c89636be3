// Parsing shared by the commands: name=value pairs, seeds, devices, output folders.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <ostream>
#include <map>
#include <string>
#include <vector>

#include "bench/cli/command_line.h"
#include "bench/experiments/cost.h"
#include "kernels/tensor.h"

namespace tca::cli {

// "name=value" pairs into a map; throws on text without '='.
std::map<std::string, std::string> parse_pairs(const std::vector<std::string>& pairs, const std::string& option);
// "rule.name=value" pairs into {rule: {name: value}}.
std::map<std::string, std::map<std::string, std::string>> parse_rule_pairs(const std::vector<std::string>& pairs);
// A seed as an unsigned 64-bit decimal: no sign, no overflow, nothing after the digits.
uint64_t parse_seed(const std::string& text, const std::string& option = "--seed");
// cpu, cuda, or auto (the GPU when one is present); throws when cuda is not available.
Device parse_device(const std::string& name);
// --jobs: the runs to compute at a time; 0 is one per CPU this process may use
// (bench/experiments/parallel_runs.h). Throws std::invalid_argument on a negative number.
int parse_jobs(int given);
// Windows that run longer than 5 s print their step on stderr every 5 s
// (algorithms/window_progress.h); nothing when quiet.
void report_long_windows(bool quiet);
// The network options of probe and train: --model, its --model-param knobs (into model_params,
// parsed by model_knobs), and the rate model's --hidden, --alpha and --gain.
void add_network_options(CommandLine& command, std::string& model, std::vector<std::string>& model_params,
                         int& hidden, double& alpha, double& gain);
// --model-param pairs of a command: only with --model lif, which refuses the rate model's
// --hidden, --alpha and --gain.
std::map<std::string, std::string> model_knobs(const CommandLine& command, const std::string& model,
                                               const std::vector<std::string>& pairs);
// The comma-separated entries of an option's text; an empty entry ("a,,b", "a,", "") is an
// error naming the option.
std::vector<std::string> split_list(const std::string& text, const std::string& option);
// Throws unless `folder` (or the working directory when empty) is a writable directory.
void check_writable_folder(const std::filesystem::path& folder);
// Where a command's tables go: the standard output, or the standard error when one of its
// reports goes to the standard output ("-").
std::ostream& table_stream(std::initializer_list<std::string> outputs);
// Checks an output file option before any work: given empty is an error; "-" (the standard
// output) passes; otherwise what is at the path must be a regular file or nothing
// (check_replaceable: a symbolic link, device, FIFO or folder is refused) in a writable folder.
void check_output_file(const CommandLine& command, const std::string& option, const std::string& path);

// The cost check of probe and train: --max-hours (default kDefaultMaxHours) and --go-on.
constexpr double kDefaultMaxHours = 1.0;
void add_cost_options(CommandLine& command, double& max_hours, bool& go_on);
// Throws unless --max-hours is positive; before any calibration.
void check_max_hours(double max_hours);
// Prints "<what>: estimated <cost> (calibrated in <s>)" on stderr unless quiet, and refuses
// (std::invalid_argument, always) an estimate above max_hours unless go_on.
void check_cost(const std::string& what, const CostEstimate& cost, double calibration_seconds, double max_hours,
                bool go_on, bool quiet);

}  // namespace tca::cli
