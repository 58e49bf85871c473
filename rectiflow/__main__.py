"""`python -m rectiflow` runs the CLI."""
from rectiflow.cli import main

main()
