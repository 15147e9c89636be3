// The tcabench command line as a function: parses argv and runs the command it names, in this
// process. bench/cli/main.cpp is the program around it; the Python module (python/bindings.cpp)
// runs probe, train and suite through it, so both take the same options and give the same
// messages.
#pragma once

#include <string>
#include <vector>

namespace tca::cli {

struct CommandLineResult {
  int status = 0;     // 0 on success, 1 when a gate fails, 2 on bad input (then `error` says why)
  std::string error;  // the message the program prints after "tcabench: error: "
};

// args[0] is the program's name. A computation cancelled through core/cancellation.h throws
// Cancelled out of here; every other error becomes status 2 with its message.
CommandLineResult run_command_line(const std::vector<std::string>& args);

}  // namespace tca::cli
