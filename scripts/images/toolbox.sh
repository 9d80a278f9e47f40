# shellcheck shell=bash disable=SC2034 # sourced by build-images.sh, which reads CHANGES
# gitfleet/toolbox:1: busybox plus DYNAMICALLY linked curl and getent, which resolve
# names through Docker's embedded DNS (static busybox wget crashes doing that).
#   docker run gitfleet/toolbox:1 curl -s http://api:8080/   |   getent hosts api
# Default command idles, so tests can `docker exec` into it.
stage() {
  local rootfs=$1
  stage_busybox_base "$rootfs"
  command -v curl >/dev/null || { echo "toolbox needs curl on this machine" >&2; return 1; }
  copy_with_libs "$(command -v curl)" "$rootfs" /usr/bin/curl
  copy_with_libs "$(command -v getent)" "$rootfs" /usr/bin/getent
}
CHANGES=('CMD ["idle"]' 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
