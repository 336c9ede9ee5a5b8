"""Training data and builders for the small trained components (`qualifier train`)."""
