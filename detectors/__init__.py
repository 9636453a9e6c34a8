"""licitagraph detectors package."""
