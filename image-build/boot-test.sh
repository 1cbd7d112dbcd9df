#!/bin/bash
# Boots a built Préau image under qemu (TCG, UEFI, serial console, user-mode networking)
# and checks it the way a technician would use it:
#
#   1. the box answers its setup page over HTTPS, and has no SSH server;
#   2. a FAT stick image made with mtools, holding a signed bundle, is hot-plugged over QMP;
#   3. the box provisions itself: the report appears on the stick, the headteacher of the
#      bundle activates her account and signs in over HTTPS, the box serves the commune's
#      certificate, and the root side installed host name, network, time servers and the
#      bundle's SSH key (checked over SSH, with the data partition grown to the disk);
#   4. root ignores what a compromised preau writes; the stick is unplugged and unmounted;
#   5. with --update (the build's preau-update-<arch> folder): the update is signed with
#      the commune's key, a second stick holding it is hot-plugged, the box writes it onto
#      slot B and reboots; it comes back on slot B, marks it good, and still knows its
#      school, its settings and the headteacher's session;
#   6. the box powers off cleanly (ACPI power button).
#
#   image-build/boot-test.sh --image out/preau-amd64.img --ca DIR [--arch amd64|arm64]
#                            [--update out/preau-update-amd64] [--provision-bin FILE] [--keep]
#
# --ca is the commune directory (preau-provision ca init) whose bundle-signing.pub the image
# was built with. Every step is bounded; callers bound the whole with timeout (.ci/run gives
# it 15 minutes). Nothing leaves the machine: qemu's user network is restricted
# (restrict=on) and only forwards two loopback ports to the box's HTTPS and SSH ports.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

arch=amd64
image=""
ca=""
provision_bin=$repo/target/release/preau-provision
keep=0
update=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --arch) arch=${2:?}; shift 2 ;;
    --image) image=${2:?}; shift 2 ;;
    --ca) ca=${2:?}; shift 2 ;;
    --provision-bin) provision_bin=${2:?}; shift 2 ;;
    --update) update=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option: $1" ;;
  esac
done
[[ -n $image && -r $image ]] || die "--image: a built image (image-build/build.sh)"
[[ -n $ca && -r $ca/bundle-signing.pub ]] || die "--ca: the commune directory the image was built for"
[[ -x $provision_bin ]] || die "no $provision_bin (cargo build --release -p preau-provision)"
need curl ssh ssh-keygen python3 mkfs.vfat mcopy mtype sfdisk timeout
export MTOOLS_SKIP_CHECK=1

case $arch in
  amd64)
    need qemu-system-x86_64
    firmware_code=/usr/share/OVMF/OVMF_CODE_4M.fd
    firmware_vars=/usr/share/OVMF/OVMF_VARS_4M.fd
    qemu=(qemu-system-x86_64 -machine q35 -cpu max)
    ;;
  arm64)
    need qemu-system-aarch64
    firmware_code=/usr/share/AAVMF/AAVMF_CODE.fd
    firmware_vars=/usr/share/AAVMF/AAVMF_VARS.fd
    qemu=(qemu-system-aarch64 -machine virt -cpu "max,pauth-impdef=on")
    ;;
  *) die "--arch must be amd64 or arm64" ;;
esac
[[ -r $firmware_code && -r $firmware_vars ]] || die "no UEFI firmware $firmware_code (apt-get install ovmf qemu-efi-aarch64)"

work=$(mktemp -d "${TMPDIR:-/tmp}/preau-boot-test.XXXXXX")
qemu_pid=""
cleanup() {
  local status=$1
  if [[ -n $qemu_pid ]] && kill -0 "$qemu_pid" 2>/dev/null; then
    kill "$qemu_pid" 2>/dev/null || true
    wait "$qemu_pid" 2>/dev/null || true
  fi
  if [[ $status != 0 ]]; then
    echo "---- boot test failed; last lines of the serial console ($work/serial.log):" >&2
    tail -n 60 "$work/serial.log" 2>/dev/null >&2 || true
  fi
  if [[ $keep == 1 || $status != 0 ]]; then
    echo "work files kept in $work" >&2
  else
    rm -rf "$work"
  fi
}
trap 'cleanup $?' EXIT
trap 'exit 143' TERM INT

https_port=$(python3 "$here/qmp.py" free-port)
ssh_port=$(python3 "$here/qmp.py" free-port)
base=https://127.0.0.1:$https_port

