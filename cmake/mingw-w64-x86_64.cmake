# Toolchain file: cross-compile for 64-bit Windows with Debian's mingw-w64
# (package g++-mingw-w64-x86-64-posix: the POSIX thread model, which
# std::thread and GoogleTest need). Test binaries run under Wine.
#
# More prefixes to search (the libraries scripts/build-windows-deps builds)
# are added with -DCMAKE_FIND_ROOT_PATH=PREFIX or, in a toolchain file that
# includes this one, list(APPEND CMAKE_FIND_ROOT_PATH PREFIX): this file
# appends the mingw sysroot instead of replacing what is there.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
# list(FIND), not IN_LIST: projects declaring an old cmake_minimum_required
# (c-ares 1.18 says 3.1) include this file without policy CMP0057.
list(FIND CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32 mingw_sysroot_index)
if(mingw_sysroot_index EQUAL -1)
  list(APPEND CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR wine)
