"""licitagraph cypher package."""
