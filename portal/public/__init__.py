"""Pages anyone may see: the start page, the legal pages, and the health check."""
