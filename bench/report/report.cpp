#include "bench/report/report.h"

#include <cblas.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
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

void check_replaceable(const std::string& path) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return;  // nothing there yet
  if (S_ISREG(st.st_mode)) return;
  const char* what = S_ISLNK(st.st_mode)   ? "a symbolic link (give the path it points to)"
                     : S_ISDIR(st.st_mode) ? "a folder"
                     : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                     : S_ISFIFO(st.st_mode) ? "a FIFO"
                                            : "not a regular file";
  throw std::runtime_error("refusing to replace '" + path + "': it is " + what);
}

void write_file_atomically(const std::string& path, const std::string& text) {
  check_replaceable(path);
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  // Every failure removes the temporary file and names the target and the system's reason.
  auto fail = [&](const std::string& doing, int error) {
    unlink(tmp.c_str());
    throw std::runtime_error("cannot write '" + path + "' (" + doing + "): " + std::strerror(error));
  };
  const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (fd < 0) throw std::runtime_error("cannot write '" + path + "': " + std::strerror(errno));
  for (size_t done = 0; done < text.size();) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : EIO;
      close(fd);
      fail("writing " + tmp, error);
    }
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {  // a crash after the rename must not leave an empty file
    const int error = errno;
    close(fd);
    fail("flushing " + tmp, error);
  }
  if (close(fd) != 0) fail("closing " + tmp, errno);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) fail("moving " + tmp + " into place", errno);
}

void write_output(const std::string& path, const std::string& text) {
  if (path != "-") return write_file_atomically(path, text);
  std::cout << text;
  std::cout.flush();
  if (!std::cout) throw std::runtime_error("cannot write the standard output");
}

int remove_stale_temporaries(const std::string& folder) {
  int removed = 0;
  DIR* dir = opendir(folder.c_str());
  if (!dir) return 0;
  while (const dirent* entry = readdir(dir)) {
    const std::string name = entry->d_name;
    const size_t at = name.rfind(".tmp.");
    if (at == std::string::npos || at + 5 >= name.size()) continue;
    const std::string digits = name.substr(at + 5);
    if (digits.find_first_not_of("0123456789") != std::string::npos || digits.size() > 9) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    if (pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH) continue;  // its writer may still run
    const std::string path = folder + "/" + name;
    struct stat st {};
    if (lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && unlink(path.c_str()) == 0) ++removed;
  }
  closedir(dir);
  return removed;
}

}  // namespace tca
