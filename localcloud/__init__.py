"""The local sovereign cloud: a real OpenStack control plane on 127.0.0.1 (scripts/local-cloud)."""
