"""One module per component."""