# Polls "$@" every 2 s until it succeeds or $1 seconds pass.
wait_for() {
  local seconds=$1 what=$2 deadline
  shift 2
  deadline=$((SECONDS + seconds))
  until "$@"; do
    ((SECONDS < deadline)) || die "$what: nothing after ${seconds}s"
    sleep 2
  done
}

stage "prepare: disk copy (+512 MiB), bundle, stick image"
disk=$work/disk.img
cp --sparse=always "$image" "$disk"
image_bytes=$(stat -c %s "$disk")
truncate -s +512M "$disk"   # the data partition must grow into this at first boot
cp "$firmware_vars" "$work/vars.fd"
ssh-keygen -q -t ed25519 -N '' -C boot-test@preau -f "$work/ssh_key"
cat > "$work/school.toml" <<EOF
[school]
uai = "0750654D"
name = "École élémentaire Jules-Ferry"
address = "12 rue des Écoles, 75005 Paris"
commune = "Villeneuve"

[box]
host = "jules-ferry"

[network]
mode = "dhcp"

[central]
url = "https://ent.villeneuve.fr"

[time]
servers = ["ntp.villeneuve.fr", "0.fr.pool.ntp.org"]

[ssh]
authorized_keys = ["$(cat "$work/ssh_key.pub")"]

[[accounts]]
role = "direction"
first_name = "Claire"
last_name = "Dubois"
login = "claire.dubois"
EOF
cp -a "$ca" "$work/ca"   # bundle create takes a number from the CA: work on a copy
"$provision_bin" bundle create --ca "$work/ca" --school "$work/school.toml" --out "$work/preau-bundle.zip" >/dev/null
stick=$work/stick.img
mkfs.vfat -n PREAU -C "$stick" 32768 >/dev/null
mcopy -i "$stick" "$work/preau-bundle.zip" "$work/preau-bundle.zip.minisig" ::

stage "boot to the setup page over HTTPS ($arch, TCG, UEFI)"
# The box, with its disk and UEFI variables; a reboot ends qemu (-no-reboot), and the
# update stage starts it again on the same disk.
start_box() {
"${qemu[@]}" -accel tcg,thread=multi -smp 2 -m 2048 \
  -drive "if=pflash,format=raw,unit=0,readonly=on,file=$firmware_code" \
  -drive "if=pflash,format=raw,unit=1,file=$work/vars.fd" \
  -drive "file=$disk,format=raw,if=virtio,cache=writeback" \
  -netdev "user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:$https_port-:443,hostfwd=tcp:127.0.0.1:$ssh_port-:22" \
  -device virtio-net-pci,netdev=net0 \
  -device virtio-rng-pci \
  -device qemu-xhci,id=xhci \
  -qmp "unix:$work/qmp.sock,server=on,wait=off" \
  -serial "file:$work/serial.log" -display none -monitor none -no-reboot &
qemu_pid=$!
}
start_box
qmp() { timeout 60 python3 "$here/qmp.py" "$work/qmp.sock" "$@"; }
setup_page() {
  kill -0 "$qemu_pid" || die "qemu stopped"
  curl -skf --max-time 10 "$base/installation" -o "$work/setup.html" 2>/dev/null &&
    grep -q 'Boîtier Préau à configurer' "$work/setup.html"
}
wait_for 400 "the setup page" setup_page
status=$(curl -sk --max-time 10 -o /dev/null -w '%{http_code} %{redirect_url}' "$base/")
[[ $status == "303 $base/installation" ]] || die "GET / on a new box: expected a 303 to /installation, got $status"
if timeout 20 ssh -p "$ssh_port" -i "$work/ssh_key" -o BatchMode=yes -o ConnectTimeout=10 \
  -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null root@127.0.0.1 true 2>/dev/null; then
  die "a new box answers SSH"
fi
echo "setup page answers; GET / → 303 /installation; no SSH server" >&2

stage "hot-plug the stick (QMP) and wait for the report on it"
qmp blockdev-add "{\"node-name\": \"stick\", \"driver\": \"raw\", \"file\": {\"driver\": \"file\", \"filename\": \"$stick\"}}" \
  device_add '{"driver": "usb-storage", "id": "stick0", "bus": "xhci.0", "drive": "stick", "removable": true}' >/dev/null
