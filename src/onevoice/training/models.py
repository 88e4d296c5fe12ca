"""Models of the training app; they arrive with the issue that owns them."""
