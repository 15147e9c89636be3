// The benchmark suite (bench/suite/suite.h) and its leaderboard (bench/report/leaderboard.h): strict config
// parsing, the cell order, resuming, sharding, merging, and the aggregation over seeds.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string>

#include "bench/report/leaderboard.h"
#include "bench/report/report.h"
#include "bench/report/report.h"
#include "bench/suite/suite.h"
#include "test_util.h"

namespace tca {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A grid small enough to run in a fraction of a second: 2 tasks x 2 rules x 2 sizes.
json tiny_config() {
  return json::parse(R"({
    "description": "test grid",
    "tasks": [
      {"id": "add-v0", "params": {"T": 8}, "metric": "ce", "better": "lower", "criterion": "ce<=0.7"},
      {"id": "dnms-v0", "name": "dnms-short", "params": {"D": "1"}, "metric": "accuracy", "better": "higher",
       "training": {"iterations": 2}}
    ],
    "algorithms": [{"id": "bptt"}, {"id": "uoro", "learning_rates": [0.01]}],
    "hidden": [3, 4],
    "seeds": [1, 2],
    "training": {"iterations": 3, "batch": 2, "eval_every": 2, "eval_batch": 8, "learning_rates": [0.01, 0.1]},
    "probe": {"samples": 3, "batch": 2, "data_batches": 2}
  })");
}

std::string fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(testing::TempDir()) / ("tca_suite_" + name);
  fs::remove_all(dir);
  return dir.string();
}

std::set<std::string> files_in(const std::string& dir) {
  std::set<std::string> names;
  if (!fs::is_directory(dir)) return names;
  for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
  return names;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// parse_suite_config must throw an invalid_argument whose message contains `mention`.
void expect_config_error(const json& config, const std::string& mention) {
  try {
    parse_suite_config(config, "cfg.json");
    ADD_FAILURE() << "no error for " << config.dump() << " (expected one mentioning " << mention << ")";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(mention), std::string::npos) << e.what();
  }
}

TEST(SuiteConfig, ParsesTheDocumentedKeysWithTheirDefaults) {
  const SuiteConfig c = parse_suite_config(tiny_config());
  ASSERT_EQ(c.tasks.size(), 2u);
  EXPECT_EQ(c.tasks[0].name, "add-v0");  // the id unless named
  EXPECT_EQ(c.tasks[0].params.at("T"), "8");  // numbers become parameter text
  EXPECT_FALSE(c.tasks[0].higher_is_better);
  EXPECT_EQ(c.tasks[0].training.criterion.to_string(), "ce<=0.7");
  EXPECT_EQ(c.tasks[0].training.iterations, 3);
  EXPECT_EQ(c.tasks[1].name, "dnms-short");
  EXPECT_EQ(c.tasks[1].training.iterations, 2);  // the task's override
  EXPECT_EQ(c.tasks[1].training.eval_batch, 8);  // the rest from the suite's training settings
  EXPECT_EQ(c.algorithms[1].learning_rates, std::vector<double>({0.01}));
  EXPECT_EQ(c.probe.samples, 3);
  EXPECT_EQ(c.probe.checkpoints, std::vector<int>({0}));  // default
  const SuiteCell cell = suite_cells(c)[0];
  EXPECT_EQ(cell_train_config(cell, c, Device::cpu).learning_rates, std::vector<double>({0.01, 0.1}));
  EXPECT_EQ(cell_train_config(suite_cells(c)[2], c, Device::cpu).learning_rates, std::vector<double>({0.01}));
}

TEST(SuiteConfig, TheOnlineRegimeSetsItsDefaultsWhereTheSameObjectIsSilent) {
  json config = tiny_config();
  config["algorithms"] = json::array({{{"id", "rtrl"}}});
  config["tasks"][0]["training"] = {{"regime", "online"}, {"align_every", 5}};
  config["tasks"][1]["training"] = {{"regime", "online"}, {"optimizer", "adam"}, {"batch", 4}};
  const SuiteConfig c = parse_suite_config(config);
  const TrainConfig& online = c.tasks[0].training;
  EXPECT_EQ(online.regime, Regime::online);
  EXPECT_EQ(online.update, UpdateSchedule::step);
  EXPECT_EQ(online.optimizer, Optimizer::sgd);
  EXPECT_EQ(online.clip, 0.0);
  EXPECT_EQ(online.batch, 1);
  EXPECT_EQ(online.align_every, 5);
  EXPECT_EQ(online.eval_batch, 8);  // the rest from the suite's training settings
  EXPECT_EQ(c.tasks[1].training.optimizer, Optimizer::adam);  // given beside the regime: kept
  EXPECT_EQ(c.tasks[1].training.batch, 4);
  EXPECT_EQ(cell_train_config(suite_cells(c)[0], c, Device::cpu).to_json().at("regime"), "online");
  // A batched config's JSON (and so its cells' hashes) holds no regime key.
  EXPECT_FALSE(cell_train_config(suite_cells(parse_suite_config(tiny_config()))[0], parse_suite_config(tiny_config()),
                                 Device::cpu).to_json().contains("regime"));
  config["tasks"][1]["training"]["update"] = "window";
  expect_config_error(config, "the online regime updates after every step");
}

