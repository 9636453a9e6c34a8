"""licitagraph etl package."""
