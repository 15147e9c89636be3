// Progress inside long windows (algorithms/window_progress.h): a window past the first delay
// reports its steps through the sink and says when it is done; below the delay, or without a
// sink, it prints nothing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "algorithms/learner.h"
#include "algorithms/window_progress.h"
#include "models/registry.h"
#include "tasks/task.h"

namespace tca {
namespace {

std::vector<std::string> window_lines(double after_seconds) {
  std::vector<std::string> lines;
  WindowProgress progress;
  progress.sink = [&](const std::string& line) { lines.push_back(line); };
  progress.after_seconds = after_seconds;
  progress.every_seconds = 0;
  set_window_progress(progress);
  const std::unique_ptr<Task> task = make_task("add-v0", {{"T", "6"}});
  Learner learner(make_network("rate", sized_knobs("rate", 4), {task->input_size(), task->output_size(), task->loss()},
                               DType::f64, Device::cpu),
                  "rflo");
  learner.initialise(1);
  learner.window(to_device(task->sample(3, 1), DType::f64, Device::cpu), 0);
  set_window_progress({});
  return lines;
}

TEST(WindowProgress, ALongWindowReportsEveryStepAndItsEnd) {
  const std::vector<std::string> lines = window_lines(0);  // every window is "long"
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0].rfind("rflo, 3 sequences: window step 1/6, ", 0), 0u) << lines[0];
  EXPECT_NE(lines[4].find("window step 5/6"), std::string::npos) << lines[4];
  EXPECT_NE(lines[5].find("window done, 6 steps in"), std::string::npos) << lines[5];
}

TEST(WindowProgress, ShortWindowsAndNoSinkPrintNothing) {
  EXPECT_TRUE(window_lines(3600).empty());
  set_window_progress({});
  WindowClock clock(3);
  EXPECT_FALSE(clock.enabled());
  clock.tick(3);  // no sink: nothing to call
}

}  // namespace
}  // namespace tca
