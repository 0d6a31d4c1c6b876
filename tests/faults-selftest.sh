#!/bin/bash
# faults-selftest.sh — the fault campaign (tools/faults.py) in make check:
# one short seeded run against the real binaries, whose oracle must find
# nothing wrong, and must report lost writes once the conflicts registry
# is hidden from it (an oracle that cannot fail proves nothing).  The long
# run is `make faults` (SEEDS=N).
. "$(dirname "$0")/tap.sh"

SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")" && pwd)}
BINDIR=$(dirname "$SWSYNC")
command -v python3 >/dev/null || bail_out "python3 is needed"

SEED=${SWSYNC_FAULTS_SEED:-20261202}
exits 0 "campaign seed $SEED, with the self-test" \
    python3 "$SRCDIR/../tools/faults.py" campaign --bindir "$BINDIR" \
    --seed "$SEED" --ops 40 --self-test
diag "$OUT"
like "$OUT" "ok seed $SEED: " "the seed ran"
like "$OUT" "0 divergences, 0 lost, 0 resurrected, 0 integrity, 0 crashes, 0 misreports" \
    "nothing found"
like "$OUT" "with the conflicts hidden: [1-9][0-9]* lost" \
    "with the conflicts hidden, the oracle reports lost writes"
like "$OUT" "kill_server [1-9]|cut_down [1-9]|cut_up [1-9]" "faults were injected"

done_testing
