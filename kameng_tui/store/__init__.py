"""What kameng-tui remembers between runs (SQLite, in the user data directory)."""
