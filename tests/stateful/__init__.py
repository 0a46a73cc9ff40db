"""The stateful property test's world: pages read like a browser would, the database scanned."""
