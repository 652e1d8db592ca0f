-- One database per row-keeping service (each service's Flyway migrates its own schema).
create database syncvault_state;
create database syncvault_sync;
create database syncvault_backup;
