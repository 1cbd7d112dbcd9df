#!/bin/bash
# Builds the Préau appliance image from Debian bookworm packages, without loop devices or
# mounts: mmdebstrap makes the root file system as a tarball, mke2fs -d turns it into the
# slot-A ext4 file system, mkfs.vfat + mtools make the EFI system partition, sfdisk lays
# out the GPT on a plain file and dd puts each piece in place.
#
#   image-build/build.sh --signing-key ca/bundle-signing.pub [--arch amd64|arm64]
#                        [--preau-bin FILE] [--out DIR] [--rootfs-only] [--locked]
#                        [--compress] [--from-rootfs FILE]
#
# --from-rootfs reuses a root file system tarball of an earlier build (preau-<arch>.rootfs.tar)
# and only assembles the disk image.
#
# Run as root on Debian bookworm (mmdebstrap needs a chroot). See image-build/README.md.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit "${1:-0}"
}

arch=amd64
signing_key=""
preau_bin=""
out="$here/out"
rootfs_only=0
locked=0
compress=0
from_rootfs=""
suite=bookworm
mirror=http://deb.debian.org/debian
security_mirror=http://deb.debian.org/debian-security

while [[ $# -gt 0 ]]; do
  case $1 in
    --arch) arch=${2:?}; shift 2 ;;
    --signing-key) signing_key=${2:?}; shift 2 ;;
    --preau-bin) preau_bin=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --rootfs-only) rootfs_only=1; shift ;;
    --locked) locked=1; shift ;;
    --compress) compress=1; shift ;;
    --from-rootfs) from_rootfs=${2:?}; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "unknown option: $1" >&2; usage 2 ;;
  esac
done

case $arch in
  amd64)
    rust_target=x86_64-unknown-linux-gnu
    efi_loader=systemd-bootx64.efi
    efi_removable=BOOTX64.EFI
    root_type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709   # "Linux root (x86-64)"
    console="console=tty0 console=ttyS0,115200"
    ;;
  arm64)
    rust_target=aarch64-unknown-linux-gnu
    efi_loader=systemd-bootaa64.efi
    efi_removable=BOOTAA64.EFI
    root_type=B921B045-1DF0-41C3-AF44-4C6F280D3FAE   # "Linux root (ARM-64)"
    console="console=tty0 console=ttyAMA0,115200"
    ;;
  *) die "--arch must be amd64 or arm64" ;;
esac

[[ -n $signing_key ]] || die "--signing-key is required: the commune's bundle-signing.pub (preau-provision ca init)"
[[ -r $signing_key ]] || die "cannot read $signing_key"
[[ $(sed -n 2p "$signing_key") =~ ^RW[A-Za-z0-9+/]{54}$ ]] ||
  die "$signing_key is not a minisign public key (bundle-signing.pub from preau-provision ca init)"
[[ $(id -u) == 0 ]] || die "run as root (mmdebstrap makes the root file system in a chroot)"
need mmdebstrap mke2fs mkfs.vfat mmd mcopy sfdisk tar
# mke2fs reads tarballs through libarchive, loaded at run time.
ldconfig -p | grep 'libarchive\.so\.13' >/dev/null || die "mke2fs needs libarchive to read the tarball: apt-get install libarchive13"
# mke2fs -d reads a tarball since e2fsprogs 1.47.1 (bookworm-backports has 1.47.2).
mke2fs_version=$(mke2fs -V 2>&1 | sed -n 's/^mke2fs \([0-9.]*\).*/\1/p')
if [[ $(printf '%s\n' 1.47.1 "$mke2fs_version" | sort -V | sed -n 1p) != 1.47.1 ]]; then
  die "mke2fs $mke2fs_version cannot read a tarball: install e2fsprogs from bookworm-backports (>= 1.47.1)"
fi

# Reproducible: every time stamp is the last commit's, every identifier fixed below.
if [[ -z ${SOURCE_DATE_EPOCH:-} ]]; then
  SOURCE_DATE_EPOCH=$(git -C "$repo" log -1 --format=%ct 2>/dev/null || echo 1767225600)
