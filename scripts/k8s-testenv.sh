#!/usr/bin/env bash
# Builds a real kube-apiserver, etcd, helm (and optionally kubectl) from the Go
# module proxy into a per-version cache outside the repository.
#
#   bash scripts/k8s-testenv.sh build      build whatever is missing, print the bin dir
#   bash scripts/k8s-testenv.sh path       print the bin dir (no network, no build)
#   bash scripts/k8s-testenv.sh check      exit 0 iff every binary is built
#   bash scripts/k8s-testenv.sh versions   print the pinned versions
#   bash scripts/k8s-testenv.sh regen [k8s-version] [etcd-version] [helm-version]
#        rewrite tools/*/go.mod + go.sum (k8s replace list generated from the
#        k8s.io/kubernetes go.mod that the proxy serves); needs the Go proxy.
#
# Versions are read from tools/{k8s,etcd,helm}/go.mod (the single source of truth).
# Cache: ${SWITCHYARD_TESTENV_CACHE:-$HOME/.cache/switchyard-testenv}/<k8s>-<etcd>-<helm>/bin
# Env:   SWITCHYARD_TESTENV_KUBECTL=0  skip kubectl (built by default; it is cheap
#        once kube-apiserver's packages are in the build cache).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOOLS="$ROOT/tools"
CACHE_ROOT=${SWITCHYARD_TESTENV_CACHE:-${HOME:-/tmp}/.cache/switchyard-testenv}

die() { echo "k8s-testenv: error: $*" >&2; exit 1; }
log() { echo "k8s-testenv: $*" >&2; }

# The version of a required module in a tools go.mod ("" if absent).
modver() { # <go.mod> <module path>
  [[ -f "$1" ]] || die "missing $1"
  awk -v m="$2" '$1 == m && $2 ~ /^v/ { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$1"
}

K8S_VERSION=""; ETCD_VERSION=""; HELM_VERSION=""
read_versions() {
  K8S_VERSION=$(modver "$TOOLS/k8s/go.mod" k8s.io/kubernetes)
  ETCD_VERSION=$(modver "$TOOLS/etcd/go.mod" go.etcd.io/etcd/server/v3)
  HELM_VERSION=$(modver "$TOOLS/helm/go.mod" helm.sh/helm/v3)
  [[ -n $K8S_VERSION ]] || die "no k8s.io/kubernetes requirement in tools/k8s/go.mod"
  [[ -n $ETCD_VERSION ]] || die "no go.etcd.io/etcd/server/v3 requirement in tools/etcd/go.mod"
  [[ -n $HELM_VERSION ]] || die "no helm.sh/helm/v3 requirement in tools/helm/go.mod"
}

bin_dir() { echo "$CACHE_ROOT/k8s${K8S_VERSION#v}-etcd${ETCD_VERSION#v}-helm${HELM_VERSION#v}/bin"; }

want_kubectl() { [[ ${SWITCHYARD_TESTENV_KUBECTL:-1} != 0 ]]; }

required_bins() {
  echo kube-apiserver etcd helm
  if want_kubectl; then echo kubectl; fi
}

is_built() { # <bin dir> <name>
  [[ -x "$1/$2" && -f "$1/.$2.stamp" ]]
}

all_built() {
  local dir; dir=$(bin_dir)
  for b in $(required_bins); do is_built "$dir" "$b" || return 1; done
}

