"""Host hardening suite (pytest-testinfra): see README.md beside this file."""
