"""Pulumi entry point: the engine runs this file; all logic lives in infra.program."""

from infra.program import main

main()
