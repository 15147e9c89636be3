// What the process says when SIGINT or SIGTERM ends it: a line naming what was abandoned and what
// is kept, set by the long-running commands as they go (the suite names its running cell). The
// handler writes the line with write(2), then ends the process by the same signal, so the exit
// status is the signal's (130 for SIGINT, 143 for SIGTERM in a shell).
#pragma once

#include <string>

namespace tca {

// Installs the handlers for SIGINT and SIGTERM (once; later calls do nothing), and ignores
// SIGPIPE, so that writing into a closed pipe is an error the program reports rather than a
// silent death.
void install_interrupt_handlers();
// The line the handler prints (a newline is added), replacing the previous one; "" restores the
// default ("the command is abandoned (files it had finished writing are kept)"). Copied into a
// fixed buffer of
// 1 KiB, cut there.
void set_interrupt_message(const std::string& message);

}  // namespace tca
