"""licitagraph graph package."""
