"""The `licitagraph` command line (`licitagraph.cli`), the top layer of the project."""
