"""The store: the history of runs (SQLite), parsed files and sent mail."""
