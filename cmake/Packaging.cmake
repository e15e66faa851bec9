# Debian packages: the host (omero), one package per plugin
# (omero-plugin-<name>), the SDK (omero-sdk), and -dbgsym packages with the
# debug symbols. `cpack -G DEB` in the build dir; check with `lintian *.deb`.
set(CPACK_PACKAGE_NAME omero)
set(CPACK_PACKAGE_VENDOR "omero developers")
set(CPACK_PACKAGE_CONTACT "omero developers <omero-cli@example.org>")
# Each package has its own summary (first line of its description); CPack
# would prepend a global CPACK_PACKAGE_DESCRIPTION_SUMMARY to each, so it is empty.
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Stripped binaries; the symbols go to omero-dbgsym, omero-plugin-<name>-dbgsym.
# CPackDeb strips each binary itself when it splits the debug symbols out
# (CPACK_STRIP_FILES would strip first and leave nothing to split).
set(CPACK_DEBIAN_DEBUGINFO_PACKAGE ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(components host sdk)
set(CPACK_DEBIAN_HOST_PACKAGE_NAME omero)
# Plugins depend on the ABI, not on one host version: any host that speaks it will do.
set(CPACK_DEBIAN_HOST_PACKAGE_PROVIDES "omero-abi-${OMERO_ABI}")
set(CPACK_DEBIAN_HOST_DESCRIPTION "command line to run and upgrade an OMERO server
omero configures an OMERO server, starts, stops and diagnoses it, backs
up, upgrades, restores and optimizes its PostgreSQL database, and carries
it from one release to the next. This package holds the host, which loads
its commands from plugins (one package each) through a stable C ABI.")
set(CPACK_DEBIAN_SDK_PACKAGE_NAME omero-sdk)
# Architecture all: any omero of this version or later (an exact version of an
# arch-dependent package would tie it to one build).
set(CPACK_DEBIAN_SDK_PACKAGE_DEPENDS "omero (>= ${PROJECT_VERSION})")
set(CPACK_DEBIAN_SDK_PACKAGE_ARCHITECTURE all)
set(CPACK_DEBIAN_SDK_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_SDK_DESCRIPTION "SDK for plugins of the omero command line
Headers (the C ABI and a header-only C++ layer), CMake and pkg-config
files, and C and C++ example plugins for writing third-party commands
and per-release upgrade hops for the omero command line.")

set(plugin_summary_config "omero config: the server's etc/grid/config.xml
Reads and changes the OMERO server configuration, byte-compatible with
omero-py's bin/omero config and sharing its lock.")
set(plugin_summary_db "omero db: the OMERO database in PostgreSQL
Creates, upgrades (with a verified backup first, each hop in one
transaction), backs up, restores and optimizes the OMERO database.")
set(plugin_depends_db "postgresql-client")
set(plugin_summary_admin "omero admin: the OMERO server on IceGrid
Regenerates the server's IceGrid files from its templates, starts, stops
and checks the server through the Ice API, explains a start that fails,
runs diagnostics and the release registry's upgrade check.")
set(plugin_depends_admin "zeroc-icegrid, zeroc-glacier2, libcurl4")
set(plugin_recommends_admin "zeroc-ice-utils")
set(plugin_summary_web "omero web: OMERO.web behind nginx or Apache, served by gunicorn
Generates the nginx and Apache httpd configuration for OMERO.web, collects
its static files, starts, stops and checks its gunicorn application server.")
set(plugin_depends_web "python3")
set(plugin_recommends_web "gunicorn")
set(plugin_suggests_web "nginx | apache2")
set(plugin_summary_upgrade "omero upgrade: carry an OMERO server to a new release
Plans, runs, resumes and rolls back the whole upgrade of an OMERO server:
verified backup, stop, distribution swap (archive or directory), config.xml
and local edits carried, database hops, restart, OMERO.web; journaled so a
failure or a kill can be resumed.")
set(plugin_depends_upgrade "omero-plugin-db, diffutils")
set(plugin_recommends_upgrade "omero-plugin-admin, omero-plugin-web")
# Hop plugins (hop-<major>-<minor>, named after the release their hop starts
# from) serve `omero db upgrade`: db recommends them, each enhances db.
foreach(p IN LISTS OMERO_PLUGINS)
  if(p MATCHES "^hop-([0-9]+)-([0-9]+)$")
    set(release "${CMAKE_MATCH_1}.${CMAKE_MATCH_2}")
    set(plugin_summary_${p} "omero ${p}: the OMERO ${release} database upgrade hop
The checks, fixes, notes and PostgreSQL compatibility shims that
'omero db upgrade' needs to carry an OMERO ${release} database to the next
release on today's PostgreSQL. Without it that hop is refused.")
    set(plugin_enhances_${p} "omero-plugin-db")
    list(APPEND plugin_recommends_db "omero-plugin-${p}")
  endif()
endforeach()
list(JOIN plugin_recommends_db ", " plugin_recommends_db)
foreach(p IN LISTS OMERO_PLUGINS)
  string(TOUPPER "plugin-${p}" comp)
  list(APPEND components plugin-${p})
  set(CPACK_DEBIAN_${comp}_PACKAGE_NAME omero-plugin-${p})
  set(deps "omero-abi-${OMERO_ABI}, omero (>= ${PROJECT_VERSION})")
  if(plugin_depends_${p})
    string(APPEND deps ", ${plugin_depends_${p}}")
  endif()
  set(CPACK_DEBIAN_${comp}_PACKAGE_DEPENDS "${deps}")
  if(plugin_recommends_${p})
    set(CPACK_DEBIAN_${comp}_PACKAGE_RECOMMENDS "${plugin_recommends_${p}}")
  endif()
  if(plugin_suggests_${p})
    set(CPACK_DEBIAN_${comp}_PACKAGE_SUGGESTS "${plugin_suggests_${p}}")
  endif()
  if(plugin_enhances_${p})
    set(CPACK_DEBIAN_${comp}_PACKAGE_ENHANCES "${plugin_enhances_${p}}")
  endif()
  if(DEFINED plugin_summary_${p})
    set(CPACK_DEBIAN_${comp}_DESCRIPTION "${plugin_summary_${p}}")
  else()
    set(CPACK_DEBIAN_${comp}_DESCRIPTION "omero ${p}: a first-party plugin of the omero command line
Adds the 'omero ${p}' commands to the omero command line.")
  endif()
endforeach()
set(CPACK_COMPONENTS_ALL ${components})
include(CPack)
