// What every JSON report carries: schema version, git commit, machine, config hash; and an
// atomic file writer so a crash never leaves half a report.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>

#include "kernels/tensor.h"

namespace tca {

const char* git_commit();  // generated at build time (scripts/git_version.cmake)

constexpr int kProbeSchemaVersion = 2;

// Host name, CPU model, core count, BLAS build, compiler.
nlohmann::json machine_info();
// The CPU's model name from /proc/cpuinfo ("unknown" where it has none).
std::string cpu_model();
// What CPU timings are a property of, for benchmark contexts (tca_device):
// "cpu: <model name> (family F, model M), N threads". Family and model tell CPU generations
// apart where a virtual machine reports a generic name ("AMD EPYC"); N: BLAS threads.
std::string cpu_device(int threads);
// FNV-1a 64 of the config's canonical dump (sorted keys), as 16 hex digits.
std::string config_hash(const nlohmann::json& config);
// Writes text to path through a temporary file (path.tmp.<pid>), fsync() and rename(): readers
// see the old file or the whole new one. Refuses a path that exists and is not a regular file
// (check_replaceable). On failure removes the temporary file and throws std::runtime_error
// naming the path and the system's reason (no space left, permission denied).
void write_file_atomically(const std::string& path, const std::string& text);
// Throws std::runtime_error when something other than a regular file is at `path`: a symbolic
// link (refused, not followed: the rename would replace the link itself), a folder, a device, a
// FIFO or a socket. Nothing there is fine.
void check_replaceable(const std::string& path);
// write_file_atomically, or the standard output for "-" (checked: a failed write throws).
void write_output(const std::string& path, const std::string& text);
// Removes the temporary files (NAME.tmp.<pid>) in `folder` whose writer no longer runs, as a
// kill -9 during a write leaves them; returns how many.
int remove_stale_temporaries(const std::string& folder);

}  // namespace tca
