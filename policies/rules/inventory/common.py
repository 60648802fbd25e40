"""What several rules of the inventory family share. Registers no rule."""

from __future__ import annotations

ALLOW_KEY = "allow"
