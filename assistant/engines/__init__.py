"""Answer engines: write an answer with [n] markers from numbered sources."""