go_env() {
  command -v go >/dev/null || die "go is not on PATH (need Go >= 1.26)"
  local gv; gv=$(GOTOOLCHAIN=local go env GOVERSION 2>/dev/null || true)
  gv=${gv#go}
  if [[ ! $gv =~ ^([0-9]+)\.([0-9]+) ]] || ((BASH_REMATCH[1] == 1 && BASH_REMATCH[2] < 26)); then
    die "need Go >= 1.26 on PATH (found '${gv:-none}'); GOTOOLCHAIN=local is used, so Go will not download a toolchain"
  fi
  export GOTOOLCHAIN=local CGO_ENABLED=0
  # Keep whatever the caller set (e.g. -buildvcs=false) but force -mod=mod.
  local extra=""
  for f in ${GOFLAGS:-}; do [[ $f == -mod=* ]] || extra+=" $f"; done
  export GOFLAGS="-mod=mod${extra}"
}

# go build <pkg> into <bin dir>/<name> atomically, then write its stamp.
gobuild() { # <module dir> <bin dir> <name> <pkg> <ldflags>
  local moddir=$1 dir=$2 name=$3 pkg=$4 ldflags=$5
  if is_built "$dir" "$name"; then
    log "$name: cached ($dir/$name)"
    return 0
  fi
  log "$name: building $pkg (cold builds take minutes) ..."
  local t0=$SECONDS tmp="$dir/.$name.tmp.$$"
  rm -f "$dir/.$name.stamp"
  if ! (cd "$moddir" && nice -n 19 go build -p 2 -trimpath -ldflags "$ldflags" -o "$tmp" "$pkg"); then
    rm -f "$tmp"
    die "building $name ($pkg) failed; see the go output above"
  fi
  mv -f "$tmp" "$dir/$name"
  local vcmd=(--version)
  case $name in kubectl) vcmd=(version --client) ;; helm) vcmd=(version) ;; esac
  "$dir/$name" "${vcmd[@]}" >/dev/null 2>&1 || die "$name was built but '$name ${vcmd[*]}' fails"
  local secs=$((SECONDS - t0)) size
  size=$(stat -c %s "$dir/$name")
  printf 'built=%s seconds=%s bytes=%s\n' "$(date -u +%FT%TZ)" "$secs" "$size" >"$dir/.$name.stamp"
  log "$name: built in ${secs}s ($((size / 1048576)) MiB)"
}

