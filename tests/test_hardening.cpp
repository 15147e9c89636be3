// Hostile input and faults at the tcabench command line. Every case ends with a message that
// names the file or option and the problem, and exit status 2 (or the signal's status for an
// interrupt); nothing crashes, nothing that is not a regular file is replaced, no temporary file
// is left behind. Faults that need a filesystem (a full disk) are built in a temporary folder: a
// small tmpfs mounted there when the test may mount one, else the test is skipped. Nothing here
// writes to a device node or a system path.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kernels/host_memory.h"
#include "test_util.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using tca::test::CommandResult;

const std::string kTcabench = TCABENCH_BINARY;

CommandResult run(const std::string& args, const std::string& prefix = "") {
  return tca::test::run_tcabench(args, prefix);
}

// The standard output alone of `tcabench ARGS REDIRECTIONS` run by sh (the caller routes the
// standard error).
CommandResult run_shell(const std::string& args) { return tca::test::run_command(kTcabench + " " + args); }

// Exit status 2 and a first line "tcabench: error: ..." that mentions every part of `mentions`.
void expect_refused(const std::string& args, const std::vector<std::string>& mentions, const std::string& prefix = "") {
  const CommandResult r = run(args, prefix);
  EXPECT_EQ(r.status, 2) << args << "\n" << r.output;
  EXPECT_NE(r.output.find("tcabench: error: "), std::string::npos) << args << "\n" << r.output;
  for (const std::string& m : mentions) EXPECT_NE(r.output.find(m), std::string::npos) << args << ": " << m << "\n" << r.output;
}

std::string fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(testing::TempDir()) / ("tca_hardening_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  return names;
}

const char* kProbe = "probe --hidden 4 --batch 2 --algo bptt --quiet";

// A tiny suite of two cells of a few windows each, the second one (task add-slow) slow enough
// to interrupt.
std::string write_tiny_suite(const std::string& dir, int slow_iterations) {
  const std::string path = dir + "/suite.json";
  std::ofstream(path) << R"({"tasks": [
      {"id": "add-v0", "params": {"T": 8}, "metric": "ce", "better": "lower"},
      {"id": "add-v0", "name": "add-slow", "params": {"T": 8}, "metric": "ce", "better": "lower",
       "training": {"iterations": )" << slow_iterations << R"(}}],
    "algorithms": [{"id": "bptt"}],
    "hidden": [4], "seeds": [1],
    "training": {"iterations": 3, "batch": 2, "eval_every": 2, "eval_batch": 4, "learning_rates": [0.01]},
    "probe": {"samples": 2, "batch": 2, "data_batches": 2}})";
  return path;
}

