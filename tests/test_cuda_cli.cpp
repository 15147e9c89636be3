// The whole command line on the GPU: `tcabench probe` (every rule of both networks) and
// `tcabench train` with --device cuda against the same runs with --device cpu. Labelled gpu;
// skips without a device.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace tca {
namespace {

// Runs `tcabench args` writing its JSON with `output_option` (--out or --dump) into `path`.
nlohmann::json run_to_json(const std::string& args, const std::string& path, const std::string& output_option = "--out") {
  const test::CommandResult result =
      test::run_tcabench(args + " --quiet --max-hours 10 " + output_option + " " + path);
  EXPECT_EQ(result.status, 0) << result.output;
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

class CudaCommandLineTest : public testing::Test {
 protected:
  void SetUp() override { TCA_SKIP_WITHOUT_CUDA(); }
  std::string folder_ = testing::TempDir();
};

// Every rule's K estimates (--dump) on the GPU against the CPU's: n = 37, B = 5, dnms-v1 windows
// of about 40 steps in float, the same Philox noise; norm-wise to 1e-4.
TEST_F(CudaCommandLineTest, ProbeGivesTheCpusEstimates) {
  for (const std::string network : {"--hidden 37", "--model lif --model-param n_lif=15 --model-param n_alif=22"}) {
    SCOPED_TRACE(network);
    nlohmann::json dumps[2];
    int i = 0;
    for (const std::string device : {"cpu", "cuda"})
      dumps[i++] = run_to_json("probe --task dnms-v1 --algo all " + network +
                                   " --batch 5 --samples 4 --data-batches 0 --device " + device,
                               folder_ + "/probe_" + device + ".json", "--dump");
    const nlohmann::json& cpu = dumps[0]["checkpoints"][0]["estimates"];
    const nlohmann::json& gpu = dumps[1]["checkpoints"][0]["estimates"];
    ASSERT_EQ(cpu.size(), gpu.size());
    for (const auto& [rule, estimates] : cpu.items()) {
      ASSERT_EQ(estimates.size(), gpu[rule].size()) << rule;
      for (size_t k = 0; k < estimates.size(); ++k)
        EXPECT_LT(test::relative_error(gpu[rule][k].get<std::vector<double>>(), estimates[k].get<std::vector<double>>()),
                  1e-4)
            << rule << ", sample " << k;
    }
  }
}

// A short training run: the learning curve on the GPU follows the CPU's (float rounding grows
// along the run, so to 1e-3 relative).
TEST_F(CudaCommandLineTest, TrainFollowsTheCpu) {
  const std::string args = "train --task add-v0 --task-param T=30 --algo rflo --hidden 37 --batch 5 --seeds 1 --lr 0.01 "
                           "--iterations 20 --eval-every 5 --eval-batch 16 --jobs 1 --device ";
  const nlohmann::json cpu = run_to_json(args + "cpu", folder_ + "/train_cpu.json");
  const nlohmann::json gpu = run_to_json(args + "cuda", folder_ + "/train_cuda.json");
  const nlohmann::json& a = cpu["runs"][0]["curve"];
  const nlohmann::json& b = gpu["runs"][0]["curve"];
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GT(a.size(), 1u);
  for (size_t i = 0; i < a.size(); ++i) {
    const double x = a[i]["validation_loss"], y = b[i]["validation_loss"];
    EXPECT_NEAR(y, x, 1e-3 * std::abs(x)) << "evaluation " << i;
  }
  EXPECT_EQ(gpu["backend"]["device"], "cuda");
}

}  // namespace
}  // namespace tca
