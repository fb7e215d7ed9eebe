# Shared by the image build scripts (deploy/image/build-broker-image,
# deploy/worker/build-worker-image): a docker engine, Debian bookworm base images made by
# debootstrap and `docker import` (no container registry), tags cached by a hash of the inputs.
#
# Source it after setting LOG_NAME (the prefix of every message) and DOCKERD_LOG (the dockerd
# log file when an engine has to be started). Progress goes to stderr, never stdout: the scripts
# print their image tag as the last line of stdout. FORCE_REBUILD=1 rebuilds even a cached tag
# (base images included), KEEP_ROOTFS=1 keeps a debootstrapped directory after its import.
# shellcheck shell=bash

log() { echo "$LOG_NAME: $*" >&2; }
die() { echo "$LOG_NAME: ERROR: $*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# apt-get install PACKAGE unless COMMAND is found (apt-get update first only when needed).
ensure_command() {
  local command="$1" package="$2"
  command -v "$command" >/dev/null && return 0
  log "$command missing: apt-get install $package"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package" >&2 \
    || { apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$package" >&2; } \
    || die "apt-get install $package failed"
}

# ---------------------------------------------------------------- docker engine
ensure_engine() {
  if docker info >/dev/null 2>&1; then return 0; fi
  local t0; t0="$(now)"
  ensure_command dockerd docker.io
  if ! pgrep -x dockerd >/dev/null; then
    log "starting dockerd (log: $DOCKERD_LOG)"
    mkdir -p "$(dirname "$DOCKERD_LOG")"
    setsid nohup dockerd --iptables=false --ip-masq=false >>"$DOCKERD_LOG" 2>&1 </dev/null &
  fi
  local _
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && { log "docker engine up in $(elapsed "$t0")s"; return 0; }
    sleep 1
  done
  echo "$LOG_NAME: ERROR: docker engine did not answer within 60s. docker info:" >&2
  docker info 2>&1 | tail -n 5 >&2 || true
  echo "--- last lines of $DOCKERD_LOG:" >&2
  tail -n 30 "$DOCKERD_LOG" >&2 || true
  exit 1
}

# ---------------------------------------------------------------- Debian mirror
# First Debian archive URI that serves SUITE/main, from the apt sources of this machine
# (deb822 *.sources and one-line *.list formats).
debian_mirror() {
  local suite="$1" f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    uri="$(awk -v suite="$suite" '
      function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && comps ~ /(^| )main( |$)/ && uris != "") { split(uris, u, " "); print u[1]; found = 1; exit } types = suites = comps = uris = "" }
      /^[[:space:]]*$/ { flush(); next }
      /^[[:space:]]*#/ { next }
      tolower($1) == "types:" { $1 = ""; types = $0 }
      tolower($1) == "uris:" { $1 = ""; uris = $0; sub(/^ +/, "", uris) }
      tolower($1) == "suites:" { $1 = ""; suites = $0; sub(/^ +/, "", suites) }
      tolower($1) == "components:" { $1 = ""; comps = $0 }
      END { if (!found) flush() }' "$f")"
    [[ -n "$uri" ]] && { echo "$uri"; return 0; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    uri="$(awk -v suite="$suite" '
      $1 == "deb" {
        i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
        if ($(i + 1) == suite) { for (j = i + 2; j <= NF; j++) if ($j == "main") { print $i; exit } }
      }' "$f")"
    [[ -n "$uri" ]] && { echo "$uri"; return 0; }
  done
  return 1
}

# ---------------------------------------------------------------- base images
# debootstrap_image IMAGE PARAMS CACHE_DIR LOG_FILE CHECK SUITE VARIANT ARCH INCLUDE [REMOVE]
#
# Makes IMAGE unless the engine has it (or FORCE_REBUILD=1): debootstraps SUITE (VARIANT, ARCH,
# --include=INCLUDE) from the Debian mirror apt already uses on this machine, runs the function
# CHECK with the root fs directory (it fails the build when the root fs lacks what it is for),
# slims it (package caches, docs, man pages, logs, and the space-separated globs of REMOVE,
# relative to the root) and `docker import`s it. PARAMS, the string the caller hashed into
# IMAGE's tag (REMOVE included), goes into the image's commit message. The downloaded .debs stay
# in CACHE_DIR/debs for a later rebuild; debootstrap's output goes to LOG_FILE.
debootstrap_image() {
  local image="$1" params="$2" cache="$3" logfile="$4" check="$5"
  local suite="$6" variant="$7" arch="$8" include="$9" remove="${10:-}"
  if [[ "${FORCE_REBUILD:-0}" != 1 ]] && docker image inspect "$image" >/dev/null 2>&1; then
    log "base image $image is cached"
    return 0
  fi
  local t0 t1 mirror rootfs
  t0="$(now)"
  ensure_command debootstrap debootstrap
  mirror="$(debian_mirror "$suite")" || die "no Debian '$suite' 'main' source found in /etc/apt/sources.list*"
  rootfs="$cache/rootfs-${image##*-}"
  rm -rf "$rootfs"
  mkdir -p "$cache/debs"
  log "debootstrap $params from $mirror"
  # --cache-dir keeps the downloaded .debs for a later rebuild
  debootstrap --variant="$variant" --arch="$arch" --include="$include" \
    --cache-dir="$cache/debs" "$suite" "$rootfs" "$mirror" >"$logfile" 2>&1 || {
    echo "$LOG_NAME: ERROR: debootstrap failed; last lines of $logfile:" >&2
    tail -n 30 "$logfile" >&2
    tail -n 30 "$rootfs/debootstrap/debootstrap.log" >&2 2>/dev/null || true
    exit 1
  }
  "$check" "$rootfs"
  # slim down: package caches, docs, man pages, logs
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* \
    "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log "$rootfs"/var/log/apt/* \
    "$rootfs"/tmp/* "$rootfs"/var/tmp/*
  local globs path
  read -r -a globs <<<"$remove"  # split, not expanded (here)
  for path in "${globs[@]}"; do
    # shellcheck disable=SC2086  # a glob, expanded under the root fs
    rm -rf "${rootfs:?}"/$path
  done
  log "debootstrap done in $(elapsed "$t0")s ($(du -sh "$rootfs" | cut -f1)); docker import $image"
  t1="$(now)"
  tar -C "$rootfs" --numeric-owner --xattrs -c . | docker import \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' \
    --message "debootstrap $params" - "$image" >/dev/null
  log "imported in $(elapsed "$t1")s"
  [[ "${KEEP_ROOTFS:-0}" == 1 ]] || rm -rf "$rootfs"
}

# ---------------------------------------------------------------- tags
# True (and ALIAS re-pointed at TAG) when TAG is already built and FORCE_REBUILD is not 1.
tag_is_cached() {
  local tag="$1" alias="$2"
  [[ "${FORCE_REBUILD:-0}" != 1 ]] && docker image inspect "$tag" >/dev/null 2>&1 || return 1
  docker tag "$tag" "$alias"
}

# Drop the tags of REPO other than KEEP... (an image still used by a container stays: rmi refuses).
drop_other_tags() {
  local repo="$1"; shift
  local keep=()
  local tag
  for tag in "$@"; do keep+=(-e "$tag"); done
  docker image ls --format '{{.Repository}}:{{.Tag}}' "$repo" | grep -vxF "${keep[@]}" \
    | xargs -r docker rmi >/dev/null 2>&1 || true
}

image_size() { docker image inspect -f '{{.Size}}' "$1" | awk '{ printf "%.0f MB", $1 / 1e6 }'; }
