"""Files held between an import's preview and its confirmation, and one-time downloads."""
