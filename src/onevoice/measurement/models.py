"""Models of the measurement app; they arrive with the issue that owns them."""
