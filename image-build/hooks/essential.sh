#!/bin/bash
# mmdebstrap --essential-hook: before the kernel and the other packages are installed, divert
# update-initramfs to a stand-in that does nothing, so that the kernel's postinst and the
# initramfs-tools triggers do not each build an initramfs (minutes under arm64 emulation).
# hooks/customize.sh puts the real one back and builds the initramfs once.
set -euo pipefail
root=$1
chroot "$root" dpkg-divert --quiet --local --rename \
  --divert /usr/sbin/update-initramfs.preau-held --add /usr/sbin/update-initramfs
mkdir -p "$root/usr/sbin"
printf '#!/bin/sh\n# Held back while the image is built (image-build/hooks/essential.sh).\nexit 0\n' \
  > "$root/usr/sbin/update-initramfs"
chmod 0755 "$root/usr/sbin/update-initramfs"

# arm64: raspi-firmware's hooks copy the kernel to a mounted /boot/firmware; build.sh makes
# the boot partition itself, so those hooks are not unpacked (dpkg path-exclude in build.sh)
# and the package's postinst, which runs one of them, finds a stand-in that does nothing.
if [[ ${PREAU_ARCH:-} == arm64 ]]; then
  for hook in /etc/kernel/postinst.d/z50-raspi-firmware /etc/initramfs/post-update.d/z50-raspi-firmware; do
    mkdir -p "$root${hook%/*}"
    printf '#!/bin/sh\n# The Préau image makes its boot partition itself (image-build/build.sh).\nexit 0\n' > "$root$hook"
    chmod 0755 "$root$hook"
  done
fi
