"""hubctl's commands, one module each; hubctl.cli assembles them."""
