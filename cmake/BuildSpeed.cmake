# Build speed: compiler cache and (opt-in) precompiled headers. Included by
# the top-level CMakeLists.txt; bench/build-times.sh measures what each
# setting buys (figures in docs/performance.md, "Build times and first run").
#
# ENTRA_PTA_CCACHE (default ON): compile through ccache when it is installed
# and the caller chose no launcher of their own. A rebuild in a fresh clone
# or build directory then costs cache look-ups instead of compiles.
option(ENTRA_PTA_CCACHE "Compile through ccache when it is installed" ON)
if(ENTRA_PTA_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  find_program(ENTRA_PTA_CCACHE_PROGRAM ccache)
  if(ENTRA_PTA_CCACHE_PROGRAM)
    set(CMAKE_CXX_COMPILER_LAUNCHER "${ENTRA_PTA_CCACHE_PROGRAM}")
    set(CMAKE_C_COMPILER_LAUNCHER "${ENTRA_PTA_CCACHE_PROGRAM}")
    message(STATUS "entra-pta: compiling through ${ENTRA_PTA_CCACHE_PROGRAM}")
  endif()
endif()

# ENTRA_PTA_PCH (default OFF): precompile the heavy third-party headers for
# every target of ours. Off by default because it does not pay: measured on
# exporter_core (the library before exporter/ was split into layers),
# 98 CPU s with it against 74 without (bench/build-times.sh
# core-plain core-pch). Each of our small libraries compiles its own copy of
# the header while most translation units include only one or two of the
# heavy headers, and ccache serves translation units built with a
# precompiled header only with relaxed sloppiness. Kept so the measurement
# can be repeated.
option(ENTRA_PTA_PCH "Precompile heavy third-party headers (measured slower; see docs/performance.md)" OFF)

# Called at the end of the top-level CMakeLists.txt, once every target exists.
function(entra_pta_apply_build_speed)
  if(NOT ENTRA_PTA_PCH)
    return()
  endif()
  set(dirs "${PROJECT_SOURCE_DIR}")
  set(targets "")
  while(dirs)
    list(POP_FRONT dirs dir)
    get_property(sub DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
    list(APPEND dirs ${sub})
    get_property(own DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
    list(APPEND targets ${own})
  endwhile()
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(NOT type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|OBJECT_LIBRARY|EXECUTABLE)$")
      continue()
    endif()
    target_precompile_headers(${target} PRIVATE
      <map> <memory> <string> <string_view> <vector> <functional> <chrono>
      <prometheus/registry.h> <prometheus/family.h> <prometheus/gauge.h>
      <yaml-cpp/yaml.h> <nlohmann/json.hpp>)
  endforeach()
  # With the header precompiled GCC 12 inlines differently and reports a
  # false -Warray-bounds in xml_scan.cc's std::string use; it builds without.
  set_source_files_properties("${PROJECT_SOURCE_DIR}/exporter/util/xml_scan.cc"
    DIRECTORY "${PROJECT_SOURCE_DIR}/exporter/util"
    PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
endfunction()
