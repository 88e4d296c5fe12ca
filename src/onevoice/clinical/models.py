"""Models of the clinical app; they arrive with the issue that owns them."""
