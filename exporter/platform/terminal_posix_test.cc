// StdoutWantsColour on POSIX: stdout is pointed at a pseudo-terminal, a
// regular file, and the terminal again with NO_COLOR set, and restored
// afterwards.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

#include "exporter/platform/terminal.h"

namespace entra_pta::diagnose {
namespace {

// Points file descriptor 1 at `fd` for its lifetime.
class StdoutRedirect {
 public:
  explicit StdoutRedirect(int fd) {
    std::fflush(stdout);
    saved_ = dup(1);
    dup2(fd, 1);
  }
  ~StdoutRedirect() {
    std::fflush(stdout);
    dup2(saved_, 1);
    close(saved_);
  }

 private:
  int saved_;
};

// The NO_COLOR value for the test's duration, then the previous one.
class NoColor {
 public:
  explicit NoColor(const char* value) {
    if (const char* old = getenv("NO_COLOR")) previous_ = old;
    if (value == nullptr) {
      unsetenv("NO_COLOR");
    } else {
      setenv("NO_COLOR", value, 1);
    }
  }
  ~NoColor() {
    if (previous_) {
      setenv("NO_COLOR", previous_->c_str(), 1);
    } else {
      unsetenv("NO_COLOR");
    }
  }

 private:
  std::optional<std::string> previous_;
};

class Terminal {
 public:
  Terminal() {
    master_ = posix_openpt(O_RDWR | O_NOCTTY);
    if (master_ >= 0 && grantpt(master_) == 0 && unlockpt(master_) == 0) {
      const char* name = ptsname(master_);
      if (name != nullptr) slave_ = open(name, O_RDWR | O_NOCTTY);
    }
  }
  ~Terminal() {
    if (slave_ >= 0) close(slave_);
    if (master_ >= 0) close(master_);
  }
  int fd() const { return slave_; }

 private:
  int master_ = -1;
  int slave_ = -1;
};

TEST(DiagnoseTerminalTest, ColourOnATerminalWithoutNoColor) {
  Terminal terminal;
  ASSERT_GE(terminal.fd(), 0) << "no pseudo-terminal available";
  {
    NoColor unset(nullptr);
    StdoutRedirect to_terminal(terminal.fd());
    EXPECT_TRUE(StdoutWantsColour());
  }
  {
    NoColor empty("");  // an empty NO_COLOR counts as unset
    StdoutRedirect to_terminal(terminal.fd());
    EXPECT_TRUE(StdoutWantsColour());
  }
  {
    NoColor set("1");
    StdoutRedirect to_terminal(terminal.fd());
    EXPECT_FALSE(StdoutWantsColour());
  }
}

TEST(DiagnoseTerminalTest, NoColourIntoAFile) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  NoColor unset(nullptr);
  {
    StdoutRedirect to_file(fileno(file));
    EXPECT_FALSE(StdoutWantsColour());
  }
  std::fclose(file);
}

}  // namespace
}  // namespace entra_pta::diagnose
