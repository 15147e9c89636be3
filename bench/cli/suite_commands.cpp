#include "bench/cli/suite_commands.h"

#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "bench/cli/options.h"
#include "bench/report/leaderboard.h"
#include "bench/report/report.h"
#include "bench/report/tidy_csv.h"

namespace tca::cli {

SuiteCommands::SuiteCommands(CLI::App& app)
    : suite_(app, "suite",
             "Run a benchmark grid (tasks x rules x hidden sizes) from a JSON config; resumable and shardable"),
      merge_(app, "merge", "Merge the cells of several suite folders (shards) into one"),
      leaderboard_(app, "leaderboard", "Aggregate a suite's cells into the leaderboard JSON and Markdown") {
  suite_.required("--config", config_path_, "The suite config (JSON; see suites/ and docs/suites.md)");
  suite_.option("--out-dir", options_.out_dir, "Folder of the results: one JSON file per cell in DIR/cells/");
  suite_.option("--shard", shard_, "Run only cells j with j % N == i (i/N, e.g. 3/16)");
  suite_.choice("--device", device_, {"cpu", "cuda", "auto"}, "cpu, cuda, or auto (the GPU when one is present)");
  suite_.flag("--force", options_.force, "Recompute cells written by another config instead of stopping");
  suite_.flag("--list", options_.list_only, "List this shard's cells and whether each is written; run nothing");
  suite_.flag("--quiet", options_.quiet, "Only one line per cell (no training or probe progress)");
  suite_.option("--max-hours", options_.max_hours,
                "Refuse to start when the cells to run are estimated to take longer than this (default: no limit)");
  suite_.flag("--go-on", options_.go_on, "Start whatever the estimated time (with --max-hours)");
  suite_.option("--jobs", jobs_, "Training runs of a cell computed at a time (on a GPU each on its own stream); 0: one per usable CPU");

  merge_.required("dirs", merge_dirs_, "Suite folders (or their cells/ folders) to merge");
  merge_.required("--out-dir", merge_out_, "Folder to merge into (cells go to DIR/cells/)");

  leaderboard_.option("--cells", cells_, "A suite folder or its cells/ folder");
  leaderboard_.text("--out", board_out_,
                     "The leaderboard JSON (results/schema/leaderboard.schema.json; default: leaderboard.json in the "
                     "suite folder, beside cells/; - for the standard output)");
  leaderboard_.text("--markdown", markdown_, "Write the Markdown tables to this file (default, or -: the standard output)");
  leaderboard_.text("--csv", csv_, "Also write every cell, run and metric as one tidy CSV table (- for the standard output)");
}

bool SuiteCommands::parsed() const { return suite_.parsed() || merge_.parsed() || leaderboard_.parsed(); }

int SuiteCommands::run() {
  if (suite_.parsed()) {
    if (options_.out_dir.empty()) throw std::invalid_argument("--out-dir: an empty path");
    options_.shard = parse_shard(shard_);
    options_.device = parse_device(device_);
    options_.jobs = parse_jobs(jobs_);
    const SuiteConfig config = load_suite_config(config_path_);
    std::ostream& progress = options_.list_only ? std::cout : std::cerr;
    report_long_windows(options_.quiet || options_.list_only);
    const SuiteSummary s = run_suite(config, options_, &progress);
    if (!options_.list_only)
      std::cerr << "suite: " << s.ran << " cells run, " << s.skipped << " already written, " << s.other_shards
                << " in other shards; cells in " << options_.out_dir << "/cells\n";
    return 0;
  }
  if (merge_.parsed()) {
    if (merge_out_.empty()) throw std::invalid_argument("--out-dir: an empty path");
    const MergeSummary s = merge_cells(merge_dirs_, merge_out_);
    std::cerr << "merge: " << s.copied << " cells copied, " << s.identical_duplicates
              << " identical duplicates; cells in " << merge_out_ << "/cells\n";
    return 0;
  }
  if (leaderboard_.parsed()) {
    // Into the suite folder unless told otherwise, never into the checkout: beside cells/.
    const std::string board_out =
        leaderboard_.given("--out") ? board_out_ : (suite_folder(cells_) / "leaderboard.json").string();
    const std::string markdown_out = markdown_.empty() ? "-" : markdown_;
    check_output_file(leaderboard_, "--out", board_out);
    check_output_file(leaderboard_, "--markdown", markdown_);
    if (leaderboard_.given("--csv")) check_output_file(leaderboard_, "--csv", csv_);
    const int to_stdout = (board_out == "-") + (markdown_out == "-") + (leaderboard_.given("--csv") && csv_ == "-");
    if (to_stdout > 1)
      throw std::invalid_argument("--out, --markdown and --csv: only one of them may be the standard output (-); "
                                  "--markdown is when not given a file");
    const std::vector<nlohmann::json> cells = read_cells(cells_folder(cells_));
    const nlohmann::json board = build_leaderboard(cells);
    write_output(board_out, board.dump(2) + "\n");
    write_output(markdown_out, leaderboard_markdown(board));
    if (leaderboard_.given("--csv")) write_output(csv_, tidy_csv(cells));
    if (board_out != "-") std::cerr << "leaderboard: " << board_out << '\n';
    return 0;
  }
  return 0;
}

std::unique_ptr<Command> suite_commands(CLI::App& app) { return std::make_unique<SuiteCommands>(app); }

}  // namespace tca::cli
