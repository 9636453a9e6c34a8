"""Detection quality: the harness behind `licitagraph evaluate`, the tender-level classifiers (screens,
GNN, ensemble) and the scoring of findings against a synthetic world's planted cases."""
