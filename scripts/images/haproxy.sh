# shellcheck shell=bash disable=SC2034 # sourced by build-images.sh, which reads CHANGES
# gitfleet/haproxy:2.6: Debian's haproxy with its libraries, run like the official
# image (master-worker, foreground): reload with SIGUSR2 to PID 1; SIGTERM stops it at
# once. The default config only answers /healthz on 8404; the edge mounts its own at
# the same path.
FALLBACK_HAPROXY=haproxy:2.6 # public image, used only where haproxy is not installed
stage() {
  local rootfs=$1
  if command -v haproxy >/dev/null; then
    stage_busybox_base "$rootfs"
    copy_with_libs "$(command -v haproxy)" "$rootfs" /usr/local/sbin/haproxy
  else
    echo "no haproxy here; pulling $FALLBACK_HAPROXY" >&2
    docker pull -q "$FALLBACK_HAPROXY" >/dev/null
    export_image_rootfs "$FALLBACK_HAPROXY" "$rootfs"
  fi
  install -D -m 0644 "$IMAGES_DIR/haproxy/haproxy.cfg" "$rootfs/usr/local/etc/haproxy/haproxy.cfg"
}
CHANGES=('CMD ["haproxy", "-W", "-db", "-f", "/usr/local/etc/haproxy/haproxy.cfg"]'
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  'EXPOSE 8404')
