# Variante sans ENTRYPOINT : un argument de `run` remplace toute la commande
FROM busybox
COPY percussion.sh /usr/local/bin/percussion.sh
ENV RYTHMEPERCUSSION=2
CMD ["/usr/local/bin/percussion.sh", "Boum"]
