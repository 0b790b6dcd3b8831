#!/usr/bin/env bash
# Builds the real tools the interop tests run, from their published Go modules (through the Go
# module proxy), at the versions pinned in interop/<module>/go.mod, into interop/bin/ (git-ignored).
#
#   interop/build.sh            build every tool that is missing or was built from other pins
#   interop/build.sh cosign-v2  build only the named tools
#   INTEROP_JOBS=1 ...          go build -p (default: the number of cores)
#   INTEROP_BIN=DIR ...         build into DIR instead (the tests read the same variable)
#
# A tool is skipped when interop/bin/.stamps/<name> holds the sha256 of its module's go.mod and
# go.sum (and its own *.go, if any), i.e. it was already built from exactly these pins. GOCACHE and GOMODCACHE are the
# machine's (go env), so a second machine run is warm.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${INTEROP_BIN:-$here/bin}"
mkdir -p "$bin/.stamps"
export GOFLAGS="${GOFLAGS:--buildvcs=false} -mod=readonly"
export CGO_ENABLED="${CGO_ENABLED:-0}"
jobs="${INTEROP_JOBS:-$(nproc)}"

# name | module folder | package | version variable set with -X to the pinned version, or VAR=VALUE (empty: none)
#   | optional: the module whose pinned version names the tool (for a wrapper command of our own)
TOOLS=(
  "cosign-v2|cosign-v2|github.com/sigstore/cosign/v2/cmd/cosign|sigs.k8s.io/release-utils/version.gitVersion"
  "cosign-v3|cosign-v3|github.com/sigstore/cosign/v3/cmd/cosign|sigs.k8s.io/release-utils/version.gitVersion"
  "cosign-v3.0|cosign-v3.0|github.com/sigstore/cosign/v3/cmd/cosign|sigs.k8s.io/release-utils/version.gitVersion"
  "crane|ggcr|github.com/google/go-containerregistry/cmd/crane|"
  "registry|ggcr|github.com/google/go-containerregistry/cmd/registry|"
  "referrers-registry|referrers-registry|.|"
  "tofu|tofu|github.com/opentofu/opentofu/cmd/tofu|github.com/opentofu/opentofu/version.dev=no"
  "terraform-provider-github|provider-github|github.com/integrations/terraform-provider-github/v6|"
  "kyverno-1.16|kyverno-1.16|github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno|github.com/kyverno/kyverno/pkg/version.BuildVersion"
  "kyverno-1.19|kyverno-1.19|github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno|github.com/kyverno/kyverno/pkg/version.BuildVersion"
  "policy-tester|policy-tester|github.com/sigstore/policy-controller/cmd/tester|"
  "local-kms|local-kms|image-signing-blueprint/interop/local-kms||github.com/nsmithuk/local-kms"
  "vault|vault|github.com/hashicorp/vault|"
)
# Built only when named (`interop/build.sh vault`), never by default nor by .ci/run: HashiCorp Vault
# v1.21.0 takes about 17 CPU-minutes and 4.6 GB to build (41 min wall on the loaded 2-core machine).
# The hashivault:// tests run OpenBao's release binary by default; ISB_BAO=interop/bin/vault runs
# them against this Vault instead.
OPTIONAL=(vault)

# the version of the module that provides pkg, as the folder's go.mod pins it
pinned_version() { # folder pkg [module]
  if [ -n "${3:-}" ]; then (cd "$here/$1" && go list -m -f '{{.Version}}' "$3"); return; fi
  (cd "$here/$1" && go list -f '{{if .Module}}{{.Module.Version}}{{end}}' "$2")
}

want=("$@")
selected() {
  if [ ${#want[@]} -eq 0 ]; then
    local o; for o in "${OPTIONAL[@]}"; do [ "$o" = "$1" ] && return 1; done
    return 0
  fi
  local w; for w in "${want[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1
}

failed=0
for row in "${TOOLS[@]}"; do
  IFS='|' read -r name dir pkg verVar verMod <<<"$row"
  selected "$name" || continue
  if [ ! -f "$here/$dir/go.mod" ]; then echo "interop: $name: no module folder interop/$dir yet, skipped"; continue; fi
  # a wrapper's own Go sources count too (folders without any hash as before)
  stamp="$( (cat "$here/$dir/go.mod" "$here/$dir/go.sum"; for f in "$here/$dir"/*.go; do [ -f "$f" ] && cat "$f"; done; echo "$verVar") | sha256sum | cut -c1-64)"
  if [ -x "$bin/$name" ] && [ "$(cat "$bin/.stamps/$name" 2>/dev/null)" = "$stamp" ]; then
    echo "interop: $name $(pinned_version "$dir" "$pkg" "$verMod") up to date"
    continue
  fi
  version="$(pinned_version "$dir" "$pkg" "$verMod")"
  ldflags="-s -w"
  case "$verVar" in
    "") ;;
    *=*) ldflags="$ldflags -X $verVar" ;;
    *) ldflags="$ldflags -X $verVar=$version" ;;
  esac
  start=$(date +%s)
  echo "interop: building $name $version ($pkg) ..."
  if (cd "$here/$dir" && go build -p "$jobs" -trimpath -ldflags "$ldflags" -o "$bin/$name.tmp" "$pkg"); then
    mv "$bin/$name.tmp" "$bin/$name"
    echo "$stamp" >"$bin/.stamps/$name"
    echo "interop: built $name $version in $(( $(date +%s) - start )) s"
  else
    rm -f "$bin/$name.tmp"
    echo "interop: FAILED to build $name $version" >&2
    failed=1
  fi
done
# the version each tool reports of itself
for row in "${TOOLS[@]}"; do
  IFS='|' read -r name _ _ _ <<<"$row"
  selected "$name" || continue
  [ -x "$bin/$name" ] || continue
  case "$name" in
    cosign*) v="$("$bin/$name" version 2>/dev/null | awk '/GitVersion/{print $2}' || true)" ;;
    crane) v="$("$bin/$name" version 2>/dev/null || true)" ;;
    tofu) v="$(TF_CLI_CONFIG_FILE=/dev/null "$bin/$name" version 2>/dev/null | grep -m1 OpenTofu || true)" ;;
    kyverno*) v="$("$bin/$name" version 2>/dev/null | awk '/Version:/{print $2}' | awk 'NR==1' || true)" ;;
    *) v="(pinned in go.mod)" ;;
  esac
  echo "interop: $name reports ${v:-?}"
done
exit $failed
