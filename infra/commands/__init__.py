"""hubctl's commands, one module each; infra.cli assembles them."""
