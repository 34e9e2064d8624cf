"""The evidence log: every legal event, appended once, hash-chained per subject."""
