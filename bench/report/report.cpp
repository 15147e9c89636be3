#include "bench/report/report.h"

#include <cblas.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace tca {

namespace {

// The value of the first "key : value" line of /proc/cpuinfo whose key is exactly key.
std::string cpuinfo_field(const std::string& key) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto key_end = line.find_last_not_of(" \t", colon - 1);
    if (key_end == std::string::npos || line.compare(0, key_end + 1, key) != 0 || key_end + 1 != key.size()) continue;
    const auto value = line.find_first_not_of(" \t", colon + 1);
    return value == std::string::npos ? "" : line.substr(value);
  }
  return "";
}

}  // namespace

std::string cpu_model() {
  const std::string name = cpuinfo_field("model name");
  return name.empty() ? "unknown" : name;
}

std::string cpu_device(int threads) {
  std::string d = "cpu: " + cpu_model();
  const std::string family = cpuinfo_field("cpu family"), model = cpuinfo_field("model");
  if (!family.empty() && !model.empty()) d += " (family " + family + ", model " + model + ")";
  return d + ", " + std::to_string(threads) + (threads == 1 ? " thread" : " threads");
}

nlohmann::json machine_info() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  nlohmann::json info;
  info["hostname"] = host;
  info["cpu"] = cpu_model();
  info["hardware_threads"] = std::thread::hardware_concurrency();
  info["blas"] = openblas_get_config();
  info["blas_threads"] = openblas_get_num_threads();
#if defined(__clang__)
  info["compiler"] = std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
  info["compiler"] = std::string("gcc ") + __VERSION__;
#endif
  return info;
}

std::string config_hash(const nlohmann::json& config) {
  const std::string text = config.dump();  // nlohmann::json objects keep keys sorted
  uint64_t h = 1469598103934665603ull;
  for (unsigned char ch : text) {
    h ^= ch;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp);
    out << text;
    out.flush();
    if (!out) throw std::runtime_error("error while writing " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot move " + tmp + " to " + path);
  }
}

}  // namespace tca