fi
export SOURCE_DATE_EPOCH
export MTOOLS_SKIP_CHECK=1 LC_ALL=C.UTF-8 TZ=UTC

# Disk layout (MiB). Slot B stays empty until the first A/B update writes it.
esp_mib=256
root_mib=1024
data_mib=256
# Fixed identifiers (GPT disk and partitions, file systems, ext4 hash seeds, FAT serial).
disk_guid=5052C3A9-0000-4000-8000-505245415500
esp_guid=5052C3A9-0000-4000-8000-505245415501
root_a_guid=5052C3A9-0000-4000-8000-505245415502
root_b_guid=5052C3A9-0000-4000-8000-505245415503
data_guid=5052C3A9-0000-4000-8000-505245415504
root_fs_uuid=5052C3A9-0000-4000-8000-505245410002
root_fs_seed=5052C3A9-0000-4000-8000-505245411002
data_fs_uuid=5052C3A9-0000-4000-8000-505245410004
data_fs_seed=5052C3A9-0000-4000-8000-505245411004
esp_serial=50524541
preau_uid=800   # usr/lib/sysusers.d/preau.conf

mkdir -p "$out"
out=$(cd "$out" && pwd)
name=preau-$arch
work=$(mktemp -d "$out/.work-$arch.XXXXXX")
trap 'rm -rf "$work"' EXIT

printf 'Préau image: %s, Debian %s, SOURCE_DATE_EPOCH=%s, output %s\n' "$arch" "$suite" "$SOURCE_DATE_EPOCH" "$out" >&2

# 1. The preau binary (unless the root file system is reused).
if [[ -z $from_rootfs ]]; then
  if [[ -z $preau_bin ]]; then
    stage "preau binary (cargo build --release, $rust_target)"
    cargo_args=(build --release -p preau --manifest-path "$repo/Cargo.toml")
    if [[ $arch == arm64 ]]; then
      cargo_args+=(--target "$rust_target")
      export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER:-aarch64-linux-gnu-gcc}
      export CC_aarch64_unknown_linux_gnu=${CC_aarch64_unknown_linux_gnu:-aarch64-linux-gnu-gcc}
      preau_bin=$repo/target/$rust_target/release/preau
    else
      preau_bin=$repo/target/release/preau
    fi
    timeout 3600 cargo "${cargo_args[@]}"
  fi
  [[ -x $preau_bin ]] || die "no preau binary at $preau_bin"
  case $arch in
    amd64) file_arch='x86-64' ;;
    arm64) file_arch='aarch64' ;;
  esac
  if command -v file >/dev/null && ! file -L "$preau_bin" | grep "$file_arch" >/dev/null; then
    die "$preau_bin is not an $arch binary"
  fi
else
  [[ -r $from_rootfs ]] || die "cannot read $from_rootfs"
fi

