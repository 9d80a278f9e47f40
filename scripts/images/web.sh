# shellcheck shell=bash disable=SC2034 # sourced by build-images.sh, which reads CHANGES
# gitfleet/web:VERSION: busybox httpd on port 8080 (PORT overrides) serving
#   /index.html        "web vVERSION"
#   /health            "ok"   (probe: wget -qO- http://127.0.0.1:8080/health)
#   /cgi-bin/whoami    the container's hostname, so a test sees which replica answered
#   /cgi-bin/client    the X-Forwarded-For header and peer address the replica saw
# and, as command `proxy-echo`, a TCP service on 9100 echoing the PROXY v2 header in hex
stage() {
  local rootfs=$1 version=$2
  stage_busybox_base "$rootfs"
  mkdir -p "$rootfs/www/cgi-bin"
  echo "web v$version" >"$rootfs/www/index.html"
  echo ok >"$rootfs/www/health"
  install -m 0755 "$IMAGES_DIR/web/whoami" "$rootfs/www/cgi-bin/whoami"
  install -m 0755 "$IMAGES_DIR/web/client" "$rootfs/www/cgi-bin/client"
  install -m 0755 "$IMAGES_DIR/web/serve" "$rootfs/usr/local/bin/serve"
  install -m 0755 "$IMAGES_DIR/web/proxy-echo" "$rootfs/usr/local/bin/proxy-echo"
}
CHANGES=('CMD ["serve"]' 'EXPOSE 8080' 'WORKDIR /www'
  'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