TEST(SuiteConfig, RejectsUnknownKeysWrongTypesAndBadValuesByName) {
  auto with = [](const std::string& pointer, const json& value) {
    json c = tiny_config();
    c[json::json_pointer(pointer)] = value;
    return c;
  };
  auto without = [](const std::string& parent, const std::string& key) {
    json c = tiny_config();
    c[json::json_pointer(parent)].erase(key);
    return c;
  };
  expect_config_error(with("/hiden", json::array({3})), "unknown key 'hiden'");
  expect_config_error(with("/tasks/0/iterations", 3), "tasks[0]: unknown key 'iterations'");
  expect_config_error(with("/training/iteration", 3), "training: unknown key 'iteration'");
  expect_config_error(with("/tasks/1/training/lr", 3), "tasks[1].training: unknown key 'lr'");
  expect_config_error(with("/algorithms/0/param", json::object()), "algorithms[0]: unknown key 'param'");
  expect_config_error(with("/probe/sample", 3), "probe: unknown key 'sample'");
  expect_config_error(without("/tasks/0", "metric"), "missing required key 'metric'");
  expect_config_error(without("/tasks/0", "better"), "missing required key 'better'");
  expect_config_error(without("", "seeds"), "missing required key 'seeds'");
  expect_config_error(with("/tasks/0/metric", "accuracy"), "has no metric 'accuracy'");
  expect_config_error(with("/tasks/0/better", "more"), "higher, lower");
  expect_config_error(with("/tasks/0/criterion", "ce"), "criterion");
  expect_config_error(with("/tasks/0/criterion", "accuracy>=0.9"), "has no metric 'accuracy'");
  expect_config_error(with("/tasks/0/id", "nope-v0"), "valid ids");
  expect_config_error(with("/tasks/0/params/delay", 3), "unknown parameter 'delay'");
  expect_config_error(with("/tasks/0/params/T", true), "must be a string or a number");
  expect_config_error(with("/tasks/1/name", "add-v0"), "a second task named 'add-v0'");
  expect_config_error(with("/tasks/0/name", "a/b"), "letters, digits");
  expect_config_error(with("/algorithms/0/id", "bptx"), "bptt");  // lists the valid rules
  expect_config_error(with("/algorithms/1/params", {{"epsilon", "x"}}), "epsilon");
  expect_config_error(with("/algorithms/1/name", "bptt"), "a second rule named 'bptt'");
  expect_config_error(with("/algorithms/1/learning_rates", json::array({0.1, -1})), "learning_rates[1]");
  expect_config_error(with("/algorithms/1/learning_rates", json::array()), "non-empty array");
  expect_config_error(with("/hidden", json::array({3, "4"})), "hidden[1] must be an integer");
  expect_config_error(with("/hidden", json::array({3, 3})), "must not repeat");
  expect_config_error(with("/hidden", json::array({0})), "hidden[0] must lie in [1, 4096]");
  expect_config_error(with("/seeds", json::array({1, -2})), "seeds[1]");
  expect_config_error(with("/seeds", json::array({5, 5})), "must not repeat a seed");
  expect_config_error(with("/training/iterations", 2.5), "training.iterations must be an integer");
  expect_config_error(with("/training/optimizer", "lion"), "adam, sgd");
  expect_config_error(with("/training/update", "step"), "cannot update after every step");  // bptt
  expect_config_error(with("/training/regime", "online"), "cannot update after every step");  // bptt again
  expect_config_error(with("/training/regime", "streaming"), "batched, online");
  expect_config_error(with("/training/stop_at_criterion", 1), "must be true or false");
  expect_config_error(with("/training/confirm_batch", 64), "need the task's criterion");  // dnms-short has none
  expect_config_error(with("/training/alpha", 0), "training.alpha");
  expect_config_error(with("/probe/data_batches", 1), "data_batches");
  expect_config_error(with("/probe/checkpoints", json::array({5, 2})), "increasing");
  expect_config_error(json::array(), "must be a JSON object");
  expect_config_error(with("/algorithms/0/model", "hh"), "algorithms[0].model must be");
  expect_config_error(with("/algorithms/0/model_params", {{"tau_v", "30"}}), "unknown parameter 'tau_v'");
  expect_config_error(with("/algorithms/0/model_params", {{"gain", "2"}}), "the rate network's gain comes from");
}

TEST(Suite, RunsSpikingCellsWithTheHiddenSizeSplitIntoLifAndAlif) {
  json config = tiny_config();
  config["tasks"] = json::array({config["tasks"][1]});
  config["algorithms"] = json::parse(R"([
    {"id": "eprop_random", "name": "eprop-lif", "model": "lif", "model_params": {"tau_a": 200}},
    {"id": "bptt", "name": "bptt-lif", "model": "lif"}])");
  config["hidden"] = json::array({5});
  auto with_model_param = [&](const char* key) {
    json c = config;
    c["algorithms"][0]["model_params"][key] = 3;
    return c;
  };
  expect_config_error(with_model_param("n_lif"), "come from the suite's hidden sizes");
  expect_config_error(with_model_param("tau_nope"), "tau_nope");
  json online = config;
  online["training"]["update"] = "step";
  expect_config_error(online, "cannot update after every step");

  const SuiteConfig c = parse_suite_config(config);
  const TrainConfig t = cell_train_config(suite_cells(c)[0], c, Device::cpu);
  EXPECT_EQ(t.model, "lif");
  EXPECT_EQ(t.model_params.at("n_lif"), "2");
  EXPECT_EQ(t.model_params.at("n_alif"), "3");
  EXPECT_EQ(t.model_params.at("tau_a"), "200");
  SuiteOptions o;
  o.out_dir = fresh_dir("lif");
  o.quiet = true;
  EXPECT_EQ(run_suite(c, o, nullptr).ran, 2);
  const json doc = json::parse(read_file(o.out_dir + "/cells/dnms-short.eprop-lif.n5.json"));
  EXPECT_EQ(doc["config"]["algorithm"]["model"], "lif");
  EXPECT_EQ(doc["train"]["network"]["n"], 5);
  EXPECT_EQ(doc["probe"]["network"]["model"], "lif");
}

