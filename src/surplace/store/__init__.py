"""The store: engines and sessions (SQLite embedded, PostgreSQL for a team), migrations,
backup."""
