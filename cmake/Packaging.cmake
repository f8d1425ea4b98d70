# Install rules and CPack packages (included at the end of the top-level
# CMakeLists.txt):
# - Linux: a .deb (`cpack -G DEB`, or scripts/package): the binary in
#   /usr/bin, the default configuration in /etc/entra-pta-exporter/ (a
#   conffile), a systemd unit running it as the system user
#   entra-pta-exporter (created by packaging/debian/postinst), the docs,
#   alerting rules and dashboards under /usr/share. Depends are computed by
#   dpkg-shlibdeps from the binary.
# - Windows: a ZIP (`cpack -G ZIP`): the exe with the DLLs it loads (from
#   vcpkg), the default configuration, README, docs, alerts, dashboards and
#   the install/uninstall scripts (packaging/windows/*.ps1) at its top level.
# - Windows, cross-compiled (scripts/test-windows): also the Windows
#   Installer package entra-pta-exporter-<version>-x64.msi (`cmake --build
#   . --target msi` after cpack), made by packaging/windows/build-msi with
#   wixl from packaging/windows/entra-pta-exporter.wxs and the exe in the
#   ZIP, byte for byte. The Windows workflow builds the same source with
#   the WiX Toolset.

set(entra_pta_package_name entra-pta-exporter)
# The repository, also when tests/packaging/test_windows_package.py includes
# this file from a stand-in project to build the Windows ZIP's layout.
get_filename_component(entra_pta_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

if(WIN32)
  if(CMAKE_CROSSCOMPILING)
    # The mingw-w64 build links everything statically (scripts/test-windows):
    # there are no DLLs to ship, and CMake cannot resolve runtime
    # dependencies when cross-compiling.
    install(TARGETS entra_pta_exporter RUNTIME DESTINATION .)
  else()
    install(TARGETS entra_pta_exporter
      # The vcpkg DLLs the exe loads; Windows' own stay out. (Argument order
      # matters: RUNTIME_DEPENDENCIES before the artifact kinds.)
      RUNTIME_DEPENDENCIES
        PRE_EXCLUDE_REGEXES "^api-ms-" "^ext-ms-"
        POST_EXCLUDE_REGEXES ".*[Ss]ystem32/.*\\.dll$"
        DIRECTORIES "${VCPKG_INSTALLED_DIR}/${VCPKG_TARGET_TRIPLET}/bin"
      RUNTIME DESTINATION .)
  endif()
  install(FILES ${entra_pta_root}/entra-pta-exporter.yml ${entra_pta_root}/README.md
          DESTINATION .)
  install(FILES ${entra_pta_root}/packaging/windows/install.ps1
                ${entra_pta_root}/packaging/windows/uninstall.ps1
          DESTINATION .)
  set(entra_pta_doc_dir docs)
  set(entra_pta_share_dir .)
else()
  include(GNUInstallDirs)
  install(TARGETS entra_pta_exporter RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  # Absolute on purpose: the configuration belongs in /etc whatever the
  # prefix (the .deb installs to /usr).
  install(FILES ${entra_pta_root}/entra-pta-exporter.yml
          DESTINATION /etc/${entra_pta_package_name})
  install(FILES ${entra_pta_root}/packaging/debian/entra-pta-exporter.service
          DESTINATION lib/systemd/system)
  # Debian's /usr/share/doc/<package> (GNUInstallDirs' DOCDIR would use
  # the CMake project's name).
  set(entra_pta_doc_dir ${CMAKE_INSTALL_DATAROOTDIR}/doc/${entra_pta_package_name})
  install(FILES ${entra_pta_root}/README.md DESTINATION ${entra_pta_doc_dir})
  set(entra_pta_share_dir ${CMAKE_INSTALL_DATADIR}/${entra_pta_package_name})
endif()
install(FILES ${entra_pta_root}/docs/configuration.md ${entra_pta_root}/docs/metrics.md
              ${entra_pta_root}/docs/runbooks.md
        DESTINATION ${entra_pta_doc_dir})
install(FILES ${entra_pta_root}/alerts/entra-pta.rules.yml
              ${entra_pta_root}/alerts/alertmanager.yml
        DESTINATION ${entra_pta_share_dir}/alerts)
install(FILES ${entra_pta_root}/dashboards/entra-pta-overview.json
              ${entra_pta_root}/dashboards/entra-pta-agent.json
        DESTINATION ${entra_pta_share_dir}/dashboards)
install(DIRECTORY ${entra_pta_root}/dashboards/provisioning
        DESTINATION ${entra_pta_share_dir}/dashboards)

if(WIN32 AND CMAKE_CROSSCOMPILING)
  find_program(ENTRA_PTA_WIXL wixl REQUIRED)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
  set(ENTRA_PTA_MSI
      ${PROJECT_BINARY_DIR}/packages/${entra_pta_package_name}-${PROJECT_VERSION}-x64.msi)
  # Not part of the default build: it packs what cpack packed.
  add_custom_target(msi
    COMMAND ${Python3_EXECUTABLE} ${entra_pta_root}/packaging/windows/build-msi
            --version ${PROJECT_VERSION}
            --zip ${PROJECT_BINARY_DIR}/packages/${entra_pta_package_name}-${PROJECT_VERSION}-windows-x64.zip
            --config ${entra_pta_root}/entra-pta-exporter.yml
            --readme ${entra_pta_root}/README.md --output ${ENTRA_PTA_MSI}
    COMMENT "Building the Windows Installer package (wixl)"
    VERBATIM)
endif()

set(CPACK_PACKAGE_NAME ${entra_pta_package_name})
set(CPACK_PACKAGE_VENDOR "entra-pta-exporter developers")
set(CPACK_PACKAGE_CONTACT "entra-pta-exporter developers <dev@entra-pta-exporter.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Prometheus exporter for Microsoft Entra ID Pass-through Authentication agents")
set(CPACK_PACKAGE_DESCRIPTION
    "Watches the health of Entra ID PTA agents (services, events, network \
to Microsoft, TLS interception, heartbeat, domain controllers, Entra's own \
view through Microsoft Graph) and serves it to Prometheus.")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://github.com/entra-pta-exporter/entra-pta-exporter")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY ${PROJECT_BINARY_DIR}/packages)

if(WIN32)
  set(CPACK_GENERATOR ZIP)
  set(CPACK_PACKAGE_FILE_NAME ${entra_pta_package_name}-${PROJECT_VERSION}-windows-x64)
  # install.ps1 expects the files at the top of the archive.
  set(CPACK_INCLUDE_TOPLEVEL_DIRECTORY OFF)
else()
  set(CPACK_GENERATOR DEB)
  set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
  set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
  set(CPACK_DEBIAN_PACKAGE_SECTION net)
  set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  # Besides the shared libraries: adduser for postinst, the CA bundle for
  # the probes and Microsoft Graph.
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, ca-certificates")
  set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
      ${entra_pta_root}/packaging/debian/postinst
      ${entra_pta_root}/packaging/debian/prerm
      ${entra_pta_root}/packaging/debian/postrm
      ${entra_pta_root}/packaging/debian/conffiles)
  set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
endif()

include(CPack)
