#!/usr/bin/env bash
# Build the BBB package stand-ins (tests only) and a signed apt repository laid
# out as BigBlueButton's own (https://ubuntu.bigbluebutton.org):
#
#   OUT/repo/<bbb version>/dists/bigbluebutton-<codename>/{Release,InRelease,Release.gpg}
#   OUT/repo/<bbb version>/dists/bigbluebutton-<codename>/main/binary-amd64/Packages{,.gz}
#   OUT/repo/<bbb version>/pool/main/<package>_<version>_all.deb
#   OUT/bbb-standin-archive-key.asc   the public key the repository is signed with
#
# so that `deb [signed-by=KEY] <base>/jammy-300 bigbluebutton-jammy main` works
# with <base> = wherever OUT/repo is served. The signing key is made once (gpg,
# ed25519, no passphrase) in OUT/gnupg and kept across rebuilds. The output is
# reused while the recipe (this script and packages/) is unchanged: a second run
# returns at once. Prints OUT.
#
#   build-repo.sh [OUT]      default: <repository root>/.cache/bbb-packages-standin
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=${1:-$root/.cache/bbb-packages-standin}
# BBB release line -> package version, as BBB numbers its packages (epoch 1).
# focal-270 is for a lab "old" node (BBB 2.7 on Ubuntu 20.04 in real life).
releases=(
  "focal-270 1:2.7.12-1 2.7.12"
  "jammy-300 1:3.0.4-1 3.0.4"
  "noble-400 1:4.0.0-1 4.0.0"
)

recipe=$( { cat "$0"; cd "$here/packages" && find . -type f -print0 | sort -z |
            xargs -0 stat -c '%n %a' && find . -type f -print0 | sort -z | xargs -0 cat; } |
          sha256sum | cut -c1-16)

mkdir -p "$out"
exec 9>"$out/.lock"
flock 9
if [[ -f "$out/.recipe" && "$(cat "$out/.recipe")" == "$recipe" && -f "$out/bbb-standin-archive-key.asc" ]]; then
  echo "$out"
  exit 0
fi

export GNUPGHOME="$out/gnupg"
if [[ ! -d "$GNUPGHOME" ]]; then
  mkdir -m 0700 "$GNUPGHOME"
  gpg --batch --quiet --passphrase '' --quick-gen-key \
    "BigBlueButton packages STAND-IN (tests only) <tests@invalid>" ed25519 sign never 2>/dev/null
fi
gpg --batch --quiet --armor --export >"$out/bbb-standin-archive-key.asc"

work=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
for entry in "${releases[@]}"; do
  read -r line version upstream <<<"$entry"
  codename=${line%%-*}
  base="$work/repo/$line"
  mkdir -p "$base/pool/main"
  for pkg in "$here"/packages/*/; do
    name=$(basename "$pkg")
    tree="$work/tree/$line/$name"
    mkdir -p "$tree"
    cp -a "$pkg." "$tree/"
    # The version goes into every control file and into the files that name it.
    grep -rlZ -e '@VERSION@' -e '@BBB_VERSION@' "$tree" | xargs -0 -r sed -i \
      -e "s/@VERSION@/$version/g" -e "s/@BBB_VERSION@/$upstream/g"
    if [[ "$name" == bbb-web ]]; then
      echo "$upstream" >"$tree/usr/share/bbb-web/bbb-version"
    fi
    dpkg-deb --build --root-owner-group "$tree" "$base/pool/main/${name}_${version#*:}_all.deb" >/dev/null
  done
  dist="$base/dists/bigbluebutton-$codename"
  mkdir -p "$dist/main/binary-amd64"
  (cd "$base" && dpkg-scanpackages --multiversion pool /dev/null 2>/dev/null) >"$dist/main/binary-amd64/Packages"
  gzip -9nk "$dist/main/binary-amd64/Packages"
  {
    echo "Origin: BigBlueButton STAND-IN"
    echo "Label: BigBlueButton STAND-IN"
    echo "Suite: bigbluebutton-$codename"
    echo "Codename: bigbluebutton-$codename"
    echo "Date: $(LC_ALL=C date -u '+%a, %d %b %Y %H:%M:%S UTC')"
    echo "Architectures: amd64"
    echo "Components: main"
    echo "Description: BigBlueButton $upstream packages, STAND-IN (tests only)"
    for sum in MD5Sum:md5sum SHA256:sha256sum; do
      echo "${sum%%:*}:"
      for f in main/binary-amd64/Packages main/binary-amd64/Packages.gz; do
        printf ' %s %s %s\n' "$(${sum#*:} "$dist/$f" | cut -d' ' -f1)" "$(stat -c %s "$dist/$f")" "$f"
      done
    done
  } >"$dist/Release"
  gpg --batch --quiet --yes --clearsign -o "$dist/InRelease" "$dist/Release"
  gpg --batch --quiet --yes --armor --detach-sign -o "$dist/Release.gpg" "$dist/Release"
done

rm -rf "$out/repo"
mv "$work/repo" "$out/repo"
echo "$recipe" >"$out/.recipe"
echo "$out"