TEST(SuiteConfig, LoadingNamesTheFileAndItsJsonErrors) {
  const std::string dir = fresh_dir("load");
  fs::create_directories(dir);
  const std::string path = dir + "/bad.json";
  std::ofstream(path) << "{\"tasks\": [";
  try {
    load_suite_config(path);
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": not JSON"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_suite_config(dir + "/missing.json"), std::invalid_argument);
}

TEST(SuiteCells, FollowTheDocumentedOrderAndShardsPartitionThem) {
  const SuiteConfig c = parse_suite_config(tiny_config());
  const std::vector<SuiteCell> cells = suite_cells(c);
  ASSERT_EQ(cells.size(), 8u);
  const char* expected[] = {"add-v0.bptt.n3.json",     "add-v0.bptt.n4.json",     "add-v0.uoro.n3.json",
                            "add-v0.uoro.n4.json",     "dnms-short.bptt.n3.json", "dnms-short.bptt.n4.json",
                            "dnms-short.uoro.n3.json", "dnms-short.uoro.n4.json"};
  for (size_t i = 0; i < cells.size(); ++i) {
    EXPECT_EQ(cells[i].index, static_cast<int>(i));
    EXPECT_EQ(cells[i].file_name(), expected[i]);
  }
  for (int count : {1, 2, 3, 5, 9}) {
    std::vector<int> owners(cells.size(), 0);
    for (int i = 0; i < count; ++i) {
      const Shard s = parse_shard(std::to_string(i) + "/" + std::to_string(count));
      for (const SuiteCell& cell : cells) owners[cell.index] += s.contains(cell.index);
    }
    for (int o : owners) EXPECT_EQ(o, 1) << "N = " << count;  // every cell in exactly one shard
  }
  for (const char* bad : {"2/2", "1", "/2", "1/", "-1/2", "1/0", "a/b", "1/2x", " 1/2"})
    EXPECT_THROW(parse_shard(bad), std::invalid_argument) << bad;
}

TEST(SuiteCells, ATaskRunsOnlyTheRulesItNames) {
  json config = tiny_config();
  config["tasks"][1]["rules"] = json::array({"uoro"});
  const SuiteConfig c = parse_suite_config(config);
  std::vector<std::string> names;
  for (const SuiteCell& cell : suite_cells(c)) names.push_back(cell.file_name());
  EXPECT_EQ(names, (std::vector<std::string>{"add-v0.bptt.n3.json", "add-v0.bptt.n4.json", "add-v0.uoro.n3.json",
                                             "add-v0.uoro.n4.json", "dnms-short.uoro.n3.json",
                                             "dnms-short.uoro.n4.json"}));
  // An online task may keep out the rules that cannot update online; naming one is an error.
  config["tasks"][1]["training"]["regime"] = "online";
  EXPECT_EQ(suite_cells(parse_suite_config(config)).size(), 6u);
  config["tasks"][1]["rules"] = json::array({"uoro", "bptt"});
  expect_config_error(config, "bptt cannot update after every step");
  config["tasks"][1]["rules"] = json::array({"uoro", "rflo"});
  expect_config_error(config, "tasks[1].rules: no rule named 'rflo'");
  config["tasks"][1]["rules"] = json::array({"uoro", "uoro"});
  expect_config_error(config, "tasks[1].rules[1]: 'uoro' named twice");
  config["tasks"][1]["rules"] = json::array();
  expect_config_error(config, "tasks[1].rules must be a non-empty array");
  config["tasks"][1]["rules"] = json::array({3});
  expect_config_error(config, "tasks[1].rules[0] must be a rule's name");
}

