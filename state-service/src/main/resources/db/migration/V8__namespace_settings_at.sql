-- When a namespace's settings were last set (here or on another node, which replicates them on state.changes);
-- null for a namespace made for a replicated state that came before its settings, whose default any setting replaces.
alter table namespace add column settings_at timestamptz;
update namespace set settings_at = updated_at;
