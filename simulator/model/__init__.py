"""The model of one replication: random streams, calendar and demand, bed pools, pathways, engine.

It knows nothing of files, plots or the command line; it turns a validated scenario and a seed
into flat record arrays.
"""
