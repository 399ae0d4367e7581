#!/usr/bin/env bash
# Download CIFAR-10 (python version) into cs231n/datasets/cifar-10-batches-py/.
#
#   bash get_datasets.sh
#
# Environment:
#   CIFAR10_URL           where to fetch the tarball from (any URL curl takes, file:// included);
#                         default: the official release.
#   CIFAR10_MD5           expected md5 of the tarball; default: the official release's.
#                         Set it empty to skip the check (a notice says so).
#   CS231N_DATASETS_DIR   datasets folder; default: cs231n/datasets next to this script.
#
# Safe to run again: a complete dataset is kept and nothing is downloaded. The download and
# the extraction happen in temporary files beside the target, and the dataset folder appears
# only when it is complete, so a failed or interrupted run never leaves half a dataset behind
# and never removes a good one.
set -euo pipefail

OFFICIAL_URL="http://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
OFFICIAL_MD5="c58f30108f718f92721af3b95e74349a"

URL="${CIFAR10_URL:-$OFFICIAL_URL}"
if [ "${CIFAR10_MD5+set}" = set ]; then MD5="$CIFAR10_MD5"; else MD5="$OFFICIAL_MD5"; fi
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DEST_PARENT="${CS231N_DATASETS_DIR:-$HERE/cs231n/datasets}"
NAME="cifar-10-batches-py"
DEST="$DEST_PARENT/$NAME"
# Each data batch holds 10000 images of 3072 bytes, so a complete file is at least this large.
MIN_BATCH_BYTES=30720000

say() { printf 'get_datasets.sh: %s\n' "$*"; }
die() { printf 'get_datasets.sh: error: %s\n' "$*" >&2; exit 1; }

# file_size PATH: size in bytes (GNU and BSD stat differ; wc works everywhere).
file_size() { wc -c <"$1" | tr -d ' '; }

# missing_parts DIR: prints what is missing or truncated in a CIFAR-10 folder; nothing if complete.
missing_parts() {
    local dir="$1" f
    for f in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch; do
        if [ ! -f "$dir/$f" ]; then
            printf '%s missing; ' "$f"
        elif [ "$(file_size "$dir/$f")" -lt "$MIN_BATCH_BYTES" ]; then
            printf '%s truncated (%s bytes); ' "$f" "$(file_size "$dir/$f")"
        fi
    done
    [ -s "$dir/batches.meta" ] || printf 'batches.meta missing; '
}

md5_of() {
    if command -v md5sum >/dev/null 2>&1; then
        md5sum "$1" | cut -d' ' -f1
    elif command -v md5 >/dev/null 2>&1; then
        md5 -q "$1"
    else
        python3 -c 'import hashlib,sys;h=hashlib.md5();f=open(sys.argv[1],"rb");[h.update(b) for b in iter(lambda:f.read(1<<20),b"")];print(h.hexdigest())' "$1"
    fi
}

if [ -d "$DEST" ]; then
    problems="$(missing_parts "$DEST")"
    if [ -z "$problems" ]; then
        say "CIFAR-10 is already complete in $DEST; nothing to do."
        exit 0
    fi
    say "CIFAR-10 in $DEST is incomplete (${problems%; }); downloading it again to replace it."
elif [ -e "$DEST" ]; then
    die "$DEST exists but is not a folder; move it away and run this script again."
fi

mkdir -p "$DEST_PARENT" 2>/dev/null || die "cannot create $DEST_PARENT; check that you may write there."
# Temporary folders of runs killed outright (kill -9, power loss) are ours to remove after an hour.
find "$DEST_PARENT" -maxdepth 1 -name '.cifar-download.*' -mmin +60 -exec rm -rf {} + 2>/dev/null || true
TMP="$(mktemp -d "$DEST_PARENT/.cifar-download.XXXXXX" 2>/dev/null)" \
    || die "cannot create a temporary folder in $DEST_PARENT; check permissions and free disk space."
OLD=""
cleanup() { rm -rf "$TMP"; }
trap cleanup EXIT
trap 'say "interrupted; nothing was changed."; exit 130' INT TERM HUP

ARCHIVE="$TMP/cifar-10-python.tar.gz"
say "downloading $URL"
if command -v curl >/dev/null 2>&1; then
    rc=0
    curl -fL --retry 2 --connect-timeout 30 ${CI:+--no-progress-meter} -o "$ARCHIVE" "$URL" || rc=$?
    case $rc in
        0) ;;
        23) die "could not write the download to $TMP (curl error 23); free some disk space and run this script again." ;;
        22) die "the server refused $URL (HTTP error, e.g. 404); check CIFAR10_URL or try again later." ;;
        37) die "cannot read $URL (no such file); check CIFAR10_URL." ;;
        6|7|28|35|52|56) die "cannot reach $URL (curl error $rc); check your network connection and run this script again." ;;
        18) die "the download of $URL was cut off before it finished (curl error 18); run this script again." ;;
        *) die "downloading $URL failed (curl error $rc); check CIFAR10_URL and your network, then run this script again." ;;
    esac
elif command -v wget >/dev/null 2>&1; then
    case "$URL" in
        file://*) cp "${URL#file://}" "$ARCHIVE" 2>/dev/null \
                      || die "cannot read $URL (missing file or disk full); check CIFAR10_URL and free disk space." ;;
        *) wget -q -O "$ARCHIVE" "$URL" \
               || die "downloading $URL with wget failed (no network, HTTP error or disk full); check your network and run this script again." ;;
    esac
else
    die "neither curl nor wget is installed; install one of them (e.g. apt-get install curl) and run this script again."
fi

if [ -z "$MD5" ]; then
    say "notice: CIFAR10_MD5 is empty, so the checksum of the download is NOT verified."
else
    got="$(md5_of "$ARCHIVE")"
    if [ "$got" != "$MD5" ]; then
        die "checksum mismatch for $URL: md5 $got, expected $MD5; the download is damaged or not the CIFAR-10 python release (set CIFAR10_MD5 if you meant another file), run this script again."
    fi
    say "checksum OK ($MD5)."
fi

mkdir "$TMP/x"
tar -xzf "$ARCHIVE" -C "$TMP/x" 2>"$TMP/tar.err" \
    || die "cannot extract the archive ($(head -n 1 "$TMP/tar.err")); it is corrupt or the disk is full; free disk space and run this script again."
rm -f "$ARCHIVE"
problems="$(missing_parts "$TMP/x/$NAME")"
[ -z "$problems" ] || die "the archive from $URL does not hold a complete $NAME folder (${problems%; }); check CIFAR10_URL."

# Swap the new folder in. An incomplete old one is moved aside first and removed only after
# the new one is in place.
if [ -d "$DEST" ]; then
    OLD="$TMP/old"
    mv "$DEST" "$OLD" || die "cannot move the incomplete $DEST aside; check permissions."
fi
if ! mv "$TMP/x/$NAME" "$DEST"; then
    [ -z "$OLD" ] || mv "$OLD" "$DEST"
    die "cannot move the dataset into $DEST; check permissions."
fi
say "CIFAR-10 is ready in $DEST."
