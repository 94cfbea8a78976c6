# SPDX-License-Identifier: MIT
# Registers every doctest case of one test executable as a ctest test, labelled with its suites.
# Run after each link (cmake -P, see tests/CMakeLists.txt) with:
#   EXE      the test executable          OUT      the ctest file to write
#   WORKDIR  the tests' working folder    TIMEOUT  seconds per test
#   SERIAL   ON: the test takes the virtual_cables lock and runs alone
#
# Why not doctest's own doctest_discover_tests (doctest 2.4.9, Debian 12): it splits its list of
# names on ";" (a case named "a; b" became two tests "a" and " b", each matching no case, so the
# case never ran and both passed), and it looks up each case's suites with its name unescaped,
# so a name holding a comma got no labels (six `slow` cases ran in the default suite). Here the
# names never pass through a CMake list, and a case's labels come from listing each suite once.

cmake_minimum_required(VERSION 3.20)  # script mode: IN_LIST and the policies of the project
foreach(v EXE OUT WORKDIR TIMEOUT)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "discover_tests.cmake: ${v} is not set")
  endif()
endforeach()

# While names are handled as CMake list elements, the characters lists treat specially (";" "["
# "]" "\") stand as markers that cannot occur in a test name; decode() restores them.
function(encode out_var text)
  string(REPLACE "\\" "<squeal:backslash>" text "${text}")
  string(REPLACE ";" "<squeal:semicolon>" text "${text}")
  string(REPLACE "[" "<squeal:open>" text "${text}")
  string(REPLACE "]" "<squeal:close>" text "${text}")
  set(${out_var} "${text}" PARENT_SCOPE)
endfunction()
function(decode out_var text)
  string(REPLACE "<squeal:semicolon>" ";" text "${text}")
  string(REPLACE "<squeal:open>" "[" text "${text}")
  string(REPLACE "<squeal:close>" "]" text "${text}")
  string(REPLACE "<squeal:backslash>" "\\" text "${text}")
  set(${out_var} "${text}" PARENT_SCOPE)
endfunction()

# Runs the executable with the given arguments; `out_var` gets the names it lists, one per list
# element (encoded), without doctest's banner and rule lines.
function(doctest_list out_var)
  execute_process(COMMAND "${EXE}" ${ARGN} --no-version=true
    OUTPUT_VARIABLE output RESULT_VARIABLE result WORKING_DIRECTORY "${WORKDIR}")
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "discover_tests.cmake: '${EXE} ${ARGN}' exited with ${result}:\n${output}")
  endif()
  encode(output "${output}")
  string(REPLACE "\n" ";" lines "${output}")
  set(names "")
  foreach(line IN LISTS lines)
    if(line STREQUAL "" OR line MATCHES "^=+$" OR line MATCHES "^<squeal:open>doctest<squeal:close> ")
      continue()
    endif()
    list(APPEND names "${line}")
  endforeach()
  set(${out_var} "${names}" PARENT_SCOPE)
endfunction()

# doctest filters are comma-separated lists with wildcards; a literal comma is written "\,".
function(doctest_filter out_var name)
  string(REPLACE "," "\\," name "${name}")
  set(${out_var} "${name}" PARENT_SCOPE)
endfunction()

doctest_list(cases --list-test-cases)
doctest_list(suites --list-test-suites)
# labels_<MD5 of the case's name>: the suites that case belongs to (a name may hold characters
# a variable reference does not take).
foreach(suite IN LISTS suites)
  decode(suite_name "${suite}")
  doctest_filter(filter "${suite_name}")
  doctest_list(members "--test-suite=${filter}" --list-test-cases)
  foreach(m IN LISTS members)
    string(MD5 key "${m}")
    list(APPEND labels_${key} "${suite}")
  endforeach()
endforeach()

set(extra "")
if(SERIAL)
  set(extra "RESOURCE_LOCK virtual_cables RUN_SERIAL TRUE")
endif()
set(script "")
set(seen "")
foreach(c IN LISTS cases)
  decode(name "${c}")
  if(name MATCHES "]==]" OR name MATCHES "^[ \t]|[ \t]$")
    message(FATAL_ERROR "discover_tests.cmake: test case name cannot be registered as it is: '${name}'")
  endif()
  if(c IN_LIST seen)
    message(FATAL_ERROR "discover_tests.cmake: two test cases named '${name}' in ${EXE}")
  endif()
  list(APPEND seen "${c}")
  doctest_filter(filter "${name}")
  string(MD5 key "${c}")
  set(labels "")
  if(DEFINED labels_${key})
    decode(label_list "${labels_${key}}")
    set(labels "LABELS [==[${label_list}]==]")
  endif()
  string(APPEND script
    "add_test([==[${name}]==] [==[${EXE}]==] [==[--test-case=${filter}]==])\n"
    "set_tests_properties([==[${name}]==] PROPERTIES WORKING_DIRECTORY [==[${WORKDIR}]==] TIMEOUT ${TIMEOUT} ${labels} ${extra})\n")
endforeach()
list(LENGTH cases n)
if(n EQUAL 0)
  message(FATAL_ERROR "discover_tests.cmake: ${EXE} lists no test cases")
endif()
file(WRITE "${OUT}" "# ${n} cases of ${EXE}, written by tests/support/discover_tests.cmake\n${script}")
