"""Content: the module format on disk, validation, sync into versions."""
