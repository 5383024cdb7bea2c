# cmake -DSOURCE=<repo>/web -DHTMX=<assets>/web/htmx.min.js -DDEST=<build>/web -P AssembleWeb.cmake
# Assembles the directory `bisk serve` reads its pages from (BISK_WEB_DIR):
# the templates and static files of the repository plus htmx from its npm
# package (fetched by scripts/fetch_assets.sh, never from a CDN).
if(NOT EXISTS "${HTMX}")
  message(FATAL_ERROR "${HTMX} is missing: run scripts/fetch_assets.sh (it fetches htmx from the npm package htmx.org), "
                      "or configure with -DBISK_ASSETS_DIR=<the directory it filled>.")
endif()
file(REMOVE_RECURSE "${DEST}")
file(COPY "${SOURCE}/" DESTINATION "${DEST}")
file(COPY "${HTMX}" DESTINATION "${DEST}/static/vendor")