// A mounted tmpfs of `size` in a fresh folder, unmounted at the end; empty when mounting is not
// permitted here.
class SmallDisk {
 public:
  SmallDisk(const std::string& name, const std::string& size) : dir_(fresh_dir(name)) {
    const std::string cmd = "mount -t tmpfs -o size=" + size + " tmpfs '" + dir_ + "' 2>/dev/null";
    mounted_ = std::system(cmd.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) std::system(("umount '" + dir_ + "'").c_str());
  }
  bool mounted() const { return mounted_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

TEST(Hardening, OutputThatIsNotARegularFileIsRefused) {
  const std::string dir = fresh_dir("outputs");
  // A symbolic link is refused, not replaced and not followed; its target is untouched.
  std::ofstream(dir + "/target.txt") << "keep me";
  fs::create_symlink(dir + "/target.txt", dir + "/link.json");
  expect_refused(std::string(kProbe) + " --out " + dir + "/link.json", {"--out", "link.json", "symbolic link"});
  EXPECT_TRUE(fs::is_symlink(dir + "/link.json"));
  EXPECT_EQ(read_file(dir + "/target.txt"), "keep me");
  // A FIFO and a folder: refused before any work.
  ASSERT_EQ(mkfifo((dir + "/fifo.json").c_str(), 0600), 0);
  expect_refused(std::string(kProbe) + " --out " + dir + "/fifo.json", {"fifo.json", "FIFO"});
  expect_refused(std::string(kProbe) + " --dump " + dir, {"--dump", "folder"});
  expect_refused("train --hidden 4 --batch 2 --iterations 2 --out " + dir + "/fifo.json", {"FIFO"});
  expect_refused("leaderboard --cells " + dir + " --out " + dir + "/link.json", {"symbolic link"});
  EXPECT_TRUE(fs::is_fifo(dir + "/fifo.json"));
  // An empty path is an error, not "no output".
  expect_refused(std::string(kProbe) + " --out ''", {"--out", "empty path"});
  expect_refused(std::string(kProbe) + " --out - --dump -", {"only one"});
  expect_refused("leaderboard --cells " + dir + " --out -", {"--markdown"});
  // "-" is the standard output, which then holds the report alone.
  const CommandResult out = run_shell(std::string(kProbe) + " --out - 2>" + dir + "/stderr.txt");
  ASSERT_EQ(out.status, 0) << out.output;
  EXPECT_EQ(json::parse(out.output).at("kind"), "probe");
  const CommandResult table = run_shell("probe --hidden 4 --batch 2 --algo bptt --out - 2>" + dir + "/stderr.txt");
  ASSERT_EQ(table.status, 0);
  EXPECT_NO_THROW(json::parse(table.output)) << "the table must go to the standard error";
  EXPECT_NE(read_file(dir + "/stderr.txt").find("bptt"), std::string::npos);
  // A regular file is replaced as before.
  std::ofstream(dir + "/old.json") << "old";
  ASSERT_EQ(run(std::string(kProbe) + " --out " + dir + "/old.json").status, 0);
  EXPECT_EQ(json::parse(read_file(dir + "/old.json")).at("kind"), "probe");
}

TEST(Hardening, MemoryLimitsBelowTheMachinesAreHonoured) {
  // RTRL at n = 256, B = 8 keeps about 1 GiB of state; under ulimit -v 800000 (781 MiB of
  // address space, as a batch system's limit would set) it must be refused with a message, not
  // killed by the kernel. The control-group paths are tested on fake files (test_host_memory.cpp).
  const std::string args = "probe --algo rtrl --hidden 256 --batch 8 --data-batches 0 --quiet";
  const CommandResult r = run(args, "ulimit -v 800000; ");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("needs 1.02 GiB of state"), std::string::npos) << r.output;
  if (tca::host_memory().available() > (size_t(1) << 30))  // the address space is then the tighter limit
    EXPECT_NE(r.output.find("RLIMIT_AS"), std::string::npos) << r.output;
  // A task batch too large to draw is refused before it is drawn (it was std::bad_alloc).
  expect_refused("probe --task add-v0 --task-param T=100000 --hidden 4 --batch 65536 --algo bptt --quiet",
                 {"a task batch of 65536 sequences x 100000 steps", "lower --batch"});
}

TEST(Hardening, DeepOrHugeJsonIsRefusedWithAShortMessage) {
  const std::string dir = fresh_dir("json");
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  std::ofstream(dir + "/deep.json") << deep;
  expect_refused("suite --config " + dir + "/deep.json --out-dir " + dir + "/s", {"deep.json", "nested deeper than 64"});
  expect_refused("quality --baseline " + dir + "/deep.json", {"deep.json", "nested deeper"});
  expect_refused("bench-compare " + dir + "/deep.json " + dir + "/deep.json", {"nested deeper"});
  fs::create_directories(dir + "/cells");
  std::ofstream(dir + "/cells/a.json") << deep;
  expect_refused("leaderboard --cells " + dir + "/cells --out " + dir + "/b.json", {"a.json", "nested deeper"});
  // A huge value where a number belongs: the message quotes a short excerpt.
  std::ofstream(dir + "/huge.json") << R"({"tasks": [{"id": "add-v0"}], "algorithms": [{"id": "bptt"}], "hidden": [")"
                                    << std::string(1 << 20, 'x') << R"("], "seeds": [1]})";
  const CommandResult r = run("suite --config " + dir + "/huge.json --out-dir " + dir + "/s");
  EXPECT_EQ(r.status, 2) << r.output.substr(0, 300);
  EXPECT_LT(r.output.size(), 400u) << r.output.substr(0, 300);
  EXPECT_NE(r.output.find("characters)"), std::string::npos) << r.output.substr(0, 300);
  // Input that is not a regular file: a folder, a FIFO (which would block a reader).
  expect_refused("suite --config " + dir + " --out-dir " + dir + "/s", {"it is a folder"});
  ASSERT_EQ(mkfifo((dir + "/fifo.json").c_str(), 0600), 0);
  expect_refused("suite --config " + dir + "/fifo.json --out-dir " + dir + "/s", {"not a regular file"});
}

