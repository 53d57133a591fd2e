# Version and commit for buildinfo endpoints and `loupe version`. The commit is read at build
# time (not configure time) by a script that rewrites build_info_gen.cc only when it changed,
# so a new commit relinks the binary without recompiling anything else.
set(LOUPE_BUILD_INFO_CC ${PROJECT_BINARY_DIR}/gen/build_info_gen.cc)
add_custom_target(loupe_build_info_gen
  COMMAND ${CMAKE_COMMAND}
          -DSOURCE_DIR=${PROJECT_SOURCE_DIR}
          -DOUTPUT=${LOUPE_BUILD_INFO_CC}
          -DVERSION=${PROJECT_VERSION}
          -DCOMPILER=${CMAKE_CXX_COMPILER_ID}-${CMAKE_CXX_COMPILER_VERSION}
          -P ${PROJECT_SOURCE_DIR}/cmake/WriteBuildInfo.cmake
  BYPRODUCTS ${LOUPE_BUILD_INFO_CC}
  COMMENT "Reading git commit for build info")
