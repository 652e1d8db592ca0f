#!/bin/bash
# Creates the topics of deploy/kafka-topics.txt on the compose broker (run once by the kafka-init service).
set -euo pipefail
while read -r name partitions configs; do
  [[ -z $name || $name == \#* ]] && continue
  args=(--bootstrap-server kafka:9092 --create --if-not-exists --topic "$name" --partitions "$partitions" --replication-factor 1)
  if [[ -n ${configs:-} ]]; then IFS=, read -ra kvs <<<"$configs"; for kv in "${kvs[@]}"; do args+=(--config "$kv"); done; fi
  /opt/kafka/bin/kafka-topics.sh "${args[@]}"
done </topics.txt
