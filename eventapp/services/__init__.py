"""Use cases: one function = one transaction = one commit."""
