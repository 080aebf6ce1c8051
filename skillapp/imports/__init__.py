"""The history of data imports other than the roster: results, training, surveys."""
