# Included by the top-level CMakeLists.txt when ENTRA_PTA_FUZZ is ON, before
# any library is defined, so every library of ours is built with libFuzzer's
# coverage instrumentation plus AddressSanitizer and UndefinedBehaviorSanitizer
# (any undefined behaviour aborts, so the fuzzer reports it as a crash).
# Only the fuzz targets themselves link libFuzzer's main (fuzz/CMakeLists.txt).
# Use a build directory of its own: scripts/fuzz configures build-fuzz/.
if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "ENTRA_PTA_FUZZ needs clang (configure with "
                      "-DCMAKE_CXX_COMPILER=clang++), not ${CMAKE_CXX_COMPILER_ID}")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined
                    -fno-sanitize-recover=all -fno-omit-frame-pointer)
add_link_options(-fsanitize=address,undefined)
