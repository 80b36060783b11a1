"""`python -m renewml` is the same as the `renewml` command."""

from renewml.cli import main

main()
