"""The outbox: what is owed to each advocate, on each channel, and how it is said."""
