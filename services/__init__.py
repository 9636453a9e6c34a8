"""licitagraph services package."""
