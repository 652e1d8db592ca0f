-- The tick of its definition's schedule that started a backup: an instance whose tick comes within half a
-- period of another instance's leaves the backup to that one (BackupService.startScheduled).
alter table backup add column schedule_fired_at timestamptz;
create index backup_scheduled on backup (definition_id, schedule_fired_at) where schedule_fired_at is not null;
