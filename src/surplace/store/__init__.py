"""The store: engine and sessions for SQLite (embedded) and PostgreSQL (team), migrations, backup."""
