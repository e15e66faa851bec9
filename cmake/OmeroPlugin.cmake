# omero_add_plugin(NAME SOURCES src... [LIBRARIES lib...] [COMPONENT comp]
#                  [OUTPUT_DIRECTORY dir] [NO_INSTALL])
#
# Builds lib omero-NAME.so as a plugin: hidden visibility (only the entry point
# is exported), the manifest NAME.omero-plugin.json generated beside it from
# the plugin's own declaration, and both installed into the plugin dir.
# Used in-tree and, through find_package(OmeroSDK), by third parties.
set(_OMERO_PLUGIN_CMAKE_DIR "${CMAKE_CURRENT_LIST_DIR}")

function(omero_add_plugin name)
  cmake_parse_arguments(P "NO_INSTALL" "COMPONENT;OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  set(target omero-plugin-${name})
  add_library(${target} MODULE ${P_SOURCES})
  target_link_libraries(${target} PRIVATE OmeroSDK::sdk ${P_LIBRARIES})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME omero-${name}
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # The SDK's tables are written with designated initializers that name only
  # the fields they set (the others keep their defaults, by design); -Wextra
  # would flag each one as a missing initializer.
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-Wno-missing-field-initializers>)
  endif()
  # Export omero_plugin_negotiate() and nothing else.
  target_link_options(${target} PRIVATE -Wl,--no-undefined
    "-Wl,--version-script=${_OMERO_PLUGIN_CMAKE_DIR}/omero-plugin.map")
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS "${_OMERO_PLUGIN_CMAKE_DIR}/omero-plugin.map")
  if(P_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${P_OUTPUT_DIRECTORY}")
  elseif(DEFINED OMERO_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${OMERO_PLUGIN_OUTPUT_DIR}")
  endif()
  get_target_property(imported OmeroSDK::omero IMPORTED)
  if(NOT imported)
    add_dependencies(${target} omero)
  endif()
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND $<TARGET_FILE:OmeroSDK::omero> --no-plugins plugin manifest $<TARGET_FILE:${target}>
            -o $<TARGET_FILE_DIR:${target}>/${name}.omero-plugin.json
    COMMENT "Writing the manifest of plugin ${name}"
    VERBATIM)
  if(P_NO_INSTALL)
    return()
  endif()
  if(NOT P_COMPONENT)
    set(P_COMPONENT plugin-${name})
  endif()
  if(NOT DEFINED OMERO_PLUGIN_INSTALL_DIR)
    set(OMERO_PLUGIN_INSTALL_DIR lib/omero/plugins/abi1)
  endif()
  install(TARGETS ${target} LIBRARY DESTINATION ${OMERO_PLUGIN_INSTALL_DIR} COMPONENT ${P_COMPONENT})
  install(FILES $<TARGET_FILE_DIR:${target}>/${name}.omero-plugin.json
          DESTINATION ${OMERO_PLUGIN_INSTALL_DIR} COMPONENT ${P_COMPONENT})
endfunction()
