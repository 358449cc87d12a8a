"""Evaluation harnesses and metrics: how well the estimate stage does, measured in real time."""
