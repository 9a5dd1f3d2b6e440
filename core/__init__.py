"""Headless engine of the adversarial-attention dashboard. Never imports streamlit."""
