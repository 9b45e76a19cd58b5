"""The domain core: dates, vocabulary, errors, drafts, rules. Imports neither discord nor SQLAlchemy."""
