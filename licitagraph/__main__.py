"""`python -m licitagraph`: the same command line as the `licitagraph` script."""

from licitagraph.cli import main

main()
