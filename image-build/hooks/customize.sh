#!/bin/bash
# mmdebstrap --customize-hook: makes the Debian root file system a Préau box. Runs on the
# build machine with the root file system at $1 (build.sh exports the PREAU_* variables).
set -euo pipefail
root=$1
: "${PREAU_IMAGE_DIR:?}" "${PREAU_BIN:?}" "${PREAU_SIGNING_KEY:?}" "${PREAU_ARCH:?}" "${PREAU_PACKAGES_OUT:?}"
in_root() { chroot "$root" "$@"; }

# The files of rootfs/ (units, udev rule, scripts, configuration), with normalised modes.
(cd "$PREAU_IMAGE_DIR/rootfs" && find . -type d) | while read -r dir; do
  install -d -m 0755 "$root/$dir"
done
(cd "$PREAU_IMAGE_DIR/rootfs" && find . -type f) | while read -r file; do
  mode=0644
  [[ -x $PREAU_IMAGE_DIR/rootfs/$file ]] && mode=0755
  install -m "$mode" "$PREAU_IMAGE_DIR/rootfs/$file" "$root/$file"
done
install -m 0755 "$PREAU_BIN" "$root/usr/bin/preau"
install -m 0644 "$PREAU_SIGNING_KEY" "$root/etc/preau/bundle-signing.pub"
# Which system this is, for the setup page; an update writes its own into the new slot.
printf 'VERSION=%s\nSLOT=A\n' "${SOURCE_DATE_EPOCH:?}" > "$root/etc/preau-release"

# The preau user (fixed id 800, as the data partition is made for it).
in_root systemd-sysusers
[[ $(in_root id preau) == 'uid=800(preau) gid=800(preau) groups=800(preau)' ]] || { echo "preau is not uid 800" >&2; exit 1; }

# Reproducible and neutral host files (mmdebstrap copies the build machine's).
echo preau > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tpreau\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
ln -sfn ../run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"

# No account has a password: root and every system account are locked.
in_root passwd --lock root >/dev/null
if awk -F: '$2 !~ /^[!*]/ { print $1; bad = 1 } END { exit !bad }' "$root/etc/shadow"; then
  echo "accounts above have a usable password" >&2
  exit 1
fi

# SSH: installed but off (no host keys, masked) until a bundle brings keys.
rm -f "$root"/etc/ssh/ssh_host_*
in_root systemctl disable --quiet ssh.service ssh.socket 2>/dev/null || true
in_root systemctl mask --quiet ssh.service ssh.socket

# Services: networkd, resolved (loopback stub only), timesyncd, preau and its root helpers.
in_root systemctl enable --quiet systemd-networkd.service systemd-resolved.service \
  systemd-timesyncd.service preau.service preau-system.path preau-system.service \
  preau-boot-ok.service
# Nothing fetches package lists behind the box's back (updates come as a new root slot).
in_root systemctl disable --quiet apt-daily.timer apt-daily-upgrade.timer 2>/dev/null || true
in_root systemctl mask --quiet apt-daily.service apt-daily-upgrade.service

# One initramfs, built now (hooks/essential.sh held update-initramfs back meanwhile).
rm -f "$root/usr/sbin/update-initramfs"
in_root dpkg-divert --quiet --local --rename --remove /usr/sbin/update-initramfs
in_root update-initramfs -c -k all

# What was installed, for the record (build.sh compares it with packages-<arch>.lock).
# shellcheck disable=SC2016 # dpkg-query's own ${…} fields
in_root dpkg-query -W -f '${binary:Package} ${Version}\n' | sed 's/:[a-z0-9]* / /' | LC_ALL=C sort > "$PREAU_PACKAGES_OUT"
rm -f "$root/etc/apt/preferences.d/preau-lock"
