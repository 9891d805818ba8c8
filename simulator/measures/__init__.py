"""Measures of one replication: occupancy paths, KPIs and costs computed from the records."""
