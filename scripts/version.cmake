# Writes generated/version.cc with the commit checked out now. CMakeLists.txt runs it at every
# build, not only at configure time, so that a rebuild after `git pull` records the new commit in
# summary.json and in the resume and merge checks. configure_file leaves the file untouched when
# the commit is the same, so nothing is recompiled then.
#   cmake -DSOURCE_DIR=... -DINPUT=version.cc.in -DOUTPUT=version.cc -DPROJECT_VERSION=... -P version.cmake
execute_process(COMMAND git rev-parse --short=12 HEAD
                WORKING_DIRECTORY ${SOURCE_DIR}
                OUTPUT_VARIABLE SAMBENCH_GIT_COMMIT
                OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT SAMBENCH_GIT_COMMIT)
  set(SAMBENCH_GIT_COMMIT "unknown")  # a source tree without git (a release tarball)
endif()
configure_file(${INPUT} ${OUTPUT} @ONLY)