cmd_build() {
  read_versions
  local dir; dir=$(bin_dir)
  if all_built; then
    log "all binaries cached"
    echo "$dir"
    return 0
  fi
  go_env
  mkdir -p "$dir"
  # Two builds into the same cache dir (e.g. a session and its CI) wait for each other.
  if command -v flock >/dev/null; then
    exec 9>"$dir/.lock"
    flock 9 || die "cannot lock $dir/.lock"
  fi
  log "k8s $K8S_VERSION, etcd $ETCD_VERSION, helm $HELM_VERSION -> $dir"
  local kv=$K8S_VERSION minor
  minor=${kv#v1.}; minor=${minor%%.*}
  local kld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    kld+=" -X $p.gitVersion=$kv -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
  done
  gobuild "$TOOLS/etcd" "$dir" etcd go.etcd.io/etcd/server/v3 "-s -w"
  gobuild "$TOOLS/k8s" "$dir" kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$kld"
  if want_kubectl; then
    gobuild "$TOOLS/k8s" "$dir" kubectl k8s.io/kubernetes/cmd/kubectl "$kld"
  fi
  local hp=helm.sh/helm/v3
  gobuild "$TOOLS/helm" "$dir" helm $hp/cmd/helm \
    "-s -w -X $hp/internal/version.version=$HELM_VERSION -X $hp/internal/version.gitTreeState=clean \
 -X $hp/pkg/chartutil.k8sVersionMajor=1 -X $hp/pkg/chartutil.k8sVersionMinor=$minor \
 -X $hp/pkg/lint/rules.k8sVersionMajor=1 -X $hp/pkg/lint/rules.k8sVersionMinor=$minor"
  all_built || die "build finished but some binaries are missing in $dir"
  log "done; binaries:"
  (cd "$dir" && ls -l $(required_bins)) >&2
  echo "$dir"
}

cmd_regen() {
  local kv=${1:-} ev=${2:-} hv=${3:-}
  go_env
  export GOFLAGS="${GOFLAGS/-mod=mod/}"
  latest() { # <module> <prefix>
    go list -m -versions "$1" | tr ' ' '\n' | grep -E "^$2\\.[0-9]+$" | sort -V | tail -1
  }
  [[ -n $kv ]] || kv=$(latest k8s.io/kubernetes v1.36)
  [[ -n $ev ]] || ev=$(latest go.etcd.io/etcd/server/v3 v3.6)
  [[ -n $hv ]] || hv=$(latest helm.sh/helm/v3 'v3\.[0-9]+')
  [[ -n $kv && -n $ev && -n $hv ]] || die "could not resolve versions from the Go proxy"
  log "regenerating tools for k8s $kv, etcd $ev, helm $hv"

  # k8s: replace every ./staging module with its published v0.<minor>.<patch> (§1.5).
  local mod
  mod=$(go mod download -json "k8s.io/kubernetes@$kv" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  [[ -f $mod ]] || die "could not download k8s.io/kubernetes@$kv"
  local gov godebug
  gov=$(awk '$1 == "go" { print $2; exit }' "$mod")
  godebug=$(awk '$1 == "godebug" { print $2; exit }' "$mod")
  mkdir -p "$TOOLS/k8s"
  {
    echo "// Generated by scripts/k8s-testenv.sh regen from k8s.io/kubernetes@$kv's go.mod; do not edit."
    echo "module local.invalid/switchyard-k8s-testenv"
    echo
    echo "go $gov"
    [[ -z $godebug ]] || { echo; echo "godebug $godebug"; }
    echo
    echo "tool ("
    echo "	k8s.io/kubernetes/cmd/kube-apiserver"
    echo "	k8s.io/kubernetes/cmd/kubectl"
    echo ")"
  } >"$TOOLS/k8s/go.mod"
  rm -f "$TOOLS/k8s/go.sum"
  local staging
  staging=$(sed -n 's|^[[:space:]]*k8s.io/\([^ ]*\) => ./staging/src/k8s.io/.*|\1|p' "$mod")
  [[ -n $staging ]] || die "no staging replaces found in $mod"
  (cd "$TOOLS/k8s" &&
    for m in $staging; do go mod edit "-replace=k8s.io/$m=k8s.io/$m@v0.${kv#v1.}"; done &&
    go mod edit "-require=k8s.io/kubernetes@$kv" && go mod tidy)

  mkdir -p "$TOOLS/etcd" "$TOOLS/helm"
  printf '%s\n' "// Managed by scripts/k8s-testenv.sh regen." "module local.invalid/switchyard-etcd-testenv" "" \
    "go 1.26.0" "" "tool go.etcd.io/etcd/server/v3" >"$TOOLS/etcd/go.mod"
  rm -f "$TOOLS/etcd/go.sum"
  (cd "$TOOLS/etcd" && go mod edit "-require=go.etcd.io/etcd/server/v3@$ev" && go mod tidy)
  printf '%s\n' "// Managed by scripts/k8s-testenv.sh regen." "module local.invalid/switchyard-helm-testenv" "" \
    "go 1.26.0" "" "tool helm.sh/helm/v3/cmd/helm" >"$TOOLS/helm/go.mod"
  rm -f "$TOOLS/helm/go.sum"
  (cd "$TOOLS/helm" && go mod edit "-require=helm.sh/helm/v3@$hv" && go mod tidy)
  read_versions
  log "tools regenerated: $(bin_dir)"
}

case ${1:-} in
  build) cmd_build ;;
  path) read_versions; bin_dir ;;
  check) read_versions; all_built || { echo "k8s-testenv: binaries missing in $(bin_dir); run: bash scripts/k8s-testenv.sh build" >&2; exit 1; } ;;
  versions) read_versions; printf 'kubernetes %s\netcd %s\nhelm %s\n' "$K8S_VERSION" "$ETCD_VERSION" "$HELM_VERSION" ;;
  regen) shift; cmd_regen "$@" ;;
  *) echo "usage: bash scripts/k8s-testenv.sh build|path|check|versions|regen [k8s] [etcd] [helm]" >&2; exit 2 ;;
esac
