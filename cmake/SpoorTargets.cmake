# One helper per kind of target; warnings live here and nowhere else.
set(SPOOR_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)

function(spoor_apply_warnings target)
  target_compile_options(${target} PRIVATE ${SPOOR_WARNINGS})
  if(SPOOR_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# spoor_library(NAME SOURCES a.cc b.cc DEPS x y)
function(spoor_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  spoor_apply_warnings(${name})
endfunction()

# spoor_test(NAME SOURCES a_test.cc DEPS x LABEL unit)
function(spoor_test name)
  cmake_parse_arguments(ARG "" "LABEL" "SOURCES;DEPS" ${ARGN})
  if(NOT ARG_LABEL)
    set(ARG_LABEL unit)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main GTest::gmock)
  spoor_apply_warnings(${name})
  gtest_discover_tests(${name} PROPERTIES LABELS ${ARG_LABEL} DISCOVERY_TIMEOUT 30)
endfunction()
include(GoogleTest)

# spoor_embed(TARGET NAMES kA kB FILES a b): compiles the files into TARGET
# as spoor::assets::kA ... (std::string_view).
function(spoor_embed target)
  cmake_parse_arguments(ARG "" "" "NAMES;FILES" ${ARGN})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${target}_assets.cc)
  string(REPLACE ";" "|" names "${ARG_NAMES}")
  string(REPLACE ";" "|" files "${ARG_FILES}")
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DOUT=${out} -DNAMES=${names} -DFILES=${files}
            -P ${PROJECT_SOURCE_DIR}/cmake/Embed.cmake
    DEPENDS ${ARG_FILES} ${PROJECT_SOURCE_DIR}/cmake/Embed.cmake
    COMMENT "Embedding ${names}" VERBATIM)
  target_sources(${target} PRIVATE ${out})
endfunction()
