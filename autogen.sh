#!/bin/sh
# Regenerate the build system: configure, Makefile.in and the aux files.
set -e
cd "$(dirname "$0")"
autoreconf --install --force --warnings=all
