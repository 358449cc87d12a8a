"""The batch stage: runs the report notebooks, once per cluster, fault-tolerantly.

Imports only from the earlier stages.
"""
