#!/bin/sh
# Prints, as one hex line, the nfnetlink batch that `nft` sends for a command: the golden bytes of
# GoldenBytesTests. Runs in a throwaway netns (scripts/in-private-netns) so the host is untouched.
#   capture-nft.sh '<setup commands, one nft script>' '<nft command words>'
# e.g. capture-nft.sh 'add table ip t' 'add chain ip t c'
set -eu
if [ "${CNI_PRIVATE_HOST:-}" != "1" ]; then
    exec "$(dirname "$0")/../../../scripts/in-private-netns" "$0" "$@"
fi
setup=$1
shift
if [ -n "$setup" ]; then
    printf '%s\n' "$setup" | nft -f -
fi
# The batch is nft's last sendmsg; strace -e write= dumps its iovec as "| 00000  14 00 ..." lines.
strace -f -e trace=sendmsg -e write=all -s 65535 -o /tmp/capture-nft.$$ sh -c "nft $*"
awk '/^[0-9]+ +sendmsg/ {buf=""} /^ \| [0-9a-f]+  / {line=substr($0, index($0,"|")+9, 49); gsub(/ /,"",line); buf=buf line} END {print buf}' /tmp/capture-nft.$$
rm -f /tmp/capture-nft.$$
