# Helpers that keep every module's CMakeLists short and uniform.

# Warnings on and clean for our own code (third-party headers are SYSTEM includes).
add_library(loupe_warnings INTERFACE)
target_compile_options(loupe_warnings INTERFACE -Wall -Wextra -Wno-unused-parameter
                                                -Wno-missing-field-initializers)
# GCC 12 reports -Wrestrict on std::string operator+ at -O2 (GCC bug 105329, a false positive).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(loupe_warnings INTERFACE -Wno-restrict)
endif()
if(LOUPE_SANITIZE)
  add_compile_options(-fsanitize=${LOUPE_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${LOUPE_SANITIZE})
endif()

find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
  set(CMAKE_C_COMPILER_LAUNCHER "${CCACHE_PROGRAM}")
endif()

# loupe_library(NAME SOURCES ... DEPS ...): a static library rooted at the repository top, so
# includes read "storage/base/status.h".
function(loupe_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR}/gen)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE loupe_warnings ${ARG_PRIVATE_DEPS})
endfunction()

# loupe_test(NAME SOURCES ... DEPS ...): one GoogleTest binary per module; every TEST becomes
# its own ctest case so `ctest -j` runs them in parallel.
function(loupe_test name)
  if(NOT LOUPE_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} loupe_warnings GTest::gtest GTest::gmock
                                        GTest::gtest_main)
  include(GoogleTest)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
endfunction()

# loupe_benchmark(NAME SOURCES ... DEPS ...): Google Benchmark binary, only with LOUPE_BENCHMARKS.
function(loupe_benchmark name)
  if(NOT LOUPE_BENCHMARKS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} loupe_warnings benchmark::benchmark
                                        benchmark::benchmark_main)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/bench)
endfunction()

# loupe_fuzz_target(NAME SOURCE ... DEPS ... CORPUS dir): with LOUPE_FUZZ a libFuzzer binary;
# otherwise a replayer that runs LLVMFuzzerTestOneInput over every file of the seed corpus, as a
# ctest case, so the seeds (and every crash once found and added) stay regression tests.
function(loupe_fuzz_target name)
  cmake_parse_arguments(ARG "" "CORPUS" "SOURCES;DEPS" ${ARGN})
  if(LOUPE_FUZZ)
    add_executable(${name} ${ARG_SOURCES})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_libraries(${name} PRIVATE ${ARG_DEPS})
  elseif(LOUPE_BUILD_TESTS)
    add_executable(${name} ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/tests/fuzz/replay_main.cc)
    target_link_libraries(${name} PRIVATE ${ARG_DEPS})
    add_test(NAME fuzz_replay.${name} COMMAND ${name} ${ARG_CORPUS})
    set_tests_properties(fuzz_replay.${name} PROPERTIES LABELS fuzz)
  endif()
  if(TARGET ${name})
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/fuzz)
  endif()
endfunction()
