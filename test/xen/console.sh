#!/bin/bash
# Attaches to the test VM's serial console (Xen's com1; dom0 on hvc0 behind it logs root in automatically).
# Ctrl-] detaches; Ctrl-a three times switches input between dom0 and Xen.
source "$(dirname "$0")/lib.sh"
exec socat -,raw,echo=0,escape=0x1d "UNIX-CONNECT:$RUNDIR/console.sock"
