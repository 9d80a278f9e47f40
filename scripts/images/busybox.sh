# shellcheck shell=bash disable=SC2034 # sourced by build-images.sh, which reads CHANGES
# gitfleet/busybox:1.35: a busybox userland (sh, httpd, wget, nc, ...).
# Its wget is statically linked and cannot resolve names through Docker's DNS: use
# gitfleet/toolbox:1 where a container must resolve names.
stage() { stage_busybox_base "$1"; }
CHANGES=('CMD ["sh"]' 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
