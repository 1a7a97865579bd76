#!/usr/bin/env bash
# Install Debian's handwriting fonts (extra synthetic "writers") where apt-get exists.
# The PyPI fonts in the package's dependencies already make the generator work without them;
# the npm @fontsource writers are installed by `text-recognizer data fonts --install`.
# The list is the apt sources of text_recognizer/data/writers.csv (a test keeps them in step).
set -euo pipefail

packages=(
  fonts-dkg-handwriting fonts-breip fonts-sjfonts fonts-kristi fonts-rufscript
  fonts-dancingscript fonts-kaushanscript fonts-tlwg-purisa-ttf
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "handwriting fonts: all ${#packages[@]} Debian packages present"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "handwriting fonts: no apt-get here; using the PyPI fonts only (missing: ${missing[*]})"
  exit 0
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "handwriting fonts: not root and no sudo; to add writers run: apt-get install -y ${missing[*]}"
    exit 0
  fi
fi
echo "handwriting fonts: installing ${missing[*]}"
if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; then
  "${sudo[@]}" apt-get update -q >/dev/null
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi
