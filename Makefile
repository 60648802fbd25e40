# The hub's everyday commands. Each target is a thin wrapper over a script in scripts/.
.PHONY: setup up down test lint synth check

setup:            ## Install what a fresh machine needs (Debian packages, virtualenv, Pulumi engine)
	scripts/setup

up: setup         ## Start the local cloud and deploy every layer of the `local` site
	scripts/up

down:             ## Destroy the `local` site in reverse order and stop the local cloud
	scripts/down

test:             ## Lint, types and every test tier (engine, local cloud, host root)
	scripts/test

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

synth:            ## Show what a stack declares, offline: make synth STACK=prod-network
	.venv/bin/hubctl synth --stack $(STACK)
