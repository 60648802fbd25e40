"""The integration tier's fixtures are those of every cloud tier: see tests/cloud.py."""
