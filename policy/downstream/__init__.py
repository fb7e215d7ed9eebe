"""What the next systems read, rendered from a decision record and its request (pure, no I/O)."""
