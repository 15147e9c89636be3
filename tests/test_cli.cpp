// The tcabench binary: bad input gives a clear message and a non-zero exit; a good run writes
// a parsable report.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <string>

#include "test_util.h"

namespace {

using tca::test::CommandResult;
CommandResult run(const std::string& args) { return tca::test::run_tcabench(args); }

// Every bad input: exit status 2 and a message that names the problem.
void expect_failure(const std::string& args, const std::string& must_mention) {
  const CommandResult r = run(args);
  EXPECT_EQ(r.status, 2) << args << "\n" << r.output;
  EXPECT_EQ(r.output.rfind("tcabench: error: ", 0), 0u) << args << "\n" << r.output;
  EXPECT_NE(r.output.find(must_mention), std::string::npos) << args << "\n" << r.output;
}

TEST(Cli, BadInputIsReportedClearly) {
  expect_failure("probe --task nope-v0", "dnms-v0");            // lists valid tasks
  expect_failure("probe --algo rtlr", "rtrl");                  // lists valid rules
  expect_failure("probe --hidden 0", "--hidden");
  expect_failure("probe --hidden ten", "--hidden");
  expect_failure("probe --precision half", "--precision");
  expect_failure("probe --task-param D", "name=value");
  expect_failure("probe --task-param nope=3", "D");             // lists dnms parameters
  expect_failure("probe --algo-param rtrl=3", "rule.name=value");
  expect_failure("probe --algo rtrl --algo-param rtrl.nope=3", "nope");
  expect_failure("probe --algo rtrl --algo-param bptt.x=3", "not among the rules probed");
  expect_failure("probe --seed -1", "--seed");
  expect_failure("probe --seed 99999999999999999999", "--seed");
  expect_failure("probe --data-batches 1", "--data-batches");
  expect_failure("probe --algo bptt,bptt", "twice");
  expect_failure("probe --out /nonexistent-folder/x.json", "/nonexistent-folder");
  expect_failure("probe --hidden 4096 --algo rtrl --batch 64", "lower --hidden or --batch");
  expect_failure("probe --bogus", "--bogus");
  expect_failure("probe --device tpu", "--device");
  if (!tca::cuda_available()) expect_failure("probe --device cuda", "--device cuda");
  expect_failure("frobnicate", "frobnicate");
  expect_failure("", "subcommand");
  const CommandResult help = run("probe --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.output.find("--checkpoints"), std::string::npos);
}

TEST(Cli, ProbeWritesAReport) {
  const std::string path = testing::TempDir() + "tcabench_cli_probe.json";
  const CommandResult r = run("probe --task dnms-v0 --algo rtrl --hidden 8 --batch 2 --out " + path);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("rtrl"), std::string::npos) << r.output;
  std::ifstream in(path);
  const nlohmann::json report = nlohmann::json::parse(in);
  const nlohmann::json& rtrl = report["checkpoints"][0]["algorithms"][0];
  EXPECT_EQ(rtrl["id"], "rtrl");
  EXPECT_LT(rtrl["total"]["rel_bias"].get<double>(), 1e-5);
  std::remove(path.c_str());
}

TEST(Cli, ProbeRunsTheLongEvidenceAccumulationTask) {
  // T = 2250 steps of 40 spike inputs: exact RTRL must still agree with BPTT at the end.
  const std::string path = testing::TempDir() + "tcabench_cli_evidence.json";
  const CommandResult r = run("probe --task evidence_accumulation-v0 --algo rtrl,bptt --hidden 16 "
                              "--batch 2 --data-batches 0 --quiet --out " + path);
  ASSERT_EQ(r.status, 0) << r.output;
  std::ifstream in(path);
  const nlohmann::json report = nlohmann::json::parse(in);
  EXPECT_EQ(report["config"]["task_config"]["T"], "2250");
  const nlohmann::json& point = report["checkpoints"][0];
  EXPECT_EQ(point["task_metrics"]["chance"].get<double>(), 0.5);
  EXPECT_TRUE(point["task_metrics"].contains("accuracy"));
  EXPECT_EQ(point["algorithms"][0]["id"], "rtrl");
  EXPECT_LT(point["algorithms"][0]["total"]["rel_bias"].get<double>(), 1e-4);
  std::remove(path.c_str());
}

TEST(Cli, AllTasksWriteOneReportPerCell) {
  const std::string dir = testing::TempDir() + "tcabench_cli_cells";
  const CommandResult r = run("probe --task all --algo rtrl,bptt --hidden 4 --batch 2 --data-batches 0 --out-dir " + dir);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("summary"), std::string::npos) << r.output;
  for (const char* task : {"dnms-v0", "path_integration-v0", "copy-v0", "add-v0", "flipflop-v0",
                           "mimic-v0", "evidence_accumulation-v0"}) {
    for (const char* algo : {"rtrl", "bptt"}) {
      std::ifstream in(dir + "/probe-" + task + "-" + algo + ".json");
      ASSERT_TRUE(in.good()) << task << " " << algo;
      const nlohmann::json cell = nlohmann::json::parse(in);
      EXPECT_EQ(cell["cell"]["task"], task);
      EXPECT_EQ(cell["cell"]["algorithm"], algo);
    }
  }
  expect_failure("probe --task all --out x.json", "--out-dir");
}

TEST(Cli, ListsTasksAndAlgorithms) {
  const CommandResult tasks = run("tasks");
  EXPECT_EQ(tasks.status, 0);
  for (const tca::TaskInfo& info : tca::task_registry()) {  // every task with every parameter
    EXPECT_NE(tasks.output.find(info.id), std::string::npos) << info.id;
    for (const tca::TaskParam& p : info.params)
      EXPECT_NE(tasks.output.find("    " + p.name + " = " + p.default_value + " (" + p.range + "): " + p.help),
                std::string::npos)
          << info.id << " " << p.name;
  }
  const CommandResult algos = run("algos");
  EXPECT_EQ(algos.status, 0);
  EXPECT_NE(algos.output.find("bptt"), std::string::npos);
}

}  // namespace
