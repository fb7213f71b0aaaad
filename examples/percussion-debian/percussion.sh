#!/bin/bash
# percussion.sh — la version bash du cours : affiche le nom de l'instrument
# toutes les RYTHMEPERCUSSION secondes, jusqu'à ce qu'on l'arrête.
instrument=${1:-Boum}
# `minidock stop` envoie SIGTERM : on termine proprement (sinon, au bout de
# 10 s, SIGKILL et le code de sortie 137). bash n'exécute le trap qu'une fois
# la commande au premier plan finie : d'où `sleep &` puis `wait`, que le
# signal interrompt tout de suite.
trap 'echo "Fin du concert"; exit 0' TERM INT
while true; do
    echo "$instrument"
    sleep "${RYTHMEPERCUSSION:-2}" &
    wait $!
done
