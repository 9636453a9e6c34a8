// The Graph Data Science library's version; an unknown-function error where the server has no GDS.
RETURN gds.version() AS version