TEST(Leaderboard, MarksTheRulesThatBeatTheReadoutOnlyBaseline) {
  json config = tiny_config();
  config["tasks"] = json::array({config["tasks"][0]});
  config["algorithms"] = json::array({{{"id", "bptt"}}, {{"id", "readout_only"}}, {{"id", "random_gradient"}}});
  config["hidden"] = json::array({3});
  config["training"]["curvature_batch"] = 4;
  SuiteOptions o;
  o.out_dir = fresh_dir("baseline_marks");
  o.quiet = true;
  run_suite(parse_suite_config(config), o, nullptr);
  const json board = build_leaderboard(read_cells(o.out_dir + "/cells"));
  const json& entries = board["tasks"][0]["entries"];
  ASSERT_EQ(entries.size(), 3u);
  const json* baseline = nullptr;
  for (const json& e : entries)
    if (e["algorithm"] == "readout_only") baseline = &e;
  ASSERT_NE(baseline, nullptr);
  EXPECT_TRUE((*baseline)["beats_readout_only"].is_null());
  for (const json& e : entries) {
    if (&e == baseline) continue;
    bool beats = true;  // lower ce is better: the median below every seed of the baseline
    for (const json& v : (*baseline)["metric"]["values"]) beats = beats && e["metric"]["median"].get<double>() < v.get<double>();
    EXPECT_EQ(e["beats_readout_only"], beats) << e["rule"];
    EXPECT_EQ(e["model"], "rate");
  }
  for (const json& e : entries) {  // every seed measured where its run ended
    EXPECT_EQ(e["top_hessian_eigenvalue"]["count"], 2) << e["rule"];
    EXPECT_EQ(e["generalization_gap"]["count"], 2) << e["rule"];
  }
  // A baseline counts only for its own network: the same id and the same knobs.
  config["algorithms"] = json::array({{{"id", "eprop"}, {"name", "eprop-lif"}, {"model", "lif"},
                                       {"model_params", {{"tau_out", "5"}}}},
                                      {{"id", "readout_only"}, {"name", "readout_only-lif"}, {"model", "lif"}}});
  config["hidden"] = json::array({4});
  o.out_dir = fresh_dir("baseline_marks_lif");
  run_suite(parse_suite_config(config), o, nullptr);
  const json lif = build_leaderboard(read_cells(o.out_dir + "/cells"));
  for (const json& e : lif["tasks"][0]["entries"]) {
    EXPECT_TRUE(e["beats_readout_only"].is_null()) << e["rule"];  // eprop-lif's network has another tau_out
    if (e["rule"] == "eprop-lif") EXPECT_EQ(e["model_params"]["tau_out"], "5");
  }
  const std::string table = leaderboard_markdown(board);
  EXPECT_NE(table.find("| beats readout_only |"), std::string::npos);
  EXPECT_NE(table.find("| λ_max(H) at the end | test − train loss |"), std::string::npos);
}

TEST(Suite, ResumesSkippingWrittenCellsAndRedoingOnlyMissingOnes) {
  const SuiteConfig c = parse_suite_config(tiny_config());
  SuiteOptions o;
  o.out_dir = fresh_dir("resume");
  o.quiet = true;
  const SuiteSummary first = run_suite(c, o, nullptr);
  EXPECT_EQ(first.ran, 8);
  const std::string cells = o.out_dir + "/cells";
  ASSERT_EQ(files_in(cells).size(), 8u);
  const std::string kept = read_file(cells + "/add-v0.uoro.n3.json");
  const json doc = json::parse(kept);
  EXPECT_EQ(doc["kind"], "suite_cell");
  EXPECT_EQ(doc["cell"]["rule"], "uoro");
  EXPECT_EQ(doc["config_hash"], config_hash(doc["config"]));
  EXPECT_EQ(doc["train"]["runs"].size(), 2u);  // 2 seeds x its own grid of 1 rate
  EXPECT_EQ(doc["probe"]["checkpoints"][0]["algorithms"][0]["samples"], 3);

  const SuiteSummary second = run_suite(c, o, nullptr);
  EXPECT_EQ(second.ran, 0);
  EXPECT_EQ(second.skipped, 8);

  fs::remove(cells + "/dnms-short.bptt.n4.json");
  const SuiteSummary third = run_suite(c, o, nullptr);
  EXPECT_EQ(third.ran, 1);
  EXPECT_EQ(third.skipped, 7);
  EXPECT_EQ(files_in(cells).size(), 8u);
  EXPECT_EQ(read_file(cells + "/add-v0.uoro.n3.json"), kept);  // untouched

  // Another config over the same folder stops before running anything, unless forced.
  json changed = tiny_config();
  changed["training"]["iterations"] = 4;
  const SuiteConfig other = parse_suite_config(changed);
  try {
    run_suite(other, o, nullptr);
    ADD_FAILURE() << "no error for cells of another config";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_file(cells + "/add-v0.uoro.n3.json"), kept);
  // A file that is not a cell is an error too.
  std::ofstream(cells + "/add-v0.bptt.n3.json") << "{\"half\": ";
  EXPECT_THROW(run_suite(c, o, nullptr), std::invalid_argument);
  o.force = true;
  const SuiteSummary forced = run_suite(other, o, nullptr);
  EXPECT_EQ(forced.ran, 4);      // the add-v0 cells
  EXPECT_EQ(forced.skipped, 4);  // dnms-short overrides the iterations: its cells are unchanged
  EXPECT_NE(read_file(cells + "/add-v0.uoro.n3.json"), kept);
}

