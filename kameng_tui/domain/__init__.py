"""The domain core: orders, statuses, labels and attention rules. Never imports Textual."""
