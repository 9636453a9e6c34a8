"""licitagraph api package."""
