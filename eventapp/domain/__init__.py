"""Pure rules of the product: no Flask, no database session, time passed in as `now`."""
