# What `cmake --install` puts where, and the Debian package CPack makes of it (`cpack` in the
# build directory, or the `package` target). Layout, under the prefix:
#   bin/chaindrill
#   share/chaindrill/{scenarios,plugins,fixtures/vendors,fixtures/vendor-plugins,deploy/helm}
#       the source tree's layout, so the paths scenarios and vendor definitions give relative to
#       themselves (../plugins/hostpath-exec.sh, ../fixtures/vendor-plugins/...) still resolve;
#       vendor-check finds its standard set there when ./scenarios/vendor-check does not exist
#   share/man/man1/chaindrill.1.gz
#   share/doc/chaindrill/{README.md,*.md}
include(GNUInstallDirs)
set(datadir ${CMAKE_INSTALL_DATADIR}/chaindrill)
# The binary finds its data relative to itself, so a prefix chosen at install time works too.
file(RELATIVE_PATH datadir_rel ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}
     ${CMAKE_INSTALL_PREFIX}/${datadir})
set_property(SOURCE ${CMAKE_SOURCE_DIR}/harness/util/fs.c APPEND PROPERTY
             COMPILE_DEFINITIONS CHAINDRILL_DATADIR_REL="${datadir_rel}")

install(TARGETS chaindrill RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY scenarios DESTINATION ${datadir})
install(PROGRAMS plugins/hostpath-exec.sh DESTINATION ${datadir}/plugins)
install(DIRECTORY fixtures/vendors DESTINATION ${datadir}/fixtures)
install(DIRECTORY fixtures/vendor-plugins DESTINATION ${datadir}/fixtures USE_SOURCE_PERMISSIONS)
# The Helm chart of the kind and minikube platforms (CHAINDRILL_CHART names it when not run from
# a checkout).
install(DIRECTORY deploy/helm DESTINATION ${datadir}/deploy)
file(GLOB doc_files CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES README.md ${doc_files} DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The man page, compressed as Debian installs man pages (-n: no name or time in the header, so
# the same page gives the same bytes).
set(man_gz ${CMAKE_BINARY_DIR}/chaindrill.1.gz)
add_custom_command(OUTPUT ${man_gz}
  COMMAND gzip -9nc ${CMAKE_SOURCE_DIR}/docs/chaindrill.1 > ${man_gz}
  DEPENDS ${CMAKE_SOURCE_DIR}/docs/chaindrill.1 VERBATIM)
add_custom_target(manpage ALL DEPENDS ${man_gz})
install(FILES ${man_gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME chaindrill)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "chaindrill maintainers <chaindrill@example.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "backup and restore drills for a BFT blockchain on RocksDB and Kubernetes")
# CPack puts the summary first and indents these lines below it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "chaindrill reads a YAML scenario, brings up a cluster of real
replica processes, writes blocks, takes replica checkpoints and storage
backups, runs the restore runbook step by step and reports whether the
recovered chain is consistent, as JSON, JUnit XML and a human summary.")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# Libraries from dpkg-shlibdeps; jq for the reference plugin (plugins/hostpath-exec.sh; bash is
# essential).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "jq")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "kubectl, rocksdb-tools")
include(CPack)
