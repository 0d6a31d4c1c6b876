#!/bin/sh
# check-i18n.sh — run tests/check-i18n.py (TAP): no message people read
# escapes translation, and po/zh_CN.po is complete.
exec python3 "${TESTS_SRCDIR:-$(dirname "$0")}/check-i18n.py"
