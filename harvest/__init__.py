"""Harvesters of the public sources (PNCP, Compras.gov.br, Receita CNPJ, CEIS/CNEP) into the sources folder.

Each source has one module; they share the polite HTTP client (`harvest.http`), the atomic file writes,
checkpoints and run manifests (`harvest.store`). `harvest.replay` is a local server that plays the sources
back, with faults, for tests, benchmarks and the demo. See docs/harvest.md.
"""
