#!/bin/bash
# Runs INSIDE dom0 (from the 9p share, via dom0-run.sh) after every boot: installs the Node binary and the
# xendoctor build that test/xen/run.sh staged. The disk is a snapshot, so nothing of it outlives the boot.
set -euo pipefail
install -m 0755 /mnt/share/node /usr/local/bin/node
rm -rf /opt/xendoctor
tar -C /opt -xzf /mnt/share/xendoctor.tgz
chmod 0755 /opt/xendoctor/dist/cli.js
ln -sf /opt/xendoctor/dist/cli.js /usr/local/bin/xendoctor
echo "node $(node --version), $(xendoctor --version)"
