"""Backend-specific SQL lives here, one module per database engine, so the store stays portable."""