TEST(Suite, ShardsWriteDisjointCellsWhoseMergeIsTheWholeGrid) {
  const SuiteConfig c = parse_suite_config(tiny_config());
  SuiteOptions o;
  o.quiet = true;
  const std::string base = fresh_dir("shards");
  std::set<std::string> all;
  std::vector<std::string> dirs;
  for (int i = 0; i < 3; ++i) {
    o.out_dir = base + "/shard" + std::to_string(i);
    o.shard = parse_shard(std::to_string(i) + "/3");
    const SuiteSummary s = run_suite(c, o, nullptr);
    EXPECT_EQ(s.ran + s.other_shards, 8);
    for (const std::string& name : files_in(o.out_dir + "/cells")) {
      EXPECT_TRUE(all.insert(name).second) << name << " written by two shards";
      EXPECT_EQ(json::parse(read_file(o.out_dir + "/cells/" + name))["cell"]["index"].get<int>() % 3, i);
    }
    dirs.push_back(o.out_dir);
  }
  std::set<std::string> expected;
  for (const SuiteCell& cell : suite_cells(c)) expected.insert(cell.file_name());
  EXPECT_EQ(all, expected);

  const std::string merged = base + "/merged";
  MergeSummary m = merge_cells(dirs, merged);
  EXPECT_EQ(m.copied, 8);
  EXPECT_EQ(files_in(merged + "/cells"), expected);
  // Merging again, or a folder twice: identical duplicates are fine.
  m = merge_cells({dirs[0], dirs[0] + "/cells", merged}, merged);
  EXPECT_EQ(m.copied, 0);
  EXPECT_GT(m.identical_duplicates, 0);
  // The merged folder resumes as a complete run.
  o.out_dir = merged;
  o.shard = Shard{};
  EXPECT_EQ(run_suite(c, o, nullptr).skipped, 8);
}

