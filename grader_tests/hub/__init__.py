"""Helpers of the end-to-end test of the course's JupyterHub (test_hub_e2e.py)."""
