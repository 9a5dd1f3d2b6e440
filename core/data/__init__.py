"""Data: image input, preprocessing, the real datasets and the synthetic demo set."""
