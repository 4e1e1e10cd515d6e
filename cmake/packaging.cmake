# Installing mp4kit: `cmake --install build --prefix P` and `cpack -G DEB` (included last from
# the top-level CMakeLists.txt, once every installed target exists).
#
#   P/bin/mp4kit                          the CLI
#   P/lib/mp4kit/mp4kit_decode.so         the decode module (and mp4kit_bench.so), dlopen()ed
#                                         by the CLI from <real dir of the executable>/../lib/mp4kit
#   P/include/mp4kit/*.h                  the public API
#   P/<libdir>/libmp4kit.a                the core library (container side, no FFmpeg)
#   P/<libdir>/cmake/mp4kit/              find_package(mp4kit CONFIG) -> mp4kit::mp4kit
#   P/<libdir>/pkgconfig/mp4kit.pc        pkg-config --cflags --libs mp4kit
#
# <libdir> is GNUInstallDirs' CMAKE_INSTALL_LIBDIR ("lib" unless configured with prefix /usr on
# a multiarch system). The module directory is always lib/mp4kit under the prefix, because the
# loader looks for it relative to the executable (lib/pipeline/module_loader.cpp).
#
# Every installed file is relocatable: the CMake package and the .pc file find the prefix from
# their own location, and no RPATH points into the build tree (tests/install_test.sh checks).
include(CMakePackageConfigHelpers)