TEST(Hardening, MalformedCellsAreNamedByFileAndField) {
  const std::string dir = fresh_dir("cells");
  ASSERT_EQ(run("suite --quiet --config " + write_tiny_suite(dir, 3) + " --out-dir " + dir + "/s").status, 0);
  const std::string cell = dir + "/s/cells/add-v0.bptt.n4.json";
  const json good = json::parse(read_file(cell));
  struct Case {
    std::string pointer;
    json value;
    std::string mention;
  };
  for (const Case& c : std::vector<Case>{
           {"/probe/checkpoints/0/algorithms/0/recurrent/rel_bias_ci95", json::array(), "rel_bias_ci95 must be null or an interval"},
           {"/train/runs", json::array(), "train.runs must have at least 1"},
           {"/cell/index", 1e300, "cell.index must be an integer"},
           {"/cell/hidden", -5, "cell.hidden must lie in"},
           {"/kind", 5, "kind must be a string"},
           {"/config_hash", json::array({1}), "config_hash must be a string"},
           {"/train/summary/learning_rate", 0.5, "names no run's learning rate"}}) {
    const std::string folder = dir + "/bad";
    fs::remove_all(folder);
    fs::create_directories(folder);
    json bad = good;
    bad[json::json_pointer(c.pointer)] = c.value;
    std::ofstream(folder + "/add-v0.bptt.n4.json") << bad.dump();
    expect_refused("leaderboard --cells " + folder + " --out " + dir + "/board.json --markdown " + dir + "/board.md",
                   {"add-v0.bptt.n4.json", c.mention});
  }
  // A cell whose kind or hash is not a string: the suite says so and names the file; --list
  // shows it stale; --force recomputes it.
  for (const char* key : {"kind", "config_hash"}) {
    json bad = good;
    bad[key] = 7;
    std::ofstream(cell) << bad.dump();
    const std::string suite = "suite --quiet --config " + dir + "/suite.json --out-dir " + dir + "/s";
    expect_refused(suite, {"add-v0.bptt.n4.json", "not a suite cell file", "--force"});
    const CommandResult list = run(suite + " --list");
    EXPECT_EQ(list.status, 0) << list.output;
    EXPECT_NE(list.output.find("add-v0.bptt.n4.json: stale"), std::string::npos) << list.output;
    expect_refused("merge " + dir + "/s --out-dir " + dir + "/m", {"add-v0.bptt.n4.json", "not a suite cell file"});
    ASSERT_EQ(run(suite + " --force").status, 0);
    EXPECT_EQ(json::parse(read_file(cell)).at(key), good.at(key));
  }
}

TEST(Hardening, AFullDiskLeavesNoTemporaryFileAndSaysWhy) {
  SmallDisk disk("full_disk", "16k");
  if (!disk.mounted()) GTEST_SKIP() << "mounting a small tmpfs is not permitted here";
  expect_refused("probe --hidden 8 --batch 2 --algo bptt,rtrl,uoro --quiet --out " + disk.dir() + "/x.json",
                 {"x.json", "No space left on device"});
  EXPECT_TRUE(files_in(disk.dir()).empty());
  // The standard output on a full disk: an error, not exit status 0.
  SmallDisk tiny("full_stdout", "4k");
  ASSERT_TRUE(tiny.mounted());
  const CommandResult r = run_shell("tasks --markdown 2>&1 >" + tiny.dir() + "/tasks.md");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("cannot write the standard output: No space left on device"), std::string::npos) << r.output;
}

