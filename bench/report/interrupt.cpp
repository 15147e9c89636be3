#include "bench/report/interrupt.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstring>

namespace tca {

namespace {

// Two buffers, so that a message is never read while it is being written: the setter fills the
// one not in use and then publishes it.
char buffers[2][1024];
std::atomic<int> current{-1};  // -1: the default message

void write_all(const char* text, size_t size) {
  while (size > 0) {
    const ssize_t n = write(STDERR_FILENO, text, size);
    if (n <= 0) return;
    text += n;
    size -= static_cast<size_t>(n);
  }
}

extern "C" void on_interrupt(int signal_number) {
  const char* name = signal_number == SIGINT ? "SIGINT" : "SIGTERM";
  write_all("\ntcabench: interrupted by ", 26);
  write_all(name, std::strlen(name));
  const int which = current.load();
  if (which < 0) {
    static const char kDefault[] = "; the command is abandoned (files it had finished writing are kept)\n";
    write_all(kDefault, sizeof(kDefault) - 1);
  } else {
    write_all(": ", 2);
    write_all(buffers[which], std::strlen(buffers[which]));
    write_all("\n", 1);
  }
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

}  // namespace

void install_interrupt_handlers() {
  static const bool installed = [] {
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    std::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)installed;
}

void set_interrupt_message(const std::string& message) {
  if (message.empty()) {
    current.store(-1);
    return;
  }
  const int next = current.load() == 0 ? 1 : 0;
  const size_t size = std::min(message.size(), sizeof(buffers[next]) - 1);
  std::memcpy(buffers[next], message.data(), size);
  buffers[next][size] = '\0';
  current.store(next);
}

}  // namespace tca