set(MP4KIT_INSTALL_MODULEDIR lib/mp4kit)
set(MP4KIT_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/mp4kit)
set(MP4KIT_INSTALL_PKGCONFIGDIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(NOT CMAKE_INSTALL_BINDIR STREQUAL "bin")
  message(WARNING "CMAKE_INSTALL_BINDIR is '${CMAKE_INSTALL_BINDIR}': the installed mp4kit looks for its "
                  "modules in <bindir>/../${MP4KIT_INSTALL_MODULEDIR} and will need MP4KIT_DECODE_MODULE")
endif()

# No RPATH into the build tree after installation: CMake rewrites the installed ELF files with
# INSTALL_RPATH (empty) plus the directories of shared libraries linked from outside the
# system's default search path (a private FFmpeg under /opt keeps working; Debian's add none).
set_target_properties(mp4kit PROPERTIES INSTALL_RPATH "" INSTALL_RPATH_USE_LINK_PATH ON)
install(TARGETS mp4kit RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
foreach(module mp4kit_decode mp4kit_bench mp4kit_http)
  if(TARGET ${module})
    set_target_properties(${module} PROPERTIES INSTALL_RPATH "" INSTALL_RPATH_USE_LINK_PATH ON)
    install(TARGETS ${module} LIBRARY DESTINATION ${MP4KIT_INSTALL_MODULEDIR})
  endif()
endforeach()

# A sanitizer build's library (-DMP4KIT_SANITIZE=...) needs the sanitizer runtimes in whatever
# links it: the CMake package and the .pc file say so.
set(mp4kit_pc_libs_extra "")
if(MP4KIT_SANITIZE)
  target_link_options(mp4kit_core INTERFACE -fsanitize=${MP4KIT_SANITIZE})
  set(mp4kit_pc_libs_extra " -fsanitize=${MP4KIT_SANITIZE}")
endif()

# The library and its public headers. The headers include only each other and the standard
# library (tests/install_test.sh compiles each one alone against the installed tree).
install(TARGETS mp4kit_core EXPORT mp4kitTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
# `cmake --install --strip` and cpack (CPACK_STRIP_FILES) strip executables and modules only;
# drop the archive's debug sections too, as Debian's dh_strip does for static libraries.
install(CODE "if(CMAKE_INSTALL_DO_STRIP)
  execute_process(COMMAND \"${CMAKE_STRIP}\" --strip-debug
    \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/$<TARGET_FILE_NAME:mp4kit_core>\"
    COMMAND_ERROR_IS_FATAL ANY)
endif()")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/mp4kit DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

# The CMake package: mp4kitConfig.cmake + version file + the exported target mp4kit::mp4kit.
install(EXPORT mp4kitTargets NAMESPACE mp4kit:: DESTINATION ${MP4KIT_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/mp4kitConfig.cmake.in
  ${PROJECT_BINARY_DIR}/mp4kitConfig.cmake
  INSTALL_DESTINATION ${MP4KIT_INSTALL_CMAKEDIR})
# 0.x: a minor version may break the API, so only the same major.minor is compatible.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/mp4kitConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/mp4kitConfig.cmake ${PROJECT_BINARY_DIR}/mp4kitConfigVersion.cmake
  DESTINATION ${MP4KIT_INSTALL_CMAKEDIR})

# pkg-config: the prefix is found from the .pc file's own directory (${pcfiledir}), so the
# same file works under `--prefix P`, in the .deb and after `dpkg -x` into any root.
file(RELATIVE_PATH mp4kit_pc_to_prefix /${MP4KIT_INSTALL_PKGCONFIGDIR} /)
string(REGEX REPLACE "/$" "" mp4kit_pc_to_prefix "${mp4kit_pc_to_prefix}")
set(mp4kit_pc_libs_private "")
foreach(lib IN LISTS CMAKE_DL_LIBS)
  string(APPEND mp4kit_pc_libs_private " -l${lib}")
endforeach()
string(STRIP "${mp4kit_pc_libs_private}" mp4kit_pc_libs_private)
configure_file(${PROJECT_SOURCE_DIR}/cmake/mp4kit.pc.in ${PROJECT_BINARY_DIR}/mp4kit.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/mp4kit.pc DESTINATION ${MP4KIT_INSTALL_PKGCONFIGDIR})

# --- cpack -G DEB: the whole tool (CLI, modules, library, headers, CMake and pkg-config files).
set(MP4KIT_PACKAGE_MAINTAINER "mp4kit maintainers <maintainers@users.noreply.h-seed-0487e6a8.example>"
  CACHE STRING "Maintainer field of the .deb")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mp4kit)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${MP4KIT_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Demux and decode MP4, QuickTime and fragmented MP4 files exactly")
set(CPACK_PACKAGE_DESCRIPTION
  "mp4kit parses ISO BMFF containers itself (a bounded, lazy box parser over a memory-mapped
file) and decodes with libavcodec. Packet tables equal ffprobe -show_packets, decoded frames
equal ffmpeg -f framemd5, and seek finds exact frames from the container's index.
This package holds the mp4kit command, its decode module, and the core library with its
public headers, CMake package (find_package(mp4kit)) and pkg-config file.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION video)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${MP4KIT_PACKAGE_MAINTAINER}")
# Depends: from the ELF files' DT_NEEDED entries (libavcodec, libavutil, libswscale, libc,
# libstdc++ through the module) via dpkg-shlibdeps (Debian package dpkg-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# `bench --against libavformat` dlopen()s libavformat at run time: not a dependency. Debian
# names its runtime package after the soname major (libavformat59 for FFmpeg 5.1).
if(LIBAVFORMAT_FOUND)
  string(REGEX MATCH "^[0-9]+" mp4kit_lavf_major "${LIBAVFORMAT_VERSION}")
  set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libavformat${mp4kit_lavf_major}")
endif()
include(CPack)

# --- tests/install_test.sh: registered here, where the list of installed modules is known.
if(MP4KIT_BUILD_TESTS)
  set(mp4kit_test_env
    MP4KIT_BUILD_DIR=${PROJECT_BINARY_DIR}
    MP4KIT_VERSION=${PROJECT_VERSION}
    MP4KIT_INSTALL_LIBDIR=${CMAKE_INSTALL_LIBDIR}
    MP4KIT_DECODE_MODULE_FILE=$<TARGET_FILE_NAME:mp4kit_decode>
    CMAKE_COMMAND=${CMAKE_COMMAND}
    CPACK_COMMAND=${CMAKE_CPACK_COMMAND}
    CMAKE_GENERATOR=${CMAKE_GENERATOR}
    CXX=${CMAKE_CXX_COMPILER})
  if(TARGET mp4kit_bench)
    list(APPEND mp4kit_test_env MP4KIT_BENCH_MODULE_FILE=$<TARGET_FILE_NAME:mp4kit_bench>)
  endif()
  foreach(mode prefix deb)
    add_test(NAME install_${mode}
      COMMAND bash ${PROJECT_SOURCE_DIR}/tests/install_test.sh ${mode}
      WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
    set_tests_properties(install_${mode} PROPERTIES
      TIMEOUT 300
      # Both install the same build tree (install_manifest.txt): one at a time.
      RESOURCE_LOCK mp4kit_install
      ENVIRONMENT "${mp4kit_test_env}")
  endforeach()
endif()
