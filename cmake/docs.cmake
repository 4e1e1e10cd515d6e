# Man pages and shell completion for the CLI, installed by `cmake --install`.
#
# Man pages: generated at build time from the CLI's own --help and --version with Debian's
# help2man (package help2man, installed by scripts/setup.sh): mp4kit(1) and one page per
# subcommand, mp4kit-probe(1) ... Without help2man the build says so and installs none.
# Completion: completions/mp4kit.bash (bash-completion) and completions/_mp4kit (zsh); both
# read the subcommands' options from `mp4kit SUBCOMMAND --help` when completing, so they
# never fall out of date.
include(GNUInstallDirs)

set(MP4KIT_SUBCOMMANDS probe decode seek bench batch)
find_program(HELP2MAN help2man)
if(HELP2MAN)
  set(man_pages ${PROJECT_BINARY_DIR}/man/mp4kit.1)
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/man/mp4kit.1
    COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
    COMMAND ${HELP2MAN} --no-info --no-discard-stderr --section=1
            "--name=inspect, decode, seek and benchmark MP4 / QuickTime / fragmented MP4 files"
            --output=${PROJECT_BINARY_DIR}/man/mp4kit.1 $<TARGET_FILE:mp4kit>
    DEPENDS mp4kit
    COMMENT "help2man: mp4kit.1" VERBATIM)
  set(name_probe "show the streams, packets, box tree or a lint of MP4 / QuickTime files")
  set(name_decode "decode one stream of an MP4 / QuickTime file with libavcodec")
  set(name_seek "extract exact frames of an MP4 / QuickTime file by index, time or pts")
  set(name_bench "benchmark decode, demux, probe or seek with a verified page-cache state")
  set(name_batch "run one subcommand over many files in child processes, one JSON record per input, resumable and sharded")
  foreach(sub ${MP4KIT_SUBCOMMANDS})
    list(APPEND man_pages ${PROJECT_BINARY_DIR}/man/mp4kit-${sub}.1)
    string(TOUPPER "MP4KIT-${sub}" title)
    # help2man runs "PROGRAM OPTION" through the shell: the subcommand goes in the option;
    # the page's title is the subcommand's (help2man would call every page MP4KIT).
    add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/man/mp4kit-${sub}.1
      COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/man
      COMMAND ${HELP2MAN} --no-info --no-discard-stderr --section=1 "--name=${name_${sub}}"
              "--help-option=${sub} --help" "--version-option=${sub} --version"
              --output=${PROJECT_BINARY_DIR}/man/mp4kit-${sub}.1 $<TARGET_FILE:mp4kit>
      COMMAND sed -i -e "s/^\\.TH MP4KIT /.TH ${title} /" -e "s/^mp4kit \\\\- /mp4kit-${sub} \\\\- /"
              ${PROJECT_BINARY_DIR}/man/mp4kit-${sub}.1
      DEPENDS mp4kit
      COMMENT "help2man: mp4kit-${sub}.1" VERBATIM)
  endforeach()
  add_custom_target(mp4kit_man ALL DEPENDS ${man_pages})
  install(FILES ${man_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  message(STATUS "help2man not found: the man pages are not built (apt-get install help2man, or scripts/setup.sh)")
endif()

install(FILES ${PROJECT_SOURCE_DIR}/completions/mp4kit.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME mp4kit)
install(FILES ${PROJECT_SOURCE_DIR}/completions/_mp4kit DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions)
