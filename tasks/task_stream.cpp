// The default stream of a task: independent trials back to back (tasks/task.h).
#include "core/seeds.h"
#include "tasks/task.h"

namespace tca {
namespace {

class TrialStream final : public TaskStream {
 public:
  TrialStream(const Task& task, int batch_size, uint64_t seed) : task_(task), B_(batch_size), seed_(seed) {}
  Batch next() override { return task_.sample(B_, derived_seed(seed_, SeedPurpose::training, chunk_++)); }

 private:
  const Task& task_;
  int B_;
  uint64_t seed_;
  uint64_t chunk_ = 0;
};

}  // namespace

std::unique_ptr<TaskStream> Task::stream(int batch_size, uint64_t seed) const {
  return std::make_unique<TrialStream>(*this, batch_size, seed);
}

}  // namespace tca
