#!/usr/bin/env bash
# The four services as the local scripts run them (sourced by up, down and smoke).
# name:port:database (no database for the gateway)
SERVICES=(storage-gateway:8081: state-service:8084:syncvault_state sync-service:8082:syncvault_sync backup-service:8083:syncvault_backup)

# The folder whose contents sync items and backups may use (SYNCVAULT_HOME overrides; default: run/data/home).
LOCAL_HOME=${SYNCVAULT_HOME:-$RUN/data/home}

service_jar() { echo "$ROOT/$1/target/quarkus-app/quarkus-run.jar"; }

# Environment of one service process: common settings, then what that service needs.
service_env() { # service_env NAME PORT DB
  local name=$1 port=$2 db=$3
  echo "SYNCVAULT_HTTP_PORT=$port"
  echo "SYNCVAULT_JWT_PUBLIC_KEY=$RUN/jwt/public.pem"
  echo "KAFKA_BOOTSTRAP_SERVERS=$KAFKA_BOOTSTRAP_SERVERS"
  [[ -n $db ]] && echo "SYNCVAULT_DB_NAME=$db"
  case $name in
    storage-gateway)
      echo "SYNCVAULT_DATA_DIR=$RUN/data/gateway" ;;
    state-service)
      echo "SYNCVAULT_NODE_ID=${SYNCVAULT_NODE_ID:-local-1}" ;;
    sync-service|backup-service)
      echo "SYNCVAULT_GATEWAY_URL=http://127.0.0.1:8081"
      echo "SYNCVAULT_JWT_SIGNING_KEY=$RUN/jwt/private.pem" ;;&
    sync-service)
      echo "SYNCVAULT_SYNC_ROOTS=$LOCAL_HOME"
      echo "SYNCVAULT_SYNC_HOME=$LOCAL_HOME" ;;
    backup-service)
      echo "SYNCVAULT_BACKUP_ROOTS=$LOCAL_HOME" ;;
  esac
}
