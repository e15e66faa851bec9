# Per-package documents that Debian expects: copyright, changelog.gz, and a
# man page per package generated from the command tables (so it cannot
# drift from `omero help`), plus the omero-<plugin> busybox links.
set(docdir ${PROJECT_BINARY_DIR}/share/doc)
file(MAKE_DIRECTORY ${docdir} ${PROJECT_BINARY_DIR}/share/man/man1 ${PROJECT_BINARY_DIR}/links)
add_custom_command(OUTPUT ${docdir}/changelog.gz
  COMMAND gzip -9n -c ${PROJECT_SOURCE_DIR}/share/doc/changelog > ${docdir}/changelog.gz
  DEPENDS ${PROJECT_SOURCE_DIR}/share/doc/changelog VERBATIM)
set(doc_outputs ${docdir}/changelog.gz)

# man page NAME for `omero help --man WORD`, built with the plugins of this tree.
function(omero_man_page name word)
  set(out ${PROJECT_BINARY_DIR}/share/man/man1/${name}.1.gz)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E env OMERO_PLUGIN_PATH=${OMERO_PLUGIN_OUTPUT_DIR}
            sh -c "$<TARGET_FILE:omero> help --man ${word} | gzip -9n > ${out}"
    DEPENDS omero ${ARGN} VERBATIM)
  set(doc_outputs ${doc_outputs} ${out} PARENT_SCOPE)
endfunction()

omero_man_page(omero "")
# A hop plugin (hop-<major>-<minor>) has no command: no man page, no link.
set(command_plugins ${OMERO_PLUGINS})
list(FILTER command_plugins EXCLUDE REGEX "^hop-")
foreach(p IN LISTS command_plugins)
  omero_man_page(omero-${p} ${p} omero-plugin-${p})
endforeach()
add_custom_target(omero-docs ALL DEPENDS ${doc_outputs})

foreach(comp host sdk)
  set(pkg omero)
  if(comp STREQUAL "sdk")
    set(pkg omero-sdk)
  endif()
  install(FILES ${PROJECT_SOURCE_DIR}/share/doc/copyright ${docdir}/changelog.gz
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${pkg} COMPONENT ${comp})
endforeach()
install(FILES ${PROJECT_BINARY_DIR}/share/man/man1/omero.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT host)
foreach(p IN LISTS OMERO_PLUGINS)
  install(FILES ${PROJECT_SOURCE_DIR}/share/doc/copyright ${docdir}/changelog.gz
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/omero-plugin-${p} COMPONENT plugin-${p})
endforeach()
foreach(p IN LISTS command_plugins)
  install(FILES ${PROJECT_BINARY_DIR}/share/man/man1/omero-${p}.1.gz
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT plugin-${p})
  # omero-<plugin> runs `omero <plugin> ...` (busybox style), as omero-py's scripts expect.
  file(CREATE_LINK omero ${PROJECT_BINARY_DIR}/links/omero-${p} SYMBOLIC)
  install(FILES ${PROJECT_BINARY_DIR}/links/omero-${p} DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT plugin-${p})
  # bash-completion loads a command's completion by its name: omero-<plugin>'s is omero's.
  file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/links/completions)
  file(CREATE_LINK omero ${PROJECT_BINARY_DIR}/links/completions/omero-${p} SYMBOLIC)
  install(FILES ${PROJECT_BINARY_DIR}/links/completions/omero-${p}
          DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions COMPONENT plugin-${p})
endforeach()
