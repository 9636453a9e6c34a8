"""licitagraph alerts package."""
