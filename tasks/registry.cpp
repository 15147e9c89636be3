// The task registry: every task id with its documented parameters, and make_task().
// Each task lives in its own file (tasks/<name>.cpp); adding a task means that file and one line
// in tasks/task_list.inc.
#include <stdexcept>

#include "tasks/task.h"
#include "tasks/task_params.h"

namespace tca {
namespace {

struct RegisteredTask {
  const TaskInfo& (*info)();
  std::unique_ptr<Task> (*make)(const std::map<std::string, std::string>&);
};

const std::vector<RegisteredTask>& registered_tasks() {
  static const std::vector<RegisteredTask> tasks{
#define TCA_TASK(name) {name##_task_info, make_##name##_task},
#include "tasks/task_list.inc"
#undef TCA_TASK
  };
  return tasks;
}

}  // namespace

const std::vector<TaskInfo>& task_registry() {
  static const std::vector<TaskInfo> infos = [] {
    std::vector<TaskInfo> all;
    for (const RegisteredTask& task : registered_tasks()) all.push_back(task.info());
    return all;
  }();
  return infos;
}

std::unique_ptr<Task> make_task(const std::string& id,
                                const std::map<std::string, std::string>& params) {
  for (const RegisteredTask& task : registered_tasks()) {
    if (task.info().id == id) return task.make(params);
  }
  std::string valid_ids;
  for (const TaskInfo& info : task_registry()) {
    if (!valid_ids.empty()) valid_ids += ", ";
    valid_ids += info.id;
  }
  throw std::invalid_argument("unknown task '" + id + "'; valid ids: " + valid_ids);
}

}  // namespace tca
