"""The admin's «Состояние системы»: the outbox, the worker, backups, the database and the versions at a glance."""
