"""licitagraph gnn package."""
