"""One module per node type (pure; cancel-aware)."""