TEST(Hardening, TheSuiteSweepsTemporaryFilesOfDeadWriters) {
  const std::string dir = fresh_dir("sweep");
  fs::create_directories(dir + "/s/cells");
  // A pid that ran and ended, and this (live) process's pid.
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  const std::string dead = dir + "/s/cells/add-v0.bptt.n4.json.tmp." + std::to_string(child);
  const std::string live = dir + "/s/cells/other.json.tmp." + std::to_string(getpid());
  std::ofstream(dead) << "half a cell";
  std::ofstream(live) << "being written";
  const CommandResult r = run("suite --config " + write_tiny_suite(dir, 3) + " --out-dir " + dir + "/s");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("removed 1 temporary file(s)"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live));
}

// Runs tcabench with `args` in a child, its standard error to `log`; returns the child's pid.
pid_t start(const std::string& args, const std::string& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string cmd = "exec " + kTcabench + " " + args + " 2>" + log + " >" + log + ".out";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

// Waits until `log` contains `text` (at most a minute).
bool wait_for(const std::string& log, const std::string& text) {
  for (int i = 0; i < 6000; ++i) {
    if (read_file(log).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

TEST(Hardening, AnInterruptNamesTheAbandonedCellAndKeepsTheRest) {
  const std::string dir = fresh_dir("interrupt");
  const std::string log = dir + "/log.txt";
  const pid_t pid = start("suite --config " + write_tiny_suite(dir, 100000) + " --out-dir " + dir + "/s", log);
  ASSERT_TRUE(wait_for(log, "[2/2] add-slow bptt n=4: running")) << read_file(log);
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
  const std::string said = read_file(log);
  EXPECT_NE(said.find("interrupted by SIGTERM: cell add-slow bptt n=4 (add-slow.bptt.n4.json) is abandoned; the 1 cells "
                      "written before it are kept in " + dir + "/s/cells"),
            std::string::npos)
      << said;
  EXPECT_EQ(files_in(dir + "/s/cells"), std::vector<std::string>{"add-v0.bptt.n4.json"});
  // SIGINT of a single command.
  const pid_t probe = start("probe --algo rtrl --hidden 64 --batch 16 --checkpoints 0,100000", log);
  ASSERT_TRUE(wait_for(log, "step 0: rtrl done")) << read_file(log);
  ASSERT_EQ(kill(probe, SIGINT), 0);
  waitpid(probe, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) << status;
  EXPECT_NE(read_file(log).find("interrupted by SIGINT; the command is abandoned"), std::string::npos) << read_file(log);
}

TEST(Hardening, LenientInputIsAnError) {
  const std::string dir = fresh_dir("lenient");
  expect_refused("probe --hidden 4 --batch 2 --algo bptt, --quiet", {"--algo", "an empty entry"});
  expect_refused("probe --algo bptt,,rtrl --quiet", {"--algo", "an empty entry"});
  expect_refused(std::string(kProbe) + " --checkpoints ''", {"--checkpoints", "an empty entry"});
  expect_refused("train --hidden 4 --lr 0.1, --iterations 2", {"--lr"});
  expect_refused("train --hidden 4 --iterations 2 --jobs -1", {"--jobs", "0 (one per usable CPU) or more"});
  expect_refused("suite --config suites/quick.json --out-dir " + dir + "/s --jobs -2", {"--jobs", "got -2"});
  expect_refused("suite --config suites/quick.json --out-dir ''", {"--out-dir", "empty path"});
  expect_refused("merge " + dir + " --out-dir ''", {"--out-dir", "empty path"});
  // bench-compare with zero times: ratios would be NaN and every benchmark "unchanged".
  const std::string zero = dir + "/zero.json";
  std::ofstream(zero) << R"({"context": {}, "benchmarks": [{"name": "BM_x", "run_name": "BM_x", "run_type": "iteration",
    "real_time": 0, "time_unit": "ns"}]})";
  expect_refused("bench-compare " + zero + " " + zero, {"zero.json", "real_time 0", "positive time"});
  std::ofstream(dir + "/typed.json") << R"({"benchmarks": [{"name": 5, "run_type": 3}]})";
  expect_refused("bench-compare " + dir + "/typed.json " + zero, {"typed.json", "malformed Google Benchmark JSON"});
  // quality reads its baseline before computing anything.
  expect_refused("quality --baseline " + dir + "/missing.json", {"missing.json", "No such file"});
}

}  // namespace
