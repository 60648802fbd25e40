"""The local cloud's data plane: hosts that boot, networks that carry and filter packets."""