report_ready() {
  kill -0 "$qemu_pid" || die "qemu stopped"
  # The box writes the text report, then the printable one.
  mtype -i "$stick" ::preau-report.txt > "$work/report.txt" 2>/dev/null &&
    grep -q 'identifiant : claire.dubois — code : ' "$work/report.txt" &&
    mtype -i "$stick" ::preau-report.html > "$work/report.html" 2>/dev/null &&
    grep -q '</html>' "$work/report.html"
}
wait_for 240 "the report on the stick" report_ready
sed -n '1,12s/^/    /p' "$work/report.txt" >&2
code=$(sed -n 's/.*identifiant : claire\.dubois — code : \([A-Z0-9-]*\).*/\1/p' "$work/report.txt" | sed -n 1p)
[[ -n $code ]] || die "no activation code in the report"

stage "the headteacher activates her account and signs in over HTTPS"
jar=$work/cookies
https() { curl -sk --max-time 60 -c "$jar" -b "$jar" "$@"; }
https "$base/activation" -o "$work/activation.html"
csrf=$(grep -o '<input[^>]*name="_csrf"[^>]*>' "$work/activation.html" | sed -n 's/.*value="\([^"]*\)".*/\1/p' | sed -n 1p)
minlength=$(grep -o 'minlength="[0-9]*"' "$work/activation.html" | sed -n 1p | tr -dc 0-9)
[[ -n $csrf && -n $minlength ]] || die "the activation page has no _csrf field or minlength"
password=preau-ecole-2027
((${#password} >= minlength)) || die "test password shorter than $minlength"
status=$(https -o /dev/null -w '%{http_code}' \
  --data-urlencode "_csrf=$csrf" --data-urlencode login=claire.dubois --data-urlencode "code=$code" \
  --data-urlencode "password=$password" --data-urlencode "confirmation=$password" "$base/activation")
[[ $status == 303 ]] || die "POST /activation: expected 303, got $status"
https "$base/" -o "$work/portal.html"
grep -q 'Bonjour Claire' "$work/portal.html" || die "the portal does not say « Bonjour Claire »"
# The box now serves the certificate of the bundle, which the commune CA verifies.
name=jules-ferry.ecoles.villeneuve.fr
curl -sf --max-time 20 --cacert "$ca/ca.crt" --resolve "$name:$https_port:127.0.0.1" \
  -o /dev/null "https://$name:$https_port/installation" ||
  die "the box does not serve a certificate for $name from the commune CA"
echo "activated with code $code; « Bonjour Claire »; certificate for $name verified" >&2

stage "the bundle's system settings, over SSH (enabled by the bundle's key)"
on_box() {
  timeout 60 ssh -p "$ssh_port" -i "$work/ssh_key" -o BatchMode=yes -o ConnectTimeout=10 \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR root@127.0.0.1 "$@"
}
ssh_up() { on_box true 2>/dev/null; }
wait_for 60 "SSH with the bundle's key" ssh_up
on_box 'bash -s' > "$work/box.txt" <<'EOF'
set -u
echo "hostname=$(cat /etc/hostname)"
echo "ntp=$(sed -n 's/^NTP=//p' /etc/systemd/timesyncd.conf.d/10-preau.conf)"
echo "network=$(grep -c '^DHCP=yes' /etc/systemd/network/10-preau.network)"
echo "preau=$(systemctl is-active preau.service)"
echo "preau_user=$(ps -o user= -C preau | sort -u | tr '\n' ' ')"
echo "failed=$(systemctl list-units --failed --plain --no-legend | awk '{print $1}' | tr '\n' ' ')"
echo "passwords=$(awk -F: '$2 !~ /^[!*]/ { print $1 }' /etc/shadow | tr '\n' ' ')"
echo "data_bytes=$(df -B1 --output=size /var/lib/preau | tail -n 1 | tr -d ' ')"
echo "stick_ro=$(findmnt -no OPTIONS /run/preau/usb/PREAU | cut -d, -f1)"
echo "stick_rw=$(findmnt -no OPTIONS /run/preau/usb-rw/PREAU | cut -d, -f1)"
echo "listening=$(ss -Hltun | awk '{print $1 "/" $5}' | sort -u | tr '\n' ' ')"
echo "exposure=$(systemd-analyze security preau.service 2>/dev/null | tail -n 1)"
EOF
sed 's/^/    /' "$work/box.txt" >&2
box() { sed -n "s/^$1=//p" "$work/box.txt"; }
[[ $(box hostname) == jules-ferry ]] || die "host name not installed"
[[ $(box ntp) == "ntp.villeneuve.fr 0.fr.pool.ntp.org" ]] || die "time servers not installed"
[[ $(box network) == 1 ]] || die "network unit not installed"
[[ $(box preau) == active && $(box preau_user) == "preau " ]] || die "preau is not running as its own user"
[[ -z $(box failed) ]] || die "failed units: $(box failed)"
[[ -z $(box passwords) ]] || die "accounts with a password: $(box passwords)"
[[ $(box stick_ro) == ro && $(box stick_rw) == rw ]] || die "stick views: expected ro and rw"
# Partition and file system grown: the data partition was 256 MiB; the disk gained 512.
(($(box data_bytes) > 640 * 1024 * 1024)) || die "the data partition did not grow ($(box data_bytes) bytes)"
# Only preau (80, 443, mDNS 5353), the SSH server the bundle enabled, the DHCP client and
# the loopback DNS stub listen.
[[ " $(box listening) " == *" tcp/0.0.0.0:443 "* ]] || die "no listening socket list (or no 443 in it)"
for socket in $(box listening); do
  case $socket in
    tcp/*:80|tcp/*:443|tcp/*:22|udp/*:5353|udp/*:68|udp/*:546|*/127.0.0.5[34]%lo:53|*/127.0.0.5[34]:53) ;;
    *) die "unexpected listening socket: $socket" ;;
  esac
done

stage "root ignores a bundle it did not check (a compromised preau, played by root)"
# What preau may write: the SHA-256 of a bundle root never saw, and (the old interface) a key
# file of its own. Root must refuse the first, ignore the second and keep its settings.
on_box 'bash -s' > "$work/forged.txt" <<'EOF'
set -u
before=$(readlink /var/lib/preau-system/current)
applied=$(cat /var/lib/preau/system/bundle.sha256)
since=$(date '+%Y-%m-%d %H:%M:%S')
printf 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl intruder\n' \
  > /var/lib/preau/system/authorized_keys
printf '%064d\n' 0 > /var/lib/preau/system/bundle.sha256
for _ in $(seq 1 30); do
  journalctl -u preau-system.service --since "$since" --no-pager | grep -q 'was not checked by root' && break
  sleep 1
done
echo "refused=$(journalctl -u preau-system.service --since "$since" --no-pager | grep -c 'was not checked by root')"
echo "current=$([[ $(readlink /var/lib/preau-system/current) == "$before" ]] && echo unchanged)"
echo "intruder=$(grep -c intruder /etc/ssh/authorized_keys/root)"
echo "hostname=$(cat /etc/hostname)"
rm -f /var/lib/preau/system/authorized_keys
printf '%s\n' "$applied" > /var/lib/preau/system/bundle.sha256
EOF
sed 's/^/    /' "$work/forged.txt" >&2
forged() { sed -n "s/^$1=//p" "$work/forged.txt"; }
[[ $(forged refused) -ge 1 ]] || die "root did not refuse a SHA-256 it never checked"
[[ $(forged current) == unchanged && $(forged hostname) == jules-ferry ]] || die "root's settings changed"
[[ $(forged intruder) == 0 ]] || die "root installed a key preau wrote"

stage "unplug the stick (QMP)"
qmp device_del '{"id": "stick0"}' >/dev/null
unmounted() { ! on_box 'findmnt /run/preau/usb/PREAU || findmnt /run/preau/usb-rw/PREAU' >/dev/null 2>&1; }
wait_for 60 "the stick's unmount" unmounted
qmp blockdev-del '{"node-name": "stick"}' >/dev/null
mtype -i "$stick" ::preau-report.txt | grep 'code : ' >/dev/null || die "the report is not on the stick after unplugging"

if [[ -n $update ]]; then
  stage "system update onto slot B from a second stick, reboot, slot B marked good"
  https "$base/installation" -o "$work/setup-before-update.html"
  grep -q "emplacement A" "$work/setup-before-update.html" || die "the setup page does not show slot A"
  cp -a "$update" "$work/update"
  "$provision_bin" update sign --ca "$work/ca" --dir "$work/update" --arch "$arch" >/dev/null
  stick2=$work/stick2.img
  update_mib=$(du -sm "$work/update" | cut -f1)
  mkfs.vfat -n PREAU2 -C "$stick2" $(((update_mib + 64) * 1024)) >/dev/null
  mmd -i "$stick2" ::preau-update
  mcopy -i "$stick2" "$work/update"/* ::preau-update/
  qmp blockdev-add "{\"node-name\": \"stick2\", \"driver\": \"raw\", \"file\": {\"driver\": \"file\", \"filename\": \"$stick2\"}}" \
    device_add '{"driver": "usb-storage", "id": "stick2", "bus": "xhci.0", "drive": "stick2", "removable": true}' >/dev/null
  rebooted() { ! kill -0 "$qemu_pid" 2>/dev/null; }
  wait_for 600 "the box to write the update and reboot" rebooted
  wait "$qemu_pid" || die "qemu exited with an error"
  qemu_pid=""
  mtype -i "$stick2" ::preau-update-report.txt > "$work/update-report.txt" || die "no update report on the stick"
  sed 's/^/    /' "$work/update-report.txt" >&2
  grep -q "Mise à jour écrite : version [0-9]* sur l'emplacement B" "$work/update-report.txt" ||
    die "the update report does not say it was written onto slot B"
  start_box
  portal_again() {
    kill -0 "$qemu_pid" || die "qemu stopped"
    https "$base/" -o "$work/portal2.html" 2>/dev/null && grep -q 'Bonjour Claire' "$work/portal2.html"
  }
  wait_for 400 "the portal after the update" portal_again
  wait_for 60 "SSH after the update" ssh_up
  marked_good() { [[ $(on_box systemctl is-active preau-boot-ok.service 2>/dev/null) == active ]]; }
  wait_for 240 "slot B marked good" marked_good
  on_box 'bash -s' > "$work/after-update.txt" <<'EOF'
set -u
echo "slot=$(sed -n 's/.*root=PARTLABEL=preau-root-\([ab]\).*/\1/p' /proc/cmdline)"
mkdir -p /run/esp-check && mount -o ro /dev/disk/by-partlabel/preau-esp /run/esp-check
echo "entries=$(ls /run/esp-check/loader/entries | tr '\n' ' ')"
umount /run/esp-check
echo "hostname=$(cat /etc/hostname)"
echo "preau=$(systemctl is-active preau.service)"
EOF
  sed 's/^/    /' "$work/after-update.txt" >&2
  after() { sed -n "s/^$1=//p" "$work/after-update.txt"; }
  [[ $(after slot) == b ]] || die "the box did not boot slot B after the update"
  [[ $(after entries) == "preau-a.conf preau-b.conf " ]] || die "slot B not marked good: $(after entries)"
  [[ $(after hostname) == jules-ferry && $(after preau) == active ]] || die "settings or preau lost in the update"
  https "$base/installation" -o "$work/setup-after-update.html"
  version=$(sed -n "s/.*version \([0-9]*\) sur l'emplacement B.*/\1/p" "$work/update-report.txt")
  grep -q "(n° $version), emplacement B" "$work/setup-after-update.html" ||
    die "the setup page does not show version $version on slot B"
  echo "slot B runs the update, marked good; « Bonjour Claire » with the session from before" >&2
fi

stage "power off (ACPI power button)"
qmp system_powerdown >/dev/null
stopped() { ! kill -0 "$qemu_pid" 2>/dev/null; }
wait_for 120 "qemu to stop after the power button" stopped
wait "$qemu_pid" || die "qemu exited with an error"
qemu_pid=""
grep -q 'reboot: Power down' "$work/serial.log" || die "no power-down on the console"
# Both ext4 file systems were unmounted cleanly: no journal left to recover (the
# "needs_recovery" incompatible feature, 0x4 at offset 0x60 of the superblock).
part_start() { sfdisk -d "$disk" | sed -n "s/.*start= *\([0-9]*\),.*name=\"$1\".*/\1/p"; }
for part in preau-root-a preau-data; do
  start=$(part_start "$part")
  incompat=$(od -An -tu4 -j $((start * 512 + 1024 + 0x60)) -N4 "$disk" | tr -d ' ')
  [[ -n $start && -n $incompat ]] || die "cannot read the superblock of $part"
  (( (incompat & 4) == 0 )) || die "$part was not unmounted cleanly (journal to recover)"
done
# The GPT now covers the space added to the disk.
last_end=$(sfdisk -l -o End "$disk" | tail -n 1 | tr -d ' ')
(( (last_end + 1) * 512 > image_bytes )) || die "the data partition was not grown in the GPT"
echo "clean power-off: root and data file systems unmounted cleanly; data partition grown" >&2
stage_end
echo "boot test passed ($arch)" >&2
