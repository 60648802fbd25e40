"""The evidence page for auditors: its facts (collect) and its HTML (page)."""
