#!/bin/sh
# percussion.sh — joue un instrument : affiche son nom toutes les
# RYTHMEPERCUSSION secondes, jusqu'à ce qu'on l'arrête.
instrument=${1:-Boum}
# `minidock stop` envoie SIGTERM : on termine proprement (sinon, au bout de
# 10 s, SIGKILL et le code de sortie 137)
trap 'echo "Fin du concert"; exit 0' TERM INT
while true; do
    echo "$instrument"
    sleep "${RYTHMEPERCUSSION:-2}" &
    wait $!
done
