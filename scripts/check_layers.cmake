# Fails when a source file includes a header of a layer above its own.
#   cmake -DSRC=<source root> "-DLAYERS=kernels,core,...,bench/micro bench/cli" -P check_layers.cmake
# LAYERS lists the layers bottom-up, separated by commas; an entry may name several folders separated by spaces, peers
# that may include the layers below but not each other. A file may include its own folder and
# anything of a lower layer; includes of paths outside the listed folders are not checked.
cmake_minimum_required(VERSION 3.25)

set(folders "")
set(level 0)
string(REPLACE "," ";" LAYERS "${LAYERS}")
foreach(entry IN LISTS LAYERS)
  string(REPLACE " " ";" peers "${entry}")
  foreach(folder IN LISTS peers)
    list(APPEND folders "${folder}")
    set(level_of_${folder} ${level})
  endforeach()
  math(EXPR level "${level} + 1")
endforeach()

# The listed folder a path lies in (the longest matching one), or "" outside them all.
function(folder_of path out)
  set(best "")
  foreach(folder IN LISTS folders)
    string(LENGTH "${folder}" length)
    string(LENGTH "${best}" best_length)
    string(SUBSTRING "${path}" 0 ${length} head)
    if(head STREQUAL folder AND length GREATER best_length)
      string(SUBSTRING "${path}" ${length} 1 next)
      if(next STREQUAL "/")
        set(best "${folder}")
      endif()
    endif()
  endforeach()
  set(${out} "${best}" PARENT_SCOPE)
endfunction()

set(violations "")
foreach(folder IN LISTS folders)
  file(GLOB_RECURSE files RELATIVE "${SRC}" "${SRC}/${folder}/*.h" "${SRC}/${folder}/*.cpp" "${SRC}/${folder}/*.cu"
       "${SRC}/${folder}/*.inc")
  foreach(file IN LISTS files)
    folder_of("${file}" own)
    if(NOT own STREQUAL folder)
      continue()  # a subfolder listed as a layer of its own is checked as that layer
    endif()
    file(STRINGS "${SRC}/${file}" includes REGEX "^[ \t]*#[ \t]*include[ \t]+\"[^\"]+\"")
    foreach(line IN LISTS includes)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]+\"([^\"]+)\".*" "\\1" target "${line}")
      folder_of("${target}" theirs)
      if(theirs STREQUAL "" OR theirs STREQUAL own)
        continue()
      endif()
      if(NOT level_of_${theirs} LESS level_of_${own})
        list(APPEND violations "${file} includes ${target}: layer ${theirs} is not below ${own}")
      endif()
    endforeach()
  endforeach()
endforeach()

if(violations)
  list(JOIN violations "\n  " text)
  message(FATAL_ERROR "includes against the layering (see the top-level CMakeLists.txt):\n  ${text}")
endif()