# 2. The root file system: mmdebstrap into a tarball (unless --from-rootfs).
build_rootfs() {
  stage "root file system (mmdebstrap, $arch)"
  packages=$(sed -e 's/#.*//' "$here/packages.txt" |
    awk -v arch="$arch" 'NF == 0 { next } NF == 1 || $2 == "[" arch "]" { print $1 }' | paste -sd, -)
  components=main
  if [[ $arch == arm64 ]]; then
    components=main,non-free-firmware   # raspi-firmware
    if [[ $(dpkg --print-architecture) != arm64 ]]; then
      need update-binfmts
      [[ -e /proc/sys/fs/binfmt_misc/status ]] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
      update-binfmts --enable qemu-aarch64 2>/dev/null || true
      [[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] ||
        die "no binfmt handler for arm64: apt-get install qemu-user-static binfmt-support"
    fi
  fi
  lock=$here/packages-$arch.lock
  lock_hook=()
  if [[ $locked == 1 ]]; then
    [[ -r $lock ]] || die "--locked: no $lock"
    # Every package at the recorded version (apt fails if the mirror no longer has it).
    awk 'NF >= 2 && $1 !~ /^#/ { printf "Package: %s\nPin: version %s\nPin-Priority: 1001\n\n", $1, $2 }' \
      "$lock" > "$work/preau-lock.pref"
    lock_hook=(--setup-hook="mkdir -p \"\$1/etc/apt/preferences.d\" && cp '$work/preau-lock.pref' \"\$1/etc/apt/preferences.d/preau-lock\"")
  fi
  export PREAU_IMAGE_DIR=$here PREAU_BIN=$preau_bin PREAU_SIGNING_KEY=$signing_key
  export PREAU_ARCH=$arch PREAU_PACKAGES_OUT=$work/packages
  rootfs=$work/rootfs.tar
  # Documentation, manual pages, translations and the kernel modules a school server never
  # needs (graphics, sound, cameras, wireless, Bluetooth, InfiniBand…) are not unpacked.
  excludes=('/usr/share/doc/*' '/usr/share/man/*' '/usr/share/info/*' '/usr/share/lintian/*' '/usr/share/locale/*')
  for dir in drivers/gpu drivers/media sound drivers/net/wireless net/wireless net/mac80211 \
    drivers/bluetooth net/bluetooth drivers/infiniband drivers/staging drivers/isdn drivers/iio \
    drivers/net/can net/can arch/x86/kvm drivers/input/joystick drivers/input/tablet drivers/input/touchscreen; do
    excludes+=("/lib/modules/*/kernel/$dir/*" "/usr/lib/modules/*/kernel/$dir/*")
  done
  if [[ $arch == arm64 ]]; then
    # raspi-firmware's hooks copy kernels to a mounted /boot/firmware: build.sh makes the ESP
    # (hooks/essential.sh puts stand-ins there).
    excludes+=(/etc/kernel/postinst.d/z50-raspi-firmware /etc/initramfs/post-update.d/z50-raspi-firmware)
  fi
  dpkg_opts=()
  for pattern in "${excludes[@]}"; do dpkg_opts+=(--dpkgopt="path-exclude=$pattern"); done
  dpkg_opts+=(--dpkgopt='path-include=/usr/share/doc/*/copyright')
  # shellcheck disable=SC2016 # the hooks' $1 and variables are expanded by mmdebstrap's shell
  # Under arm64 emulation this takes 10 to 30 minutes, natively 3 or 4.
  timeout 3600 mmdebstrap \
    --variant=apt --arch="$arch" --components="$components" --include="$packages" \
    --format=tar \
    "${dpkg_opts[@]}" \
    --aptopt='Acquire::Retries "3"' \
    --essential-hook='"$PREAU_IMAGE_DIR"/hooks/essential.sh "$1"' \
    ${lock_hook[@]+"${lock_hook[@]}"} \
    --customize-hook='"$PREAU_IMAGE_DIR"/hooks/customize.sh "$1"' \
    "$suite" "$rootfs" \
    "deb $mirror $suite ${components//,/ }" \
    "deb $mirror $suite-updates ${components//,/ }" \
    "deb $security_mirror $suite-security ${components//,/ }"
  cp "$work/packages" "$out/$name.packages"
  if [[ -r $lock ]] && ! diff -u "$lock" "$out/$name.packages" > "$work/lock.diff"; then
    printf 'note: the installed packages differ from %s (copy %s over it to record them):\n' "$lock" "$out/$name.packages" >&2
    grep '^[-+][^-+]' "$work/lock.diff" | sed -n '1,20p' >&2 || true
  fi
  mv "$rootfs" "$out/$name.rootfs.tar"
  rootfs=$out/$name.rootfs.tar
  (cd "$out" && sha256sum "$name.rootfs.tar") | tee "$out/$name.rootfs.tar.sha256" >&2
}
if [[ -n $from_rootfs ]]; then
  rootfs=$from_rootfs
else
  build_rootfs
fi

if [[ $rootfs_only == 1 ]]; then
  stage_end
  exit 0
fi

# 3. Boot files out of the root file system: the kernel, the initramfs, the UEFI loader
#    (and, for arm64, the Raspberry Pi firmware and device trees).
stage "boot files"
boot=$work/boot
mkdir -p "$boot"
tar -xf "$rootfs" -C "$boot" --wildcards './boot/vmlinuz-*' './boot/initrd.img-*' \
  "./usr/lib/systemd/boot/efi/$efi_loader"
if [[ $arch == arm64 ]]; then
  tar -xf "$rootfs" -C "$boot" --wildcards './usr/lib/raspi-firmware/*' './usr/lib/linux-image-*/broadcom/bcm2711-*.dtb'
fi
kernels=("$boot"/boot/vmlinuz-*)
[[ ${#kernels[@]} == 1 ]] || die "expected one kernel in the root file system, found ${#kernels[@]}"
kver=${kernels[0]##*/vmlinuz-}
kernel=$boot/boot/vmlinuz-$kver
initrd=$boot/boot/initrd.img-$kver
[[ -f $initrd ]] || die "no initramfs for $kver"
if [[ $arch == arm64 ]] && gzip -t "$kernel" 2>/dev/null; then
  # Debian's arm64 vmlinuz is a gzipped Image: systemd-boot needs the EFI stub uncompressed.
  gzip -dc "$kernel" > "$work/Image"
  kernel=$work/Image
fi

# 4. The EFI system partition (FAT32): systemd-boot with one entry per root slot (only A
#    at first; an update adds B), the kernel and initramfs of slot A under /preau-a. The
#    default is the good entry of the highest version (its `version`; see « Updates »).
stage "EFI system partition (mkfs.vfat, mtools)"
esp=$work/esp.img
options="root=PARTLABEL=preau-root-a rw $console net.ifnames=0 systemd.gpt_auto=0 panic=10"
mkfs.vfat -F 32 -n PREAU-BOOT --invariant -i "$esp_serial" -C "$esp" $((esp_mib * 1024)) >/dev/null
files=$work/espfiles
mkdir -p "$files"
cat > "$files/loader.conf" <<EOF
default preau-*
timeout 0
editor no
console-mode keep
EOF
cat > "$files/preau-a.conf" <<EOF
title Préau (slot A, version $SOURCE_DATE_EPOCH)
sort-key preau
version $SOURCE_DATE_EPOCH
linux /preau-a/vmlinuz
initrd /preau-a/initrd.img
options $options
EOF
cp "$boot/usr/lib/systemd/boot/efi/$efi_loader" "$files/$efi_loader"
cp "$kernel" "$files/vmlinuz"
cp "$initrd" "$files/initrd.img"
printf 'Préau appliance image, %s, slot A: Linux %s, built from commit %s\n' "$arch" "$kver" \
  "$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)" > "$files/preau-image.txt"
mmd -i "$esp" ::EFI ::EFI/BOOT ::EFI/systemd ::loader ::loader/entries ::preau-a
mcopy_in() { touch -d "@$SOURCE_DATE_EPOCH" "$1" && mcopy -m -i "$esp" "$1" "::$2"; }
mcopy_in "$files/$efi_loader" "EFI/BOOT/$efi_removable"
mcopy_in "$files/$efi_loader" "EFI/systemd/$efi_loader"
mcopy_in "$files/loader.conf" loader/loader.conf
mcopy_in "$files/preau-a.conf" loader/entries/preau-a.conf
mcopy_in "$files/vmlinuz" preau-a/vmlinuz
mcopy_in "$files/initrd.img" preau-a/initrd.img
mcopy_in "$files/preau-image.txt" preau-image.txt
if [[ $arch == arm64 ]]; then
  # Raspberry Pi 4: its firmware reads config.txt on the first FAT partition and, with
  # os_prefix, takes the kernel, initramfs, cmdline.txt and device tree from preau-a/ (an
  # update switches the prefix; see README.md). No UEFI there, so no systemd-boot either.
  cat > "$files/config.txt" <<'EOF'
# Préau on a Raspberry Pi 4 (the UEFI entry in loader/ serves other arm64 machines).
[pi4]
arm_64bit=1
enable_uart=1
upstream_kernel=1
os_prefix=preau-a/
kernel=vmlinuz
initramfs initrd.img followkernel
disable_overscan=1
EOF
  echo "root=PARTLABEL=preau-root-a rw console=tty0 console=ttyS1,115200 net.ifnames=0 systemd.gpt_auto=0 panic=10" > "$files/cmdline.txt"
  mcopy_in "$files/config.txt" config.txt
  mcopy_in "$files/cmdline.txt" preau-a/cmdline.txt
  for fw in "$boot"/usr/lib/raspi-firmware/*; do
    [[ -f $fw ]] && mcopy_in "$fw" "${fw##*/}"
  done
  for dtb in "$boot"/usr/lib/linux-image-*/broadcom/bcm2711-*.dtb; do
    mcopy_in "$dtb" "preau-a/${dtb##*/}"
  done
fi

# 5. Slot A: ext4 straight from the tarball (e2fsprogs >= 1.47.1), fixed UUID and hash seed.
stage "root file system, slot A (mke2fs -d)"
root_img=$work/root-a.ext4
mke2fs -q -F -t ext4 -L preau-root -U "$root_fs_uuid" -E "hash_seed=$root_fs_seed" \
  -d "$rootfs" "$root_img" "${root_mib}M"

# 6. The data partition: an empty ext4 owned by preau; it grows at first boot.
stage "data partition (mke2fs)"
data_img=$work/data.ext4
mke2fs -q -F -t ext4 -L preau-data -U "$data_fs_uuid" \
  -E "hash_seed=$data_fs_seed,root_owner=$preau_uid:$preau_uid" "$data_img" "${data_mib}M"

# 7. The disk: GPT on a file, each piece copied in place (sparse).
stage "disk image (sfdisk, dd)"
img=$out/$name.img
rm -f "$img" "$img.bmap" "$img.zst"
mib=$((1024 * 1024 / 512))   # sectors per MiB
esp_start=$((1 * mib))
root_a_start=$((esp_start + esp_mib * mib))
root_b_start=$((root_a_start + root_mib * mib))
data_start=$((root_b_start + root_mib * mib))
end=$((data_start + data_mib * mib))
truncate -s $(((end + mib) * 512)) "$img"
sfdisk --quiet --no-reread --no-tell-kernel "$img" <<EOF
label: gpt
label-id: $disk_guid
unit: sectors
first-lba: 2048
sector-size: 512

start=$esp_start, size=$((esp_mib * mib)), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=$esp_guid, name="preau-esp"
start=$root_a_start, size=$((root_mib * mib)), type=$root_type, uuid=$root_a_guid, name="preau-root-a"
start=$root_b_start, size=$((root_mib * mib)), type=$root_type, uuid=$root_b_guid, name="preau-root-b"
start=$data_start, size=$((data_mib * mib)), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=$data_guid, name="preau-data"
EOF
dd if="$esp" of="$img" bs=1M seek=$((esp_start / mib)) conv=notrunc,sparse status=none
dd if="$root_img" of="$img" bs=1M seek=$((root_a_start / mib)) conv=notrunc,sparse status=none
dd if="$data_img" of="$img" bs=1M seek=$((data_start / mib)) conv=notrunc,sparse status=none
sfdisk --list "$img" >&2

# 8. The same root file system as an update for boxes already in service (A/B): the slot's
#    ext4 compressed, its kernel and initramfs. `preau-provision update sign` adds the signed
#    manifest; see « Updates » in image-build/README.md.
stage "update folder (root.ext4.gz, vmlinuz, initrd.img)"
update=$out/preau-update-$arch
rm -rf "$update"
mkdir -p "$update"
gzip -1 -n -c "$root_img" > "$update/root.ext4.gz"
cp "$files/vmlinuz" "$update/vmlinuz"
cp "$files/initrd.img" "$update/initrd.img"
touch -d "@$SOURCE_DATE_EPOCH" "$update"/*
du -h "$update"/* >&2

stage "bmap, checksums"
if command -v bmaptool >/dev/null; then
  bmaptool create -o "$img.bmap" "$img"
fi
if [[ $compress == 1 ]]; then
  need zstd
  timeout 900 zstd -q -T0 -10 --sparse -f "$img" -o "$img.zst"
fi
sums=("$name.img")
[[ $compress == 1 ]] && sums+=("$name.img.zst")
(cd "$out" && sha256sum "${sums[@]}") > "$out/$name.img.sha256"
cat "$out/$name.img.sha256" >&2
du -h --apparent-size "$img" >&2
du -h "$img" >&2
stage_end
