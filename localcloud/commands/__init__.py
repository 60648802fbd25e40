"""The commands of `scripts/local-cloud`, one module each; localcloud/cli.py reads the command
line and runs them."""
