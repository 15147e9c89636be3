// Finds and loads libtca_cuda.so, the CUDA backend (kernels/cuda_backend.h), on first use.
#include "kernels/cuda_backend.h"

#include <dirent.h>
#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tca::cuda_backend {

namespace {

bool exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

std::string read_word(const std::string& path) {
  std::ifstream in(path);
  std::string word;
  in >> word;
  return word;
}

// An NVIDIA (vendor 0x10de) display or 3D controller (class 0x03xxxx) on the PCI bus: a GPU
// whose driver module may not be loaded yet (the CUDA driver can load it on demand).
bool nvidia_pci_display() {
  DIR* dir = opendir("/sys/bus/pci/devices");
  if (!dir) return false;
  bool found = false;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const std::string device = std::string("/sys/bus/pci/devices/") + entry->d_name;
    if (read_word(device + "/vendor") == "0x10de" && read_word(device + "/class").rfind("0x03", 0) == 0) {
      found = true;
      break;
    }
  }
  closedir(dir);
  return found;
}

#ifdef TCA_HAVE_CUDA
std::string executable_dir() {
  char path[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return "";
  const std::string exe(path, static_cast<size_t>(n));
  return exe.substr(0, exe.rfind('/'));
}

// Where to look, in order (see table() in the header).
std::vector<std::string> candidates() {
  if (const char* path = std::getenv("TCA_CUDA_LIBRARY"); path && *path) return {path};
  std::vector<std::string> paths;
  if (const std::string dir = executable_dir(); !dir.empty()) paths.push_back(dir + "/" + kLibraryName);
#ifdef TCA_CUDA_LIBRARY_DIR
  paths.push_back(std::string(TCA_CUDA_LIBRARY_DIR) + "/" + kLibraryName);  // the build folder
#endif
  paths.push_back(kLibraryName);  // a bare name: LD_LIBRARY_PATH, the linker cache, the system folders
  return paths;
}
#endif

const Table& load() {
#ifndef TCA_HAVE_CUDA
  throw std::runtime_error("this tcabench was built without the CUDA backend");
#else
  // An executable that links the library (the GPU tests, tcabench_gpu_bench) has it already;
  // the same copy must serve the ops, since it holds the streams and cuBLAS handles.
  std::string path = kLibraryName;
  void* handle = dlopen(kLibraryName, RTLD_NOW | RTLD_NOLOAD);
  std::string tried;
  for (const std::string& candidate : candidates()) {
    if (handle) break;
    path = candidate;
    // RTLD_LOCAL: its symbols serve only through the table.
    handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) tried += std::string("\n  ") + dlerror();  // it names the path
  }
  if (!handle)
    throw std::runtime_error(std::string("cannot load the CUDA backend ") + kLibraryName + "; tried:" + tried +
                             "\n(set TCA_CUDA_LIBRARY to its path)");
  using Entry = const Table* (*)();
  const auto entry = reinterpret_cast<Entry>(dlsym(handle, kEntryPoint));
  if (!entry) throw std::runtime_error(path + " is not the tcabench CUDA backend: no symbol " + kEntryPoint);
  const Table* loaded = entry();
  if (loaded->signature != kSignature)
    throw std::runtime_error(path + " was built from other op signatures than this tcabench: rebuild both");
  return *loaded;  // never unloaded: device memory and streams may live until exit
#endif
}

}  // namespace

bool gpu_may_be_present() {
  // The driver's control device (also inside containers), its /proc folder, WSL's GPU device.
  for (const char* path : {"/dev/nvidiactl", "/proc/driver/nvidia", "/dev/dxg"})
    if (exists(path)) return true;
  return nvidia_pci_display();
}

const Table& table() {
  // A failed load throws out of the initialisation, so the next call tries again.
  static const Table& loaded = load();
  return loaded;
}

}  // namespace tca::cuda_backend