TEST(Suite, MergeRefusesConflictingCellsAndCopiesNothingThen) {
  const SuiteConfig c = parse_suite_config(tiny_config());
  SuiteOptions o;
  o.quiet = true;
  const std::string base = fresh_dir("conflict");
  o.out_dir = base + "/a";
  o.shard = parse_shard("0/4");
  run_suite(c, o, nullptr);
  const std::string name = "add-v0.bptt.n3.json";  // cell 0: in shard 0/4
  ASSERT_TRUE(fs::exists(o.out_dir + "/cells/" + name));

  // The same cell computed again elsewhere: its timings, memory and machine differ, its results
  // do not. That is the same cell: the first copy is kept.
  fs::create_directories(base + "/b/cells");
  json again = json::parse(read_file(o.out_dir + "/cells/" + name));
  again["wall_seconds"] = again["wall_seconds"].get<double>() + 1;
  again["train"]["runs"][0]["steps_per_second"] = 1.0;
  again["machine"]["hostname"] = "elsewhere";
  std::ofstream(base + "/b/cells/" + name) << again.dump(2) << "\n";
  MergeSummary same = merge_cells({base + "/a", base + "/b"}, base + "/same");
  EXPECT_EQ(same.copied, static_cast<int>(files_in(o.out_dir + "/cells").size()));
  EXPECT_EQ(same.identical_duplicates, 1);
  EXPECT_EQ(read_file(base + "/same/cells/" + name), read_file(o.out_dir + "/cells/" + name));

  // A result that differs: the cell was computed twice, differently.
  again["train"]["runs"][0]["test_loss"] = again["train"]["runs"][0]["test_loss"].get<double>() + 1e-9;
  std::ofstream(base + "/b/cells/" + name) << again.dump(2) << "\n";
  try {
    merge_cells({base + "/a", base + "/b"}, base + "/out");
    ADD_FAILURE() << "no conflict reported";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("computed twice"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(files_in(base + "/out/cells").empty());  // nothing copied

  // A cell of another config.
  again["config_hash"] = "0123456789abcdef";
  std::ofstream(base + "/b/cells/" + name) << again.dump(2) << "\n";
  try {
    merge_cells({base + "/a", base + "/b"}, base + "/out");
    ADD_FAILURE() << "no conflict reported";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("different configs"), std::string::npos) << e.what();
  }
  // A conflict with what the output folder already holds.
  merge_cells({base + "/b"}, base + "/out");
  EXPECT_THROW(merge_cells({base + "/a"}, base + "/out"), std::invalid_argument);
  // Something that is not a cell.
  std::ofstream(base + "/b/cells/junk.json") << "[1, 2]";
  EXPECT_THROW(merge_cells({base + "/b"}, base + "/other"), std::invalid_argument);
  EXPECT_THROW(merge_cells({base + "/nowhere"}, base + "/other"), std::invalid_argument);
  EXPECT_THROW(merge_cells({}, base + "/other"), std::invalid_argument);
}

TEST(SeedInterval, MedianAndOrderStatisticIntervalWithItsCoverage) {
  SeedInterval s = seed_interval({3, 1, 2});
  EXPECT_EQ(s.count, 3);
  EXPECT_EQ(s.median, 2);
  EXPECT_EQ(s.lo, 1);
  EXPECT_EQ(s.hi, 3);
  EXPECT_DOUBLE_EQ(s.coverage, 0.75);  // 1 - 2 / 2^3
  s = seed_interval({4, 1, 3, 2});
  EXPECT_EQ(s.median, 2.5);
  EXPECT_DOUBLE_EQ(s.coverage, 0.875);
  s = seed_interval({5, 3, 1, 2, 4, 6});  // k = 6: min-max covers 1 - 2/64 >= 0.95; ranks 2..5 would not
  EXPECT_EQ(s.median, 3.5);
  EXPECT_EQ(s.lo, 1);
  EXPECT_EQ(s.hi, 6);
  EXPECT_DOUBLE_EQ(s.coverage, 1 - 2.0 / 64);
  s = seed_interval({10, 9, 8, 7, 6, 5, 4, 3, 2, 1});  // k = 10: r = 2 covers 1 - 2 * 11/1024
  EXPECT_EQ(s.median, 5.5);
  EXPECT_EQ(s.lo, 2);
  EXPECT_EQ(s.hi, 9);
  EXPECT_DOUBLE_EQ(s.coverage, 1 - 2 * 11.0 / 1024);
  std::vector<double> many(20);
  for (int i = 0; i < 20; ++i) many[i] = i;
  s = seed_interval(many);  // k = 20: r = 6 covers 1 - 2 * P(X <= 5) = 0.9586
  EXPECT_EQ(s.lo, 5);
  EXPECT_EQ(s.hi, 14);
  EXPECT_NEAR(s.coverage, 0.958611, 1e-6);
  const double inf = std::numeric_limits<double>::infinity();
  s = seed_interval({inf, 3, inf});  // most runs never met the criterion
  EXPECT_EQ(s.median, inf);
  EXPECT_EQ(s.lo, 3);
  s = seed_interval({7});
  EXPECT_EQ(s.median, 7);
  EXPECT_EQ(s.coverage, 0);
  EXPECT_EQ(seed_interval({}).count, 0);
}

// A synthetic cell with known test metrics: seeds 1..3 at the best rate 0.1 (values given)
// and a worse rate 0.01 whose values must be ignored.
json synthetic_cell(const std::string& rule, int hidden, int index, std::vector<double> metric,
                    std::vector<bool> diverged, std::vector<json> steps) {
  json runs = json::array();
  for (double lr : {0.01, 0.1}) {
    for (size_t s = 0; s < metric.size(); ++s) {
      const double m = lr == 0.1 ? metric[s] : -100.0;
      json curve = json::array();
      for (int it : {0, 5, 10})
        curve.push_back({{"iteration", it},
                         {"train_loss", nullptr},
                         {"validation_loss", 10.0 - it - static_cast<double>(s)},
                         {"validation_metrics", {{"accuracy", 0.5 + 0.01 * it + 0.1 * static_cast<double>(s)}}}});
      runs.push_back({{"learning_rate", lr},
                      {"seed", s + 1},
                      {"diverged", lr == 0.1 && diverged[s]},
                      {"steps_to_criterion", lr == 0.1 ? steps[s] : json(nullptr)},
                      {"test_loss", 2 * m},
                      {"test_metrics", {{"accuracy", m}, {"chance", 0.5}}},
                      {"steps_per_second", 1000.0 * static_cast<double>(s + 1)},
                      {"state_bytes", 4096},
                      {"peak_rss_bytes", 1000000 * (s + 1)},
                      {"curve", curve}});
    }
  }
  json stats = {{"samples", 8}, {"rel_bias", 0.3}, {"rel_bias_debiased", 0.1}, {"rel_bias_ci95", {0.0, 0.2}},
                {"bias_interval_contains_zero", true}, {"rel_variance", 2.0}, {"rel_variance_ci95", {1.0, 3.0}},
                {"cosine_of_mean", 0.9}, {"cosine_of_mean_ci95", {0.8, 1.0}}, {"mean_cosine", 0.4},
                {"mean_cosine_ci95", {0.3, 0.5}}, {"norm_ratio", 1.1}, {"reference_norm", 3.0},
                {"notes", json::array()}};
  json all = stats;  // all parameters: the readout makes the estimate look better aligned
  all["cosine_of_mean"] = 0.99;
  return {{"schema_version", 1},
          {"kind", "suite_cell"},
          {"cell", {{"index", index}, {"file", rule + ".json"}, {"task", "dnms-v0"}, {"task_id", "dnms-v0"},
                    {"rule", rule}, {"algorithm", "uoro"}, {"hidden", hidden}, {"metric", "accuracy"},
                    {"better", "higher"}}},
          {"config_hash", "00000000000000aa"},
          {"git_commit", "abc"},
          {"backend", {{"device", "cpu"}, {"precision", "float"}}},
          {"device_name", "test CPU"},
          {"peak_rss_per_cell", true},
          {"train", {{"config", {{"learning_rates", {0.01, 0.1}}, {"criterion", "accuracy>=0.9"},
                                 {"task_config", {{"D", "10"}}}, {"iterations", 10}, {"batch", 4}}},
                     {"network", {{"T", 29}}},
                     {"algorithm", {{"config", {{"epsilon", "1e-07"}}}}},
                     {"summary", {{"learning_rate", 0.1}}},
                     {"runs", runs}}},
          {"probe", {{"schema_version", kProbeSchemaVersion},
                     {"checkpoints",
                      json::array({{{"step", 0},
                                    {"reference_loss", 20.0},
                                    {"data_floor", {{"batches", 4}, {"rel_variance", 0.01}, {"recurrent_rel_variance", 0.05}}},
                                    {"algorithms", json::array({{{"samples", 8},
                                                                 {"stochastic", true},
                                                                 {"recurrent", stats},
                                                                 {"total", all}}})}}})}}}};
}

TEST(Leaderboard, AggregatesKnownCellsOverSeedsAtTheBestRate) {
  const json nil = nullptr;
  const std::vector<json> cells = {
      synthetic_cell("low", 8, 0, {0.6, 0.7, 0.8}, {false, false, false}, {nil, 10, 5}),
      synthetic_cell("high", 8, 1, {0.9, 0.95, 0.2}, {false, false, true}, {5, 5, 5}),
      synthetic_cell("wide", 16, 2, {0.1, 0.2, 0.3}, {false, false, false}, {nil, nil, nil}),
      // The same median and worst seed as "low", but faster to the criterion: ranked before it.
      synthetic_cell("tied", 8, 3, {0.75, 0.7, 0.6}, {false, false, false}, {5, 5, 5})};
  const json board = build_leaderboard(cells);
  ASSERT_EQ(board["tasks"].size(), 1u);
  const json& task = board["tasks"][0];
  EXPECT_EQ(task["metric"], "accuracy");
  EXPECT_EQ(task["landmarks"], json({{"chance", 0.5}}));  // the same in every run
  ASSERT_EQ(task["entries"].size(), 4u);
  // n = 8 first, ranked by median accuracy (higher is better), then n = 16.
  const json& high = task["entries"][0];
  const json& low = task["entries"][2];
  EXPECT_EQ(high["rule"], "high");
  EXPECT_EQ(high["rank"], 1);
  EXPECT_EQ(task["entries"][1]["rule"], "tied");
  EXPECT_EQ(task["entries"][1]["rank"], 2);
  EXPECT_EQ(low["rule"], "low");
  EXPECT_EQ(low["rank"], 3);
  EXPECT_EQ(task["entries"][3]["rule"], "wide");
  EXPECT_EQ(task["entries"][3]["rank"], 1);

  EXPECT_DOUBLE_EQ(low["metric"]["median"].get<double>(), 0.7);
  EXPECT_EQ(low["metric"]["interval"], json::array({0.6, 0.8}));
  EXPECT_DOUBLE_EQ(low["metric"]["coverage"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(low["test_loss"]["median"].get<double>(), 1.4);
  EXPECT_EQ(low["learning_rate"], 0.1);
  EXPECT_EQ(low["seeds"], json::array({1, 2, 3}));
  // Steps to criterion: the unreached run counts as +inf, so the median is the larger one.
  EXPECT_EQ(low["steps_to_criterion"]["reached"], 2);
  EXPECT_EQ(low["steps_to_criterion"]["steps"]["median"], 10.0);
  EXPECT_TRUE(low["steps_to_criterion"]["steps"]["interval"][1].is_null());
  EXPECT_EQ(low["steps_per_second"]["median"], 2000.0);
  EXPECT_EQ(low["peak_rss_bytes"], 3000000);
  // Learning curve: the median over seeds at each evaluation.
  EXPECT_EQ(low["learning_curve"]["iterations"], json::array({0, 5, 10}));
  EXPECT_NEAR(low["learning_curve"]["validation_metric"][1].get<double>(), 0.65, 1e-12);
  EXPECT_NEAR(low["learning_curve"]["validation_loss"][2].get<double>(), -1.0, 1e-12);
  // A diverged run is counted, and left out of the spreads.
  EXPECT_EQ(high["diverged_runs"], 1);
  EXPECT_EQ(high["metric"]["count"], 2);
  EXPECT_DOUBLE_EQ(high["metric"]["median"].get<double>(), 0.925);
  // The gradient columns come from the probe: the recurrent parameters, and all of them beside.
  EXPECT_EQ(low["gradient"][0]["recurrent"]["rel_bias_debiased"], 0.1);
  EXPECT_EQ(low["gradient"][0]["recurrent"]["rel_variance_ci95"], json::array({1.0, 3.0}));
  EXPECT_EQ(low["gradient"][0]["recurrent"]["data_floor_rel_variance"], 0.05);
  EXPECT_EQ(low["gradient"][0]["recurrent"]["cosine_of_mean"], 0.9);
  EXPECT_EQ(low["gradient"][0]["all"]["cosine_of_mean"], 0.99);
  EXPECT_EQ(low["gradient"][0]["all"]["data_floor_rel_variance"], 0.01);
  EXPECT_EQ(board["git_commits"], json::array({"abc"}));
  EXPECT_EQ(board["devices"], json::array({"cpu (test CPU)"}));

  const std::string md = leaderboard_markdown(board);
  EXPECT_NE(md.find("| 1 | `high` | 8 | 0.925 [0.9, 0.95] (1 of 3 diverged) | tie (1) |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 3 | `low` | 8 | 0.7 [0.6, 0.8] | – | 2/3 reached, median 10 |"), std::string::npos) << md;
  // The diverged seed of "high" counts as its worst: + 0.15, + 0.25 and - (worst) against "tied".
  EXPECT_EQ(high["metric_by_seed"], json::array({0.9, 0.95, nullptr}));
  EXPECT_EQ(high["lead_over_next"]["rule"], "tied");
  EXPECT_EQ(high["lead_over_next"]["seeds"], 3);
  EXPECT_DOUBLE_EQ(high["lead_over_next"]["p_value"].get<double>(), 1.0);
  EXPECT_TRUE(low["lead_over_next"].is_null());  // last of its ranking
  EXPECT_NE(md.find("coverage 75%"), std::string::npos) << md;

  json broken = cells[0];
  broken["train"].erase("runs");
  EXPECT_THROW(build_leaderboard({broken}), std::invalid_argument);
}

TEST(Leaderboard, SaysWhetherALeadHoldsAcrossSeeds) {
  std::vector<double> ahead, behind, mixed;
  for (int s = 0; s < 10; ++s) {
    ahead.push_back(0.9 + 0.001 * s);   // above "behind" on every seed: p = 2 / 2^10
    behind.push_back(0.8 + 0.002 * s);
    mixed.push_back(s % 2 ? 0.9 : 0.5);  // median 0.7, but above "behind" on half the seeds
  }
  const std::vector<bool> none(10, false);
  const std::vector<json> steps(10, json(nullptr));
  const json board = build_leaderboard({synthetic_cell("ahead", 8, 0, ahead, none, steps),
                                        synthetic_cell("behind", 8, 1, behind, none, steps),
                                        synthetic_cell("mixed", 8, 2, mixed, none, steps)});
  const json& entries = board["tasks"][0]["entries"];
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0]["rule"], "ahead");
  EXPECT_DOUBLE_EQ(entries[0]["lead_over_next"]["p_value"].get<double>(), 2.0 / 1024);
  EXPECT_DOUBLE_EQ(entries[0]["lead_over_next"]["p_holm"].get<double>(), 4.0 / 1024);  // two pairs
  EXPECT_TRUE(entries[0]["lead_over_next"]["holds"].get<bool>());
  EXPECT_EQ(entries[1]["rule"], "behind");
  EXPECT_EQ(entries[1]["lead_over_next"]["rule"], "mixed");
  EXPECT_FALSE(entries[1]["lead_over_next"]["holds"].get<bool>());
  EXPECT_TRUE(entries[2]["lead_over_next"].is_null());
  const std::string md = leaderboard_markdown(board);
  EXPECT_NE(md.find("| 1 | `ahead` | 8 | 0.905 [0.901, 0.908] | yes (0.0039) |"), std::string::npos) << md;

  // Ranked first by the median of its one finite run, but worse on the nine seeds where it
  // diverged: significant (p = 4 / 1024), the other way, so no lead.
  std::vector<bool> mostly(10, true);
  mostly[0] = false;
  const json fragile = build_leaderboard({synthetic_cell("fragile", 8, 0, std::vector<double>(10, 0.99), mostly, steps),
                                          synthetic_cell("steady", 8, 1, std::vector<double>(10, 0.9), none, steps)});
  const json& lead = fragile["tasks"][0]["entries"][0]["lead_over_next"];
  EXPECT_EQ(fragile["tasks"][0]["entries"][0]["rule"], "fragile");
  EXPECT_DOUBLE_EQ(lead["p_holm"].get<double>(), 4.0 / 1024);
  EXPECT_FALSE(lead["holds"].get<bool>());
}

TEST(SuiteCli, RunsListsMergesAndBuildsTheLeaderboard) {
  const std::string dir = fresh_dir("cli");
  fs::create_directories(dir);
  std::ofstream(dir + "/suite.json") << tiny_config().dump(2);
  test::CommandResult r = test::run_tcabench("suite --config " + dir + "/suite.json --out-dir " + dir +
                                             "/run --shard 1/2 --quiet");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("suite [2/8] add-v0 bptt n=4: done"), std::string::npos) << r.output;
  EXPECT_EQ(files_in(dir + "/run/cells").size(), 4u);
  r = test::run_tcabench("suite --config " + dir + "/suite.json --out-dir " + dir + "/run --list");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("suite [1/8] add-v0.bptt.n3.json: pending"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("suite [2/8] add-v0.bptt.n4.json: done"), std::string::npos) << r.output;
  r = test::run_tcabench("merge " + dir + "/run --out-dir " + dir + "/merged");
  ASSERT_EQ(r.status, 0) << r.output;
  r = test::run_tcabench("leaderboard --cells " + dir + "/merged --out " + dir + "/board.json --markdown " + dir +
                         "/board.md");
  ASSERT_EQ(r.status, 0) << r.output;
  const json board = json::parse(read_file(dir + "/board.json"));
  EXPECT_EQ(board["cells"], 4);
  EXPECT_NE(read_file(dir + "/board.md").find("`uoro`"), std::string::npos);

  for (const auto& [args, mention] : std::vector<std::pair<std::string, std::string>>{
           {"suite", "--config"},
           {"suite --config " + dir + "/none.json", "none.json"},
           {"suite --config " + dir + "/suite.json --shard 2/2", "--shard"},
           {"suite --config " + dir + "/suite.json --device tpu", "--device"},
           {"merge " + dir + "/nowhere --out-dir " + dir + "/m", "nowhere"},
           {"leaderboard --cells " + dir + "/empty-folder --out " + dir + "/b.json", "empty-folder"},
           {"leaderboard --cells " + dir + "/merged --out " + dir + "/no/board.json", "cannot write into"}}) {
    const test::CommandResult bad = test::run_tcabench(args);
    EXPECT_EQ(bad.status, 2) << args << "\n" << bad.output;
    EXPECT_NE(bad.output.find(mention), std::string::npos) << args << "\n" << bad.output;
  }
}

}  // namespace
}  // namespace tca
