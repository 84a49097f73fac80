// Pseudo-terminal pair for serial tests and the board emulator: the master fd stays with us,
// the slave path (/dev/pts/N) is opened by serialport exactly like a USB-UART.
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <errno.h>

#include "registry.h"

namespace {

Napi::Value OpenPty(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    Napi::Error::New(env, std::string("posix_openpt failed: ") + strerror(errno)).ThrowAsJavaScriptException();
    return env.Null();
  }
  char name[128];
  if (grantpt(fd) != 0 || unlockpt(fd) != 0 || ptsname_r(fd, name, sizeof name) != 0) {
    int err = errno;
    close(fd);
    Napi::Error::New(env, std::string("pty setup failed: ") + strerror(err)).ThrowAsJavaScriptException();
    return env.Null();
  }
  // Raw mode on the master side: a binary protocol must not be echoed or line-edited.
  struct termios tio;
  if (tcgetattr(fd, &tio) == 0) {
    cfmakeraw(&tio);
    tcsetattr(fd, TCSANOW, &tio);
  }
  // Non-blocking so the JS side can read it with an event loop (net.Socket / fs streams).
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  Napi::Object result = Napi::Object::New(env);
  result.Set("fd", Napi::Number::New(env, fd));
  result.Set("path", Napi::String::New(env, name));
  return result;
}

// Puts the slave side into raw mode too (serialport does this itself; tests with other peers may not).
Napi::Value SetRaw(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "setRaw(fd) needs a file descriptor").ThrowAsJavaScriptException();
    return env.Null();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct termios tio;
  if (tcgetattr(fd, &tio) != 0) {
    Napi::Error::New(env, std::string("tcgetattr failed: ") + strerror(errno)).ThrowAsJavaScriptException();
    return env.Null();
  }
  cfmakeraw(&tio);
  if (tcsetattr(fd, TCSANOW, &tio) != 0) {
    Napi::Error::New(env, std::string("tcsetattr failed: ") + strerror(errno)).ThrowAsJavaScriptException();
    return env.Null();
  }
  return env.Undefined();
}

void Init(Napi::Env env, Napi::Object exports) {
  exports.Set("openPty", Napi::Function::New(env, OpenPty, "openPty"));
  exports.Set("setRaw", Napi::Function::New(env, SetRaw, "setRaw"));
}

scoutloop::Register reg(Init);

}  // namespace
