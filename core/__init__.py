"""licitagraph core package."""
