# shellcheck shell=bash
# Helpers for the image recipes (sourced by scripts/build-images.sh). Every image is a
# root filesystem staged in a directory and fed to `docker import`, so building needs
# no registry: the busybox base comes from Debian's busybox-static, other programs
# are the machine's own binaries plus the libraries ldd lists.

IMAGES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FALLBACK_BUSYBOX=busybox:1.35 # public image, used only where no static busybox exists

# A static busybox on this machine, or nothing.
static_busybox() {
  local b
  for b in /bin/busybox /usr/bin/busybox; do
    # ldd fails on a static program, so look at its words rather than its status.
    if [[ -x "$b" && "$(LC_ALL=C ldd "$b" 2>&1 || true)" == *"not a dynamic executable"* ]]; then
      echo "$b"
      return 0
    fi
  done
}

# Fills ROOTFS with a busybox userland: applets in /bin, users, groups, /tmp, and the
# small scripts every image shares (idle). Staged once into BASE_CACHE (set by the
# caller) and copied from there: hundreds of applet links take a while to make.
stage_busybox_base() {
  local rootfs=$1
  [[ -d "$BASE_CACHE" ]] || make_busybox_base "$BASE_CACHE"
  mkdir -p "$rootfs"
  cp -a "$BASE_CACHE/." "$rootfs/"
}

make_busybox_base() {
  local rootfs=$1 busybox applet
  busybox=$(static_busybox)
  if [[ -n "$busybox" ]]; then
    mkdir -p "$rootfs/bin"
    cp "$busybox" "$rootfs/bin/busybox"
    for applet in $("$busybox" --list); do
      [[ "$applet" == busybox ]] || ln -sf busybox "$rootfs/bin/$applet"
    done
  else
    # A normal machine without busybox-static: take the public image's root filesystem.
    echo "no static busybox here; pulling $FALLBACK_BUSYBOX" >&2
    docker pull -q "$FALLBACK_BUSYBOX" >/dev/null
    export_image_rootfs "$FALLBACK_BUSYBOX" "$rootfs"
  fi
  mkdir -p "$rootfs"/{etc,root,tmp,var/run,usr/bin,usr/local/bin,usr/local/sbin,proc,sys,dev}
  chmod 1777 "$rootfs/tmp"
  ln -sf /bin/env "$rootfs/usr/bin/env"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  printf 'hosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
  install -m 0755 "$IMAGES_DIR/common/idle" "$rootfs/usr/local/bin/idle"
}

# Copies a dynamically linked program to DEST inside ROOTFS, with every library ldd
# lists (and the dynamic loader) at the same paths as on this machine.
copy_with_libs() {
  local program=$1 rootfs=$2 dest=$3 lib
  install -D -m 0755 "$program" "$rootfs$dest"
  for lib in $(ldd "$program" | grep -oE '/[^ ]+\.so[^ ]*'); do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
}

# Unpacks the root filesystem of a (pulled) image into DIR: the fallback path.
export_image_rootfs() {
  local image=$1 dir=$2 cid
  mkdir -p "$dir"
  cid=$(docker create "$image")
  docker export "$cid" | tar -C "$dir" -xf -
  docker rm "$cid" >/dev/null
}
